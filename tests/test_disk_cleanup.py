"""Disk use per model (unique vs shared), orphans, other variants, and cleanup plans and their execution."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from usage_fixture import SIZES

from wan2gp_model_tracker.usage.cleanup import (
    CleanupPlan,
    PlanError,
    PlannedFile,
    execute,
    plan_models,
    plan_orphans,
    plan_other_variants,
    plan_stale_partials,
    plan_unused,
)
from wan2gp_model_tracker.usage.disk import disk_report
from wan2gp_model_tracker.usage.report import ModelUsage

pytestmark = pytest.mark.usefixtures("data_folder")


def report_of(wan):
    analyzer = wan.analyzer()
    inventory = analyzer.scan()
    return disk_report(inventory, analyzer.state.defs)


def ckpt(wan, name: str) -> str:
    return str(wan.root / "ckpts" / name)


# --- disk report ----------------------------------------------------------------------------

def test_a_shared_text_encoder_is_shared_bytes_for_both_models(tree):
    report = report_of(tree)
    t2v, i2v = report.model("t2v"), report.model("i2v")
    assert (t2v.unique_bytes, t2v.shared_bytes, t2v.shared_with) == (SIZES["t2v"], SIZES["te"], ("i2v",))
    assert (i2v.unique_bytes, i2v.shared_bytes) == (SIZES["i2v"], SIZES["te"])


def test_the_encoder_is_unique_once_no_other_downloaded_model_uses_it(tree):
    os.unlink(ckpt(tree, "i2v_quanto_mbf16_int8.safetensors"))
    report = report_of(tree)
    assert report.model("i2v") is None  # flf and i2v have no main weights: they are not "downloaded"
    assert report.model("t2v").unique_bytes == SIZES["t2v"] + SIZES["te"]


def test_a_hard_link_is_one_physical_file(tree):
    os.link(ckpt(tree, "t2v_quanto_mbf16_int8.safetensors"), ckpt(tree, "wan2.0_old_renamed2.safetensors"))
    report = report_of(tree)
    ckpts = next(p for p in report.roots if p.path == str(tree.root / "ckpts"))
    assert ckpts.logical_bytes - ckpts.physical_bytes == SIZES["t2v"]


def test_each_file_counts_once_under_its_most_specific_root(tree):
    report = report_of(tree)
    by_path = {p.path: p for p in report.roots}
    assert by_path[str(tree.root / "ckpts")].files == 6
    assert by_path[str(tree.root)].files == 0
    # The VAE is a handler asset the tracker cannot attribute: neither a model's file nor an orphan.
    assert sum(d.logical_bytes for d in report.drives) == sum(SIZES.values()) - SIZES["vae"]


def test_orphans_are_unreferenced_weights_loras_and_partials(tree):
    report = report_of(tree)
    kinds = {os.path.basename(o.path): o.kind for o in report.orphans}
    assert kinds == {"wan2.0_old_renamed.safetensors": "weights", "my_style.safetensors": "lora",
                     "abc.etag.incomplete": "partial"}


def test_nothing_a_definition_references_is_called_an_orphan(tree):
    tree.weight("ckpts/i2v_mbf16.safetensors")  # the unselected variant of i2v
    tree.weight("ckpts/flf_quanto_mbf16_int8.safetensors")  # a model's own file
    tree.weight("ckpts/umt5-xxl/umt5_bf16.safetensors")  # the unselected encoder variant
    report = report_of(tree)
    orphan_names = {os.path.basename(o.path) for o in report.orphans}
    assert not orphan_names & {"i2v_mbf16.safetensors", "flf_quanto_mbf16_int8.safetensors", "umt5_bf16.safetensors",
                               "t2v_mbf16.safetensors", "Wan2.1_VAE.safetensors"}


def test_other_variants_are_files_the_settings_do_not_select(tree):
    report = report_of(tree)
    assert [(os.path.basename(v.path), v.variant, v.size) for v in report.other_variants] == \
        [("t2v_mbf16.safetensors", "bf16", SIZES["t2v16"])]


def test_symlinks_in_roots_are_not_followed_into_other_folders(tree, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "precious.safetensors").write_bytes(b"x" * 100)
    (tree.root / "ckpts" / "link.safetensors").symlink_to(outside / "precious.safetensors")
    (tree.root / "loras" / "wan" / "linked_dir").symlink_to(outside)
    report = report_of(tree)
    assert not any(os.path.basename(o.path) in ("precious.safetensors", "link.safetensors") for o in report.orphans)


# --- plans ----------------------------------------------------------------------------------

def test_a_model_plan_keeps_files_another_downloaded_model_needs(tree):
    plan = plan_models(report_of(tree), ["t2v"])
    assert [os.path.basename(f.path) for f in plan.files] == ["t2v_quanto_mbf16_int8.safetensors"]
    assert [(os.path.basename(k.path), k.needed_by) for k in plan.kept] == [("umt5_quanto_int8.safetensors",
                                                                            ("i2v",))]
    assert plan.total_bytes == SIZES["t2v"]


def test_removing_every_model_using_a_file_removes_the_file(tree):
    plan = plan_models(report_of(tree), ["t2v", "i2v"])
    assert plan.kept == () and plan.total_bytes == SIZES["t2v"] + SIZES["i2v"] + SIZES["te"]


def test_a_model_that_is_not_downloaded_cannot_be_planned(tree):
    with pytest.raises(PlanError, match="flf"):
        plan_models(report_of(tree), ["flf"])


def test_unused_models_are_those_not_used_for_n_days(tree):
    report = report_of(tree)
    now = datetime.now()
    usage = {"t2v": ModelUsage("t2v", 3, now - timedelta(days=40), None),
             "i2v": ModelUsage("i2v", 1, now - timedelta(days=2), None)}
    plan = plan_unused(report, usage, 30, now)
    assert plan.model_types == ("t2v",) and [k.needed_by for k in plan.kept] == [("i2v",)]


def test_a_never_used_model_counts_as_unused_only_once_its_files_are_old(tree):
    report = report_of(tree)
    assert plan_unused(report, {}, 30).model_types == ()
    assert set(plan_unused(report, {}, 30, datetime.now() + timedelta(days=31)).model_types) == {"t2v", "i2v"}


def test_orphan_plans_leave_user_loras_unless_asked(tree):
    report = report_of(tree)
    assert [os.path.basename(f.path) for f in plan_orphans(report).files] == ["wan2.0_old_renamed.safetensors"]
    assert len(plan_orphans(report, include_loras=True).files) == 2


def test_variant_and_partial_plans(tree):
    report = report_of(tree)
    assert [os.path.basename(f.path) for f in plan_other_variants(report).files] == ["t2v_mbf16.safetensors"]
    assert [os.path.basename(f.path) for f in plan_stale_partials(report).files] == ["abc.etag.incomplete"]


def test_a_partial_download_in_flight_is_not_stale(tree):
    partial = next(o.path for o in report_of(tree).orphans if o.kind == "partial")
    os.utime(partial)
    assert plan_stale_partials(report_of(tree)).files == ()


def test_a_plan_survives_a_round_trip_and_refuses_edits(tree):
    plan = plan_models(report_of(tree), ["t2v"])
    data = json.loads(json.dumps(plan.to_dict()))
    assert CleanupPlan.from_dict(data) == plan
    data["files"].append({"path": "/etc/passwd", "size": 1, "mtime_ns": 1, "reason": "sneaky"})
    with pytest.raises(PlanError, match="changed"):
        CleanupPlan.from_dict(data)


# --- execution ------------------------------------------------------------------------------

class FakeTrash:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.calls: list[str] = []

    def __call__(self, path: str) -> None:
        self.calls.append(path)
        os.replace(path, self.folder / os.path.basename(path))


def test_execution_moves_exactly_the_plan_to_the_trash_and_logs_it(tree, tmp_path, data_folder):
    report = report_of(tree)
    plan = plan_models(report, ["t2v"])
    trash = FakeTrash(tmp_path / "trash")
    result = execute(plan, report.allowed_roots, trash=trash)
    assert trash.calls == [ckpt(tree, "t2v_quanto_mbf16_int8.safetensors")]
    assert result.freed_bytes == SIZES["t2v"] and result.mode == "trash"
    assert os.path.exists(ckpt(tree, "umt5-xxl/umt5_quanto_int8.safetensors"))
    lines = [json.loads(line) for line in Path(result.log_path).read_text().splitlines()]
    assert Path(result.log_path).parent == data_folder
    assert [(entry["path"], entry["removed"], entry["mode"]) for entry in lines] == [(trash.calls[0], True, "trash")]


def test_permanent_execution_deletes_without_the_trash(tree, tmp_path):
    report = report_of(tree)
    trash = FakeTrash(tmp_path / "trash")
    result = execute(plan_orphans(report), report.allowed_roots, permanent=True, trash=trash)
    assert trash.calls == [] and result.mode == "permanent"
    assert not os.path.exists(ckpt(tree, "wan2.0_old_renamed.safetensors"))


def test_the_real_trash_is_used_by_default(tree, tmp_path):
    # send2trash reads XDG_DATA_HOME when it is imported, so the removal runs in a fresh process.
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_orphans(report_of(tree)).to_dict()))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    (tmp_path / "xdg").mkdir()
    done = subprocess.run([sys.executable, "-m", "wan2gp_model_tracker", "cleanup", "--yes", "--plan-file",
                           str(plan_file)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "xdg" / "Trash" / "files" / "wan2.0_old_renamed.safetensors").exists()
    assert not os.path.exists(ckpt(tree, "wan2.0_old_renamed.safetensors"))


def test_execution_refuses_when_a_file_changed_since_the_plan(tree, tmp_path):
    report = report_of(tree)
    plan = plan_models(report, ["t2v", "i2v"])
    with open(ckpt(tree, "i2v_quanto_mbf16_int8.safetensors"), "ab") as fh:
        fh.write(b"more")
    trash = FakeTrash(tmp_path / "trash")
    result = execute(plan, report.allowed_roots, trash=trash)
    assert "changed since the plan" in result.refused and trash.calls == [] and result.freed_bytes == 0


def test_execution_refuses_while_wan2gp_is_generating(tree, tmp_path):
    report = report_of(tree)
    trash = FakeTrash(tmp_path / "trash")
    result = execute(plan_orphans(report), report.allowed_roots, trash=trash, generating=lambda: True)
    assert "generating" in result.refused and trash.calls == []


def test_a_host_that_cannot_say_whether_it_is_generating_counts_as_busy(tree, tmp_path):
    report = report_of(tree)

    def broken() -> bool:
        raise RuntimeError("no host")

    assert execute(plan_orphans(report), report.allowed_roots, trash=FakeTrash(tmp_path / "t"),
                   generating=broken).refused


def test_execution_never_touches_files_outside_the_roots_or_through_links(tree, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    precious = outside / "precious.safetensors"
    precious.write_bytes(b"x" * 10)
    link = tree.root / "ckpts" / "link.safetensors"
    link.symlink_to(precious)
    (tree.root / "ckpts" / "linked_dir").symlink_to(outside)
    report = report_of(tree)
    st = precious.stat()
    for path in (str(precious), str(link), str(tree.root / "ckpts" / "linked_dir" / "precious.safetensors")):
        plan = CleanupPlan("orphans", "hand-made", str(tree.root), "now",
                           (PlannedFile(path, st.st_size, st.st_mtime_ns, "test"),))
        result = execute(plan, report.allowed_roots, permanent=True)
        assert result.refused and "nothing was removed" in result.refused
    assert precious.exists() and link.is_symlink()


def test_an_empty_plan_does_nothing(tree):
    report = report_of(tree)
    assert execute(CleanupPlan("orphans", "nothing", str(tree.root), "now", ()), report.allowed_roots).refused


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
                           lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                           max_leaves=20)
plan_keys = st.sampled_from(["format", "choice", "description", "wan2gp_dir", "created_at", "files", "kept",
                             "model_types", "digest"])


@hsettings(max_examples=80, deadline=None)
@given(st.dictionaries(plan_keys, json_values, max_size=9))
def test_any_plan_file_content_loads_or_is_refused_with_a_message(data):
    data = {**data, "format": 1} if data.get("format") is None else data
    try:
        CleanupPlan.from_dict(data)
    except PlanError as exc:
        assert str(exc)


def test_wan2gp_code_and_settings_are_never_removed_even_inside_a_root(tree):
    tree.config(transformer_quantization="int8")
    report = report_of(tree)  # "." is a checkpoint root: the Wan2GP folder itself
    for name in ("wgp.py", "wgp_config.json"):
        path = tree.root / name
        st_ = path.stat()
        plan = CleanupPlan("orphans", "hand-made", str(tree.root), "now",
                           (PlannedFile(str(path), st_.st_size, st_.st_mtime_ns, "test"),))
        assert "never a model file" in execute(plan, report.allowed_roots, permanent=True).refused
        assert path.exists()
