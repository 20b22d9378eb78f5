"""The command line: formats, the JSON contract, exit codes, and staying light."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wan2gp_fixture import url

from wan2gp_model_tracker.cli import main

FILE_KEYS = {"filename", "url", "status", "path", "size_bytes", "size_is_estimate", "warnings"}
MODEL_KEYS = {"model_type", "name", "status", "files", "download_bytes", "errors"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_contract(data: dict) -> None:
    assert set(data) >= {"models", "summary", "settings"}
    assert set(data["summary"]) >= {"total", "downloaded", "partial", "missing", "bytes_on_disk", "bytes_to_download"}
    assert set(data["settings"]) >= {"source", "checkpoint_roots", "quantization", "dtype_policy"}
    for model in data["models"]:
        assert set(model) >= MODEL_KEYS
        assert model["status"] in ("downloaded", "partial", "missing", "error")
        # unknown is null, never zero
        assert (model["download_bytes"] is None) is (model["download_unknown_files"] > 0)
        assert model["download_bytes"] is None or isinstance(model["download_bytes"], int)
        for f in model["files"]:
            assert set(f) >= FILE_KEYS
            assert f["status"] in ("downloaded", "missing")
            assert f["size_is_estimate"] is (f["status"] == "missing")


def test_json_inventory_of_the_demo_follows_the_contract(capsys):
    code, out, _ = run(capsys, "inventory", "--format", "json")
    data = json.loads(out)
    assert code == 0
    check_contract(data)
    assert data["settings"]["source"] == "demo"
    statuses = {m["status"] for m in data["models"]}
    assert statuses == {"downloaded", "partial", "missing"}


def test_json_inventory_of_the_real_catalog_follows_the_contract(capsys, real_catalog_dir, wan):
    for path in real_catalog_dir.glob("*.json"):
        (wan.root / "defaults" / path.name).write_bytes(path.read_bytes())
    wan.weight("ckpts/wan2.1_text2video_14B_quanto_mbf16_int8.safetensors")
    wan.weight("ckpts/umt5-xxl/models_t5_umt5-xxl-enc-quanto_int8.safetensors")  # the text encoder its handler adds
    code, out, _ = run(capsys, "inventory", "--wan2gp", str(wan.root), "--format", "json")
    data = json.loads(out)
    assert code == 0
    check_contract(data)
    assert len(data["models"]) == 217
    t2v = next(m for m in data["models"] if m["model_type"] == "t2v")
    assert t2v["status"] == "downloaded" and t2v["files"][0]["size_is_estimate"] is False


def test_status_filter_keeps_only_that_status(capsys):
    _, out, _ = run(capsys, "inventory", "--format", "json", "--status", "partial")
    models = json.loads(out)["models"]
    assert models and {m["status"] for m in models} == {"partial"}


def test_models_with_errors_still_exit_zero(capsys, wan):
    wan.default("loop", URLs="loop")
    code, out, _ = run(capsys, "inventory", "--wan2gp", str(wan.root), "--format", "json")
    assert code == 0
    assert json.loads(out)["models"][0]["errors"]


def test_a_folder_that_is_not_wan2gp_exits_2_with_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "inventory", "--wan2gp", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not a Wan2GP folder" in err


def test_csv_has_a_row_per_model(capsys, wan):
    wan.default("a", URLs=[url("a.safetensors")])
    wan.default("b", URLs=[url("b.safetensors")])
    _, out, _ = run(capsys, "inventory", "--wan2gp", str(wan.root), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["model_type"] for r in rows] == ["a", "b"]


def test_table_ends_with_the_summary(capsys):
    _, out, _ = run(capsys, "inventory")
    assert "16 models:" in out and "🟦 downloaded" in out and "🟨 partial" in out and "⬛ missing" in out


def test_markdown_escapes_names_from_definition_files(capsys, wan):
    wan.default("evil", name="a | b <script>", URLs=[url("e.safetensors")])
    _, out, _ = run(capsys, "inventory", "--wan2gp", str(wan.root), "--format", "markdown", "--details")
    assert "<script>" not in out and "a \\| b \\<script\\>" in out


def test_the_command_line_does_not_import_gradio():
    code = ("import sys, wan2gp_model_tracker.cli as c, contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()): c.main(['inventory', '--format', 'json'])\n"
            "print('gradio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


METRIC_KEYS = {"vram_min_gb", "vram_recommended_gb", "ram_gb", "speed_tier", "speed_multiplier", "quality_tier",
               "best_for", "notes", "source", "similar_faster", "similar_higher_quality"}


def test_every_model_in_the_json_carries_metrics(capsys):
    models = json.loads(run(capsys, "inventory", "--format", "json")[1])["models"]
    for model in models:
        assert set(model["metrics"]) >= METRIC_KEYS
        assert model["metrics"]["source"] in ("curated", "estimated") or model["metrics"]["source"].startswith(
            "curated (from ")
    t2v = next(m for m in models if m["model_type"] == "t2v")
    assert t2v["metrics"]["vram_min_gb"] == 8 and t2v["metrics"]["provenance"]["vram_min_gb"] == "wan2gp"


def test_a_vram_budget_adds_a_fit_verdict(capsys):
    # RAM given: below Wan2GP's stated 32 GB for profiles 3 and 4 the verdict cannot be "recommended" there.
    models = json.loads(run(capsys, "inventory", "--format", "json", "--vram", "12", "--ram", "32")[1])["models"]
    verdicts = {m["model_type"]: m["fit"]["verdict"] for m in models}
    assert set(verdicts.values()) <= {"recommended", "compatible", "incompatible"}
    assert verdicts["t2v_1.3B"] == "recommended"
    t2v = next(m for m in models if m["model_type"] == "t2v_1.3B")
    assert set(t2v["fit"]["profiles"]) == {"1", "2", "3", "3+", "4", "4+", "5"}
    assert set(t2v["fit"]["profiles"]["4"]) >= {"vram_gb", "ram_gb", "pinned_ram_gb", "verdict"}


def test_profile_judges_every_model_for_that_profile(capsys):
    models = json.loads(run(capsys, "inventory", "--format", "json", "--vram", "12", "--ram", "32",
                            "--profile", "4+")[1])["models"]
    judged = {m["fit"]["profile"] for m in models if m["fit"]["verdict"] == "recommended"}
    assert judged == {"4+"}


def test_a_negative_budget_is_refused(capsys):
    code, _, err = run(capsys, "inventory", "--vram", "-4")
    assert code == 2 and "--vram" in err


def test_recommend_lists_tasks_for_a_budget(capsys):
    code, out, _ = run(capsys, "recommend", "--vram", "8", "--ram", "32", "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["vram_budget_gb"] == 8
    tasks = {t["task"] for t in result["tasks"]}
    assert {"text-to-video", "speech"} <= tasks
    for task in result["tasks"]:
        assert all(p["fit"]["verdict"] != "incompatible" for p in task["picks"])
    assert result["suggestions"]


def test_recommend_without_gpu_or_budget_asks_for_one(capsys, monkeypatch):
    from wan2gp_model_tracker.machine import hardware

    no_gpu = hardware.GpuDetection((), error="no NVIDIA GPU detected: test")
    monkeypatch.setattr(hardware, "detect_gpus", lambda nvml=None: no_gpu)
    code, _, err = run(capsys, "recommend")
    assert code == 2 and "--vram" in err


def test_hardware_reports_gpu_ram_and_disk(capsys, wan):
    code, out, _ = run(capsys, "hardware", "--wan2gp", str(wan.root), "--format", "json")
    data = json.loads(out)
    assert code == 0 and "gpu" in data and data["ram_total_gb"]
    assert [d["root"] for d in data["disks"]] == [str(wan.root / "ckpts"), str(wan.root)]


def test_serve_on_a_busy_port_exits_2_with_one_line(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", str(port))
    assert code == 2 and f"cannot serve on 127.0.0.1:{port}" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["--version"], ["inventory", "--help"]])
def test_help_and_version_exit_cleanly(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0


def test_a_ram_budget_changes_the_fit_and_the_json_names_profile_needs_and_limit(capsys):
    roomy = json.loads(run(capsys, "inventory", "--format", "json", "--vram", "12", "--ram", "64")[1])["models"]
    short = json.loads(run(capsys, "inventory", "--format", "json", "--vram", "12", "--ram", "8")[1])["models"]
    t2v_roomy = next(m for m in roomy if m["model_type"] == "t2v")["fit"]
    t2v_short = next(m for m in short if m["model_type"] == "t2v")["fit"]
    assert {"profile", "vram_need_gb", "ram_need_gb", "limit", "what_fits"} <= set(t2v_roomy)
    assert t2v_roomy["verdict"] == "recommended" and t2v_short["verdict"] == "incompatible"
    assert t2v_short["reason"].startswith("RAM:") and "8 GB" in t2v_short["reason"]


@pytest.mark.parametrize("ram", ["nan", "inf", "-8", "0"])
def test_a_ram_budget_that_is_not_a_positive_number_is_refused(capsys, ram):
    code, _, err = run(capsys, "inventory", "--vram", "8", "--ram", ram)
    assert code == 2 and "--ram" in err


# --- fitting the terminal, raw CSV, options --------------------------------------------------------

def header_of(out: str) -> str:
    return next(line for line in out.splitlines() if "NAME" in line)


def test_the_table_fits_the_terminal_width_and_says_what_it_hid(capsys, monkeypatch):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "100")
    _, out, _ = run(capsys, "inventory")
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 100
    header = header_of(out).split()
    assert header[:3] == ["NAME", "MODEL", "TYPE"] and "BEST" not in header
    assert "(hidden to fit 100 columns:" in out and "--wide" in out
    assert any(line.startswith("🟦 downloaded · 🟨 partial · ⬛ missing") for line in lines)  # the legend


def test_a_very_narrow_terminal_wraps_names_instead_of_overflowing(capsys, monkeypatch):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "40")
    _, out, _ = run(capsys, "inventory")
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 40
    assert "Text2video" in out and "Wan2.1 Text2video 14B" not in out  # the name goes on over two lines


def test_wide_shows_every_column(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    _, out, _ = run(capsys, "inventory", "--wide")
    header = header_of(out)
    assert "BEST FOR" in header and "FAMILY" in header and "STATUS" in header and "--wide" not in out


def test_a_narrow_table_shows_statuses_as_marks_explained_in_the_legend(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    _, out, _ = run(capsys, "inventory")
    flux = next(line for line in out.splitlines() if "Flux" in line and "Dev" in line)
    assert flux.startswith("🟦 ⚠") and "downloaded" not in flux
    assert "⚠ a file on disk looks damaged" in " ".join(out.split())


def test_sizes_in_the_table_share_one_unit_named_in_the_header(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    _, out, _ = run(capsys, "inventory")
    header = out.splitlines()[out.splitlines().index(header_of(out)) - 1:][:2]
    assert "ON DISK" in header[0] and "TO DOWNLOAD" in header[0] and header[1].count("(GB)") >= 3
    rows = [line for line in out.splitlines() if line[:1] in "🟦🟨⬛🟥"]
    assert rows and not any(unit in row for row in rows for unit in (" GB", " MB", " KB"))


def test_csv_holds_raw_values(capsys):
    _, out, _ = run(capsys, "inventory", "--format", "csv")
    rows = {r["model_type"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["t2v"]["status"] == "downloaded" and rows["vace_14B"]["status"] == "partial"
    assert int(rows["t2v"]["on_disk_bytes"]) == 22_030_000_000  # 15.3 GB of weights and the 6.7 GB encoder
    assert rows["vace_14B"]["download_bytes"] == "" and rows["vace_14B"]["download_unknown_files"] == "1"
    assert int(rows["qwen_image_20B"]["download_bytes"]) > 0
    assert float(rows["t2v"]["vram_min_gb"]) == 8.0 and rows["flux"]["damaged_files"] == "1"
    assert not any(mark in out for mark in ("🟦", "🟨", "⬛", "✓", " GB"))


def test_details_are_refused_for_csv_and_listed_in_the_table(capsys):
    code, _, err = run(capsys, "inventory", "--format", "csv", "--details")
    assert code == 2 and "--details" in err and len(err.strip().splitlines()) == 1
    _, out, _ = run(capsys, "inventory", "--details", "--wide")
    assert "Vace 14B (vace_14B): 🟨 partial" in out and "✗ module: wan2.1_Vace_14B_module" in out


def test_a_misspelt_option_shows_the_sub_commands_usage_and_what_was_meant(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["inventory", "--staus", "partial"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "usage: wan2gp-model-tracker inventory" in err and "--staus (did you mean --status?)" in err


@pytest.mark.parametrize(("argv", "meant"), [
    (["inventory", "--detials"], "did you mean --details?"),
    (["inventroy"], "did you mean inventory?"),
    (["inventory", "--format", "jsn"], "did you mean json?"),
    (["disk", "--formt=json"], "did you mean --format?"),
])
def test_typos_in_commands_options_and_choices_get_a_suggestion(capsys, argv, meant):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and meant in capsys.readouterr().err


def test_an_option_nothing_is_close_to_gets_no_suggestion(capsys):
    with pytest.raises(SystemExit):
        main(["inventory", "--zzzzzz"])
    assert "did you mean" not in capsys.readouterr().err


def test_a_misspelt_model_type_gets_a_suggestion(capsys):
    code, _, err = run(capsys, "download", "--dry-run", "vace_14")
    assert code == 2 and "unknown model type `vace_14`; did you mean vace_14B" in err
    assert len(err.strip().splitlines()) == 1


def test_a_name_other_than_the_model_type_is_answered_with_the_model_taken(capsys):
    code, out, err = run(capsys, "inventory", "--format", "json", "wan2.1 text2video 14B")
    assert code == 0 and [m["model_type"] for m in json.loads(out)["models"]] == ["t2v"]
    assert "`wan2.1 text2video 14B` is Wan2.1 Text2video 14B (`t2v`): display name" in err


def test_a_name_with_control_characters_is_escaped_in_the_answer(capsys):
    code, _, err = run(capsys, "download", "--dry-run", "a\x1b[2Jb")
    assert code == 2 and "\x1b" not in err and "a\\x1b[2Jb" in err


def test_unknown_download_sizes_are_null_in_json_and_question_marks_for_people(capsys):
    _, out, _ = run(capsys, "inventory", "--format", "json")
    vace = next(m for m in json.loads(out)["models"] if m["model_type"] == "vace_14B")
    assert vace["download_bytes"] is None and vace["download_unknown_files"] == 1
    _, out, _ = run(capsys, "inventory", "--format", "markdown")
    assert "? (1 file)" in next(line for line in out.splitlines() if "vace\\_14B" in line)


def test_piped_output_has_no_progress_and_every_column(tmp_path):
    result = subprocess.run([sys.executable, "-m", "wan2gp_model_tracker", "inventory"], capture_output=True,
                            text=True, timeout=120, env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert result.returncode == 0 and result.stderr == ""
    assert "BEST FOR" in header_of(result.stdout) and "\x1b" not in result.stdout


def test_a_terminal_sees_progress_while_the_scan_runs():
    import pty

    controller, terminal = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "wan2gp_model_tracker", "inventory", "--format", "json"],
                                stdout=subprocess.PIPE, stderr=terminal, timeout=120)
        os.close(terminal)
        terminal = -1
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal's other end is closed: everything has been read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
        if terminal != -1:
            os.close(terminal)
    assert result.returncode == 0 and json.loads(result.stdout)["models"]
    assert shown  # the spinner drew on the terminal; the piped test above shows nothing then


@given(st.lists(st.text(min_size=1, max_size=20).filter(lambda t: "\x00" not in t), min_size=1, max_size=4))
def test_any_unknown_arguments_are_named_back_in_the_message(unknown):
    from wan2gp_model_tracker.commands.parser import build_parser

    sub = build_parser().get_default("subparsers")["inventory"]
    message = sub.unknown_options(unknown)
    assert message.startswith("unrecognized arguments: ") and all(arg in message for arg in unknown)


@given(st.text(max_size=30))
def test_a_suggestion_is_always_one_of_the_known_words(given_text):
    from wan2gp_model_tracker.commands.parser import did_you_mean

    known = ["--details", "--status", "--format", "--wide"]
    hint = did_you_mean(given_text, known)
    assert hint == "" or any(hint == f" (did you mean {k}?)" for k in known)


def test_recommend_never_writes_zero_gigabytes_to_download(capsys):
    import argparse
    from dataclasses import replace

    from wan2gp_model_tracker.commands import common
    from wan2gp_model_tracker.fit.recommendations import recommend
    from wan2gp_model_tracker.render.recommendations import render_recommendations

    scan = common.scan(argparse.Namespace(wan2gp=None, no_network=True))
    result = recommend(scan.inventory, scan.metrics, 12, 32)
    group = next(g for g in result.groups if any(not p.downloaded for p in g.picks))
    pick = next(p for p in group.picks if not p.downloaded)
    tiny = replace(pick, download_gb=0.0)  # under 0.05 GB, or nothing known: never "0 GB to download"
    changed = replace(result, groups=(replace(group, picks=(tiny,)),))
    text = render_recommendations(changed, "table")
    assert f"({pick.model_type}): " in text and "? to download" in text and "0 GB to download" not in text
