"""The "Disk & cleanup" panel: a plan shown first, Confirm executes exactly that plan, state per session."""

from __future__ import annotations

import os

import gradio as gr
import pytest
from test_tracker_view import machine
from usage_fixture import SIZES

from wan2gp_model_tracker.ui.disk_panel import (
    biggest_plan,
    build_disk_panel,
    current_report,
    disk_markdown,
    make_plan,
    run_plan,
    usage_notes,
)
from wan2gp_model_tracker.ui.view import TrackerController

pytestmark = pytest.mark.usefixtures("data_folder")


@pytest.fixture
def controller(tree):
    return TrackerController(tree.catalog(), hardware_probe=machine())


def test_the_disk_view_lists_unique_shared_and_orphan_bytes(controller):
    text = disk_markdown(current_report(controller))
    assert "| t2v (`t2v`) | 4 MB | 3 MB (i2v) |" in text
    assert "**Orphaned weight files:** 1, 1 MB" in text and "**Partial downloads:** 1" in text
    assert "**Other quantizations on disk:** 8 MB" in text


def test_a_plan_is_shown_and_nothing_is_removed_until_confirmed(controller, wan, trashed):
    text, plan = make_plan(controller, "models", ["t2v"], None, False)
    assert "needed by i2v" in text and "Nothing has been removed yet" in text
    assert trashed == [] and (wan.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors").exists()
    result = run_plan(controller, plan, permanent=False)
    assert "1 files moved to the trash" in result
    assert trashed == [str(wan.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors")]


def test_confirm_executes_the_plan_that_was_shown_not_a_new_one(controller, wan, trashed):
    _, plan = make_plan(controller, "orphans", None, None, False)
    wan.weight("ckpts/another_unknown.safetensors")  # appeared after the plan was shown
    run_plan(controller, plan, permanent=False)
    assert [os.path.basename(p) for p in trashed] == ["wan2.0_old_renamed.safetensors"]
    assert (wan.root / "ckpts" / "another_unknown.safetensors").exists()


def test_confirm_refuses_while_wan2gp_is_generating(controller, wan, trashed):
    controller.generating = lambda: True
    _, plan = make_plan(controller, "other-variants", None, None, False)
    assert "generating" in run_plan(controller, plan, permanent=True)
    assert (wan.root / "ckpts" / "t2v_mbf16.safetensors").exists()


def test_an_empty_plan_cannot_be_confirmed(controller):
    _, plan = make_plan(controller, "models", [], None, False)
    assert plan is None and run_plan(controller, None, False) == "Build a plan first."


def test_the_panel_builds_in_blocks_and_its_handlers_keep_the_plan_in_session_state(controller, wan, trashed):
    with gr.Blocks() as demo:
        panel = build_disk_panel(controller)
    assert isinstance(panel.plan_state, gr.State) and demo is not None
    summary, models = panel.scan()
    assert "t2v" in summary and ("t2v (t2v)", "t2v") in models["choices"]
    text, state, confirm, _ = panel.plan("models", ["i2v", "t2v"], None, False)
    assert confirm["interactive"] is True and state["total_bytes"] == SIZES["t2v"] + SIZES["i2v"] + SIZES["te"]
    result, cleared, confirm, _ = panel.execute(state, False)
    assert "3 files moved to the trash" in result and cleared is None and confirm["interactive"] is False


def test_the_standalone_demo_keeps_no_usage_database(tmp_path, monkeypatch):
    from wan2gp_model_tracker.catalog.demo import DemoCatalog
    from wan2gp_model_tracker.ui.serve import build_app

    monkeypatch.setenv("WAN2GP_TRACKER_DATA", str(tmp_path / "data"))
    build_app(DemoCatalog())
    assert not (tmp_path / "data").exists()


def test_the_panel_says_when_outputs_could_not_be_read(controller):
    def broken(wan2gp_dir: str):
        raise OSError("denied")

    controller.usage_scanner = broken
    report = current_report(controller)
    assert "⚠ outputs could not be read: OSError: denied" in disk_markdown(report, usage_notes(controller))


def test_a_plan_that_frees_nothing_points_at_the_one_that_frees_the_most(controller):
    text, plan = make_plan(controller, "unused", None, 100_000, False)
    assert plan is None
    assert "**Other quantizations: 8 MB** would be freed instead" in text


def test_the_biggest_plan_is_the_one_that_frees_the_most_bytes(controller):
    report = current_report(controller)
    choice, freed = biggest_plan(controller, report)
    assert (choice, freed) == ("other-variants", SIZES["t2v16"])
    assert biggest_plan(controller, report, skip="other-variants")[0] == "orphans"
