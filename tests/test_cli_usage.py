"""The usage, disk and cleanup commands: formats, escaping, and a plan executed exactly as shown."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime

import pytest
from outputs_fixture import settings, write_mp4
from usage_fixture import SIZES

from wan2gp_model_tracker.cli import main

pytestmark = pytest.mark.usefixtures("data_folder")


@pytest.fixture
def tree(tree):
    """The shared tree with two t2v generations in its outputs."""
    write_mp4(tree.root / "outputs" / "a.mp4", settings("t2v", seconds=60, steps=30, created=datetime(2026, 1, 2),
                                                          seed=1))
    write_mp4(tree.root / "outputs" / "b.mp4", settings("t2v", seconds=90, steps=30, created=datetime(2026, 1, 3),
                                                          seed=2))
    return tree


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_usage_json_lists_counts_and_measured_speed(capsys, tree):
    code, out, _ = run(capsys, "usage", "--wan2gp", str(tree.root), "--format", "json")
    data = json.loads(out)
    t2v = data["models"]["t2v"]
    assert code == 0 and t2v["generations"] == 2 and t2v["last_used"] == "2026-01-03T00:00:00"
    assert t2v["measured_speed"]["runs"] == 2 and t2v["measured_speed"]["seconds_per_step"]["median"] == 2.5


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_usage_renders_every_format(capsys, tree, fmt):
    code, out, _ = run(capsys, "usage", "--wan2gp", str(tree.root), "--format", fmt)
    assert code == 0 and "t2v" in out
    if fmt == "csv":
        assert next(csv.DictReader(io.StringIO(out)))["generations"] == "2"


def test_usage_since_filters_old_generations(capsys, tree):
    _, out, _ = run(capsys, "usage", "--wan2gp", str(tree.root), "--since", "30", "--format", "json")
    assert json.loads(out)["models"] == {}


def test_disk_json_reports_unique_shared_and_orphans(capsys, tree):
    code, out, _ = run(capsys, "disk", "--wan2gp", str(tree.root), "--format", "json")
    data = json.loads(out)
    models = {m["model_type"]: m for m in data["models"]}
    assert code == 0 and models["t2v"]["unique_bytes"] == SIZES["t2v"] and models["t2v"]["shared_bytes"] == SIZES["te"]
    assert {o["kind"] for o in data["orphans"]} == {"weights", "lora", "partial"}


def test_terminal_output_escapes_control_characters_in_names(capsys, tree):
    tree.weight("ckpts/evil\x1b[31mred.safetensors")
    _, out, _ = run(capsys, "disk", "--wan2gp", str(tree.root))
    assert "\x1b" not in out and "evil\\x1b[31mred" in out


def test_cleanup_plan_then_yes_removes_exactly_the_saved_plan(capsys, tree, tmp_path, trashed):
    plan_file = tmp_path / "plan.json"
    code, out, _ = run(capsys, "cleanup", "--wan2gp", str(tree.root), "--models", "t2v", "--plan",
                       "--save-plan", str(plan_file))
    assert code == 0 and "needed by i2v" in out
    assert os.path.exists(tree.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors")
    code, out, _ = run(capsys, "cleanup", "--yes", "--plan-file", str(plan_file))
    assert code == 0 and "1 files moved to the trash" in out
    assert trashed == [str(tree.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors")]
    assert os.path.exists(tree.root / "ckpts" / "umt5-xxl" / "umt5_quanto_int8.safetensors")


def test_cleanup_yes_refuses_an_edited_plan(capsys, tree, tmp_path):
    plan_file = tmp_path / "plan.json"
    run(capsys, "cleanup", "--wan2gp", str(tree.root), "--orphans", "--plan", "--save-plan", str(plan_file))
    data = json.loads(plan_file.read_text())
    data["files"][0]["path"] = str(tree.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors")
    plan_file.write_text(json.dumps(data))
    code, _, err = run(capsys, "cleanup", "--yes", "--plan-file", str(plan_file))
    assert code == 2 and "changed after it was made" in err
    assert os.path.exists(tree.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors")


def test_cleanup_yes_refuses_when_a_file_changed(capsys, tree, tmp_path):
    plan_file = tmp_path / "plan.json"
    run(capsys, "cleanup", "--wan2gp", str(tree.root), "--other-variants", "--plan", "--save-plan", str(plan_file))
    with open(tree.root / "ckpts" / "t2v_mbf16.safetensors", "ab") as fh:
        fh.write(b"x")
    code, out, _ = run(capsys, "cleanup", "--yes", "--plan-file", str(plan_file), "--permanent")
    assert code == 1 and "changed since the plan" in out
    assert os.path.exists(tree.root / "ckpts" / "t2v_mbf16.safetensors")


def test_cleanup_without_plan_or_yes_is_a_usage_error(capsys, tree):
    code, _, err = run(capsys, "cleanup", "--wan2gp", str(tree.root), "--orphans")
    assert code == 2 and "--plan" in err


def test_cleanup_of_a_model_that_is_not_downloaded_is_a_one_line_error(capsys, tree):
    code, _, err = run(capsys, "cleanup", "--wan2gp", str(tree.root), "--models", "flf", "--plan")
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize("content", ["[1, 2]", "{broken", ""])
def test_a_plan_file_that_is_not_a_plan_is_a_one_line_error(capsys, tmp_path, content):
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(content)
    code, _, err = run(capsys, "cleanup", "--yes", "--plan-file", str(plan_file))
    assert code == 2 and err.count("\n") == 1


def test_cleanup_takes_a_model_by_any_name_and_says_which_it_took(capsys, tree):
    code, out, err = run(capsys, "cleanup", "--wan2gp", str(tree.root), "--models", "T2V", "--plan", "--format",
                         "json")
    assert code == 0 and "`T2V` is t2v (`t2v`)" in err
    removed = {f["path"] for f in json.loads(out)["files"]}
    assert str(tree.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors") in removed


def test_cleanup_of_an_unknown_model_suggests_a_close_one(capsys, tree):
    code, _, err = run(capsys, "cleanup", "--wan2gp", str(tree.root), "--models", "t2vv", "--plan")
    assert code == 2 and "did you mean t2v" in err and err.count("\n") == 1


def test_the_disk_table_leads_with_its_summary_and_keeps_one_unit_per_column(capsys, tree, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    code, out, _ = run(capsys, "disk", "--wan2gp", str(tree.root))
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("2 models with weights on disk:")
    header = next(i for i, line in enumerate(lines) if line.startswith("NAME"))
    assert "UNIQUE" in lines[header - 1] and lines[header].count("(MB)") == 2
    rows = lines[header + 1: header + 3]
    assert [row.split()[0] for row in rows] == ["i2v", "t2v"] and not any(" MB" in row for row in rows)
    assert lines.index("Drives:") < header < lines.index("Orphans (no current definition uses them):")
