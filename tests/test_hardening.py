"""Regressions for issue 8: hostile catalogs, configs and files never hang, crash or mislead the tracker.

Each test is named after the behaviour it guarantees; every one of them failed (or hung) on the
code before the hardening commits, except where a comment says otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import types
from pathlib import Path

import pytest
from hostile import raw_html, within
from wan2gp_fixture import LIVE_T2V, WanFolder, fake_fl, url

from wan2gp_model_tracker.catalog.live import HostGlobals, LiveCatalog
from wan2gp_model_tracker.catalog.snapshot import SNAPSHOT_FILENAME
from wan2gp_model_tracker.cli import main
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.performance_db import PerformanceDatabase
from wan2gp_model_tracker.records import FileRole, ModelStatus
from wan2gp_model_tracker.render.markdown import md_code, model_detail_markdown
from wan2gp_model_tracker.render.renderers import render_csv, render_table
from wan2gp_model_tracker.ui.tab import STATUS_CHOICES

DEEP = "[" * 100_000


def add_t2v(wan: WanFolder) -> None:
    wan.default("t2v", URLs=[url("t2v_mbf16.safetensors"), url("t2v_quanto_mbf16_int8.safetensors")])


def scan(wan: WanFolder, seconds: float = 20):
    return within(seconds, wan.scan)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- hangs -------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["URLs", "URLs2"])
def test_null_urls_name_no_weights_instead_of_hanging(wan, key):
    model = {"name": "n", "architecture": "t2v", "URLs": [url("a.safetensors")], key: None}
    wan.finetune("nulls", {"model": model})
    record = scan(wan, 10).get("nulls")
    assert record.status is not ModelStatus.DOWNLOADED
    assert any(f"{key} is null" in w for w in record.warnings)


def test_looping_links_in_the_download_cache_do_not_hang_the_scan(wan):
    add_t2v(wan)
    cache = wan.root / "ckpts" / ".cache" / "huggingface" / "download"
    cache.mkdir(parents=True)
    (cache / "x.incomplete").write_bytes(b"0")
    os.symlink(".", cache / "a")
    os.symlink(".", cache / "b")
    assert scan(wan, 10).get("t2v") is not None


# --- one bad file takes nothing else down ------------------------------------------------------

def test_a_deeply_nested_finetune_is_an_error_on_that_model_only(wan):
    add_t2v(wan)
    wan.finetune("deep", DEEP)
    wan.finetune("deep_inside", '{"model": {"name": "n", "architecture": "t2v", "URLs": ' + DEEP + "}}")
    inventory = scan(wan)
    assert inventory.get("t2v").status is ModelStatus.MISSING
    for model_type in ("deep", "deep_inside"):
        record = inventory.get(model_type)
        assert record.status is ModelStatus.ERROR
        assert any("nested deeper" in e for e in record.errors)


def test_a_deeply_nested_snapshot_is_ignored(wan):
    add_t2v(wan)
    plugin = wan.root / "plugins" / "wan2gp-model-tracker"
    plugin.mkdir(parents=True)
    (plugin / SNAPSHOT_FILENAME).write_text('{"format": 1, "models": ' + DEEP)
    assert scan(wan).get("t2v").status is ModelStatus.MISSING


def test_a_deeply_nested_plugin_info_is_a_warning(wan):
    add_t2v(wan)
    wan.config(enabled_plugins=["other"])
    (wan.root / "plugins" / "other").mkdir(parents=True)
    (wan.root / "plugins" / "other" / "plugin_info.json").write_text(DEEP)
    inventory = scan(wan)
    assert any("plugin_info.json unreadable" in w.message for w in inventory.warnings)


def test_a_deeply_nested_config_is_a_warning_and_a_clean_refusal(wan, capsys):
    add_t2v(wan)
    (wan.root / "wgp_config.json").write_text(DEEP)
    inventory = scan(wan)
    assert any("wgp_config.json could not be read" in w.message for w in inventory.warnings)
    assert run(capsys, "hardware", "--wan2gp", str(wan.root))[0] == 0
    for command in ("install", "uninstall"):
        code, _, err = run(capsys, command, "--wan2gp", str(wan.root))
        assert code == 2 and err.count("\n") == 1 and "nothing was changed" in err
    assert not (wan.root / "plugins").exists()


def test_a_deeply_nested_safetensors_header_is_a_warning_on_the_file(wan):
    add_t2v(wan)
    header = DEEP.encode()
    path = wan.root / "ckpts" / "t2v_quanto_mbf16_int8.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header)
    transformer = next(f for f in scan(wan).get("t2v").files if f.role is FileRole.TRANSFORMER)
    assert transformer.present and any("safetensors header" in w for w in transformer.warnings)


@pytest.mark.parametrize("model", [
    {"URLs": [url("a.safetensors|sub\0dir")]},
    {"URLs": ["/abs/pa\0th.safetensors"]},
    {"URLs": [url("a.safetensors")], "text_encoder_URLs": [url("te.safetensors")], "text_encoder_folder": "te\0"},
    {"URLs": [url("a.safetensors")], "loras": [url("lo\0ra.safetensors")]},
], ids=["folder", "absolute", "text_encoder_folder", "lora"])
def test_a_nul_byte_in_a_definition_is_an_error_on_that_model(wan, model):
    add_t2v(wan)
    wan.finetune("nul", {"model": {"name": "n", "architecture": "t2v", **model}})
    record = scan(wan).get("nul")
    assert any("NUL" in e for e in record.errors)


@pytest.mark.parametrize("config", [
    {"checkpoints_paths": ["ck\0pts", "."]},
    {"loras_root": "lo\0ras"},
], ids=["checkpoints_paths", "loras_root"])
def test_a_nul_byte_in_the_config_is_a_warning(wan, config):
    add_t2v(wan)
    wan.default("with_lora", URLs=[url("a.safetensors")], loras=[url("l.safetensors")])
    wan.config(**config)
    inventory = scan(wan)
    assert any("NUL" in w.message or "not usable text" in w.message for w in inventory.warnings)
    assert inventory.get("with_lora").errors == ()


def utf8_stdout(monkeypatch) -> io.BytesIO:
    """A strict UTF-8 standard output, as on a real terminal (capsys would accept any str)."""
    buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buffer, encoding="utf-8", errors="strict"))
    return buffer


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_a_lone_surrogate_in_a_name_prints_as_valid_utf8(wan, monkeypatch, fmt):
    add_t2v(wan)
    wan.finetune("bad", '{"model": {"name": "bad \\ud800", "architecture": "t2v", "URLs": "t2v"}}')
    buffer = utf8_stdout(monkeypatch)
    details = ["--details"] if fmt != "csv" else []  # CSV holds one raw row per model, no file lists
    assert main(["inventory", "--wan2gp", str(wan.root), "--format", fmt, *details, "--vram", "24"]) == 0
    sys.stdout.flush()
    text = buffer.getvalue().decode("utf-8")  # strict: raises on invalid UTF-8
    assert "bad \\ud800" in text
    if fmt == "json":
        assert {m["model_type"] for m in json.loads(text)["models"]} == {"bad", "t2v"}


def test_a_non_utf8_file_name_is_listed_with_an_escape(wan, monkeypatch):
    add_t2v(wan)
    (wan.root / "finetunes").mkdir()
    name = os.fsencode(wan.root / "finetunes") + b"/caf\xe9.json"
    with open(name, "w") as fh:
        json.dump({"model": {"name": "Café", "architecture": "t2v", "URLs": "t2v"}}, fh)
    buffer = utf8_stdout(monkeypatch)
    assert main(["inventory", "--wan2gp", str(wan.root), "--format", "json"]) == 0
    sys.stdout.flush()
    data = json.loads(buffer.getvalue().decode("utf-8"))
    assert "caf\udce9" in {m["model_type"] for m in data["models"]}


# --- plugin host weirdness ---------------------------------------------------------------------

class RaisingMapping(dict):
    """A host dict that breaks when read."""

    def items(self):
        raise RuntimeError("host object broken")

    def get(self, key, default=None):
        raise RuntimeError("host object broken")


def live_scan(monkeypatch, tmp_path, **globals_):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "wgp", raising=False)
    base = {"models_def": {"t2v": dict(LIVE_T2V)}, "fl": fake_fl(["ckpts", "."]), "bfloat16_supported": True}
    return within(20, ModelAnalyzer(LiveCatalog(HostGlobals({**base, **globals_}))).scan)


def test_a_non_string_model_id_is_an_error_on_that_entry(monkeypatch, tmp_path):
    inventory = live_scan(monkeypatch, tmp_path, models_def={"t2v": dict(LIVE_T2V), 7: dict(LIVE_T2V)})
    assert inventory.get("t2v").status is ModelStatus.MISSING
    assert inventory.get("7").status is ModelStatus.ERROR


@pytest.mark.parametrize("name,value", [
    ("models_def", [dict(LIVE_T2V)]), ("models_def", RaisingMapping(t2v=LIVE_T2V)),
    ("server_config", ["int8"]), ("server_config", RaisingMapping()),
])
def test_host_globals_of_the_wrong_shape_become_a_warning(monkeypatch, tmp_path, name, value):
    inventory = live_scan(monkeypatch, tmp_path, **{name: value})
    assert any(name in w.message for w in inventory.warnings)


def test_checkpoint_paths_given_as_a_string_are_one_folder(monkeypatch, tmp_path):
    inventory = live_scan(monkeypatch, tmp_path, fl=types.SimpleNamespace(_checkpoints_paths="ckpts"))
    assert inventory.settings.checkpoint_roots == (str(tmp_path / "ckpts"),)
    assert any("is a string" in w.message for w in inventory.warnings)


def test_checkpoint_paths_given_as_a_number_fall_back_with_a_warning(monkeypatch, tmp_path):
    inventory = live_scan(monkeypatch, tmp_path, fl=types.SimpleNamespace(_checkpoints_paths=5))
    assert inventory.settings.checkpoint_roots == (str(tmp_path / "ckpts"), str(tmp_path))
    assert any("not a list" in w.message for w in inventory.warnings)


def test_a_definition_that_raises_when_read_is_an_error_on_that_model(monkeypatch, tmp_path):
    inventory = live_scan(monkeypatch, tmp_path, models_def={"t2v": dict(LIVE_T2V), "odd": RaisingMapping()})
    assert inventory.get("t2v").status is ModelStatus.MISSING
    assert inventory.get("odd").status is ModelStatus.ERROR


def test_a_model_whose_figures_fail_gets_a_note_and_the_others_keep_theirs(wan, monkeypatch):
    add_t2v(wan)
    wan.default("t2v_1.3B", URLs=[url("small.safetensors")])
    analyzer = wan.analyzer()
    inventory = analyzer.scan()
    database = PerformanceDatabase.default()
    original = database.get_metrics

    def failing(model_type, *args, **kwargs):
        if model_type == "t2v_1.3B":
            raise OverflowError("int too large to convert to float")
        return original(model_type, *args, **kwargs)

    monkeypatch.setattr(database, "get_metrics", failing)
    metrics = database.metrics_for_inventory(inventory, analyzer.state.defs)
    assert "OverflowError" in metrics["t2v_1.3B"].notes
    assert metrics["t2v"].figure("vram_min_gb") is not None


# --- misleading results ------------------------------------------------------------------------

@pytest.mark.parametrize("urls", ["ghost", "loop_b"], ids=["dangling", "circular"])
def test_an_unresolvable_reference_has_the_error_status_and_no_figures(wan, urls, capsys):
    add_t2v(wan)
    wan.default("loop_a", URLs=urls)
    wan.default("loop_b", URLs="loop_a")
    analyzer = wan.analyzer()
    inventory = analyzer.scan()
    record = inventory.get("loop_a")
    assert record.status is ModelStatus.ERROR and record.files == () and record.errors
    assert "loop_a" not in PerformanceDatabase.default().metrics_for_inventory(inventory, analyzer.state.defs)
    assert inventory.summary().missing == 1 and inventory.summary().errors >= 1
    code, out, _ = run(capsys, "inventory", "--wan2gp", str(wan.root), "--status", "error", "--format", "json")
    assert code == 0 and "loop_a" in {m["model_type"] for m in json.loads(out)["models"]}


def test_the_tab_offers_an_error_status_filter():
    assert ("🟥 Error", "error") in STATUS_CHOICES


def chain(wan: WanFolder, length: int) -> None:
    """``m0 -> m1 -> ... -> m{length-1}``, the last one naming real weights: ``length`` definitions."""
    for i in range(length - 1):
        wan.default(f"m{i}", URLs=f"m{i + 1}")
    wan.default(f"m{length - 1}", URLs=[url("end.safetensors")])


def test_a_chain_of_twelve_definitions_resolves_as_in_wan2gp(wan):
    chain(wan, 12)  # 11 hops: Wan2GP's stack check (len(stack) > 10) lets them through
    record = scan(wan).get("m0")
    assert record.status is ModelStatus.MISSING and record.errors == ()
    assert record.files[0].filename == "end.safetensors"


def test_a_chain_of_thirteen_definitions_fails_as_in_wan2gp(wan):
    chain(wan, 13)  # 12 hops: Wan2GP raises "Circular Reference"
    record = scan(wan).get("m0")
    assert record.status is ModelStatus.ERROR
    assert any("11 hops" in e for e in record.errors)


@pytest.mark.parametrize("model,expected", [
    ({"modules": [[[[url("m.safetensors")]]]]}, "module 1"),
    ({"preload_URLs": {"a": url("p.safetensors")}}, "preload_URLs"),
    ({"VAE_URLs": {"a": url("v.safetensors")}}, "VAE_URLs"),
    ({"loras": 5}, "loras"),
], ids=["nested modules", "preload dict", "vae dict", "loras int"])
def test_slots_of_the_wrong_type_are_errors(wan, model, expected):
    wan.weight("ckpts/a.safetensors")
    wan.default("odd", URLs=[url("a.safetensors")], **model)
    record = scan(wan).get("odd")
    assert any(expected in e for e in record.errors)
    assert record.status is not ModelStatus.DOWNLOADED


def test_a_name_that_is_not_text_is_a_warning(wan):
    wan.default("odd", URLs=[url("a.safetensors")], name=["a", "list"])
    assert any("'name' is list" in w for w in scan(wan).get("odd").warnings)


@pytest.mark.parametrize("paths,expected", [
    ("ckpts", "is a string"), (["missing_folder"], "does not exist"), (["wgp.py"], "is a file"),
], ids=["string", "missing folder", "file"])
def test_unusable_checkpoint_folders_are_warnings(wan, paths, expected):
    add_t2v(wan)
    wan.config(checkpoints_paths=paths)
    inventory = scan(wan)
    assert any(expected in w.message for w in inventory.warnings)
    if paths == "ckpts":
        assert inventory.settings.checkpoint_roots == (str(wan.root / "ckpts"),)


@pytest.mark.parametrize("entry", ["../../../../etc/passwd", "/etc/hostname"])
def test_local_paths_outside_the_install_are_flagged(wan, entry):
    wan.default("sneaky", URLs=[entry])
    (transformer,) = scan(wan).get("sneaky").files
    assert any("outside the Wan2GP folder" in w for w in transformer.warnings)


def test_local_paths_inside_the_install_are_not_flagged(wan):
    wan.weight("ckpts/local.safetensors")
    wan.default("fine", URLs=["ckpts/local.safetensors"])
    (transformer,) = scan(wan).get("fine").files
    assert transformer.present and not any("outside" in w for w in transformer.warnings)


# --- output injection --------------------------------------------------------------------------

def test_a_code_span_cannot_be_closed_by_the_text_inside():
    hostile = "a``<img src=x onerror=alert(1)>``b"
    assert raw_html(f"- file: {md_code(hostile)}") == []
    assert raw_html(md_code("`<b>`")) == []


def test_the_detail_view_shows_file_names_with_backticks_as_text(wan):
    name = "a``<img src=x onerror=alert(1)>``b.safetensors"
    wan.default("odd", URLs=[url(name)])
    record = scan(wan).get("odd")
    assert raw_html("\n".join(model_detail_markdown(record))) == []


def test_snapshot_labels_and_output_types_are_escaped_in_the_details(wan):
    from wan2gp_model_tracker.ui.details import detail_markdown
    from wan2gp_model_tracker.ui.view import TrackerData

    add_t2v(wan)
    plugin = wan.root / "plugins" / "wan2gp-model-tracker"
    plugin.mkdir(parents=True)
    planted = "<img src=http://127.0.0.1:9/x>"
    (plugin / SNAPSHOT_FILENAME).write_text(json.dumps(
        {"format": 1, "models": {}, "families": {"t2v": ["wan", planted, planted]}}))
    analyzer = wan.analyzer()
    inventory = analyzer.scan()
    record = inventory.get("t2v")
    assert record.output_type == "video"  # an unknown output type from a snapshot is not believed
    data = TrackerData(inventory, {}, types.SimpleNamespace(default_vram_budget_gb=None, ram_total_gb=None,
                                                            summary_lines=lambda: []))
    assert raw_html(detail_markdown(data, "t2v", None)) == []


def test_the_terminal_table_never_prints_control_characters(wan):
    add_t2v(wan)
    wan.finetune("evil", {"model": {"name": "a\nb\x1b]8;;http://x\x07c\x00d\x1b[2J", "architecture": "t2v",
                                    "URLs": "t2v"}})
    text = render_table(scan(wan))
    assert not any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) < 0xA0 for c in text)
    assert "a\\x0ab\\x1b]8;;http://x\\x07c\\x00d\\x1b[2J" in text


def test_csv_rows_survive_carriage_returns_and_formulas_are_neutralised(wan):
    add_t2v(wan)
    wan.finetune("f1", {"model": {"name": "=HYPERLINK(\"http://x\",\"y\")", "architecture": "t2v", "URLs": "t2v"}})
    wan.finetune("f2", {"model": {"name": "a\rb", "architecture": "t2v", "URLs": "t2v"}})
    wan.finetune("f3", {"model": {"name": "@SUM(1)", "architecture": "t2v", "URLs": "t2v"}})
    rows = list(csv.DictReader(io.StringIO(render_csv(scan(wan)))))
    names = {r["model_type"]: r["name"] for r in rows}
    assert len(rows) == 4
    assert names["f1"].startswith("'=") and names["f3"].startswith("'@") and names["f2"] == "a\nb"


def test_csv_cells_carry_no_terminal_escape_sequences(wan):
    add_t2v(wan)
    wan.finetune("f1", {"model": {"name": "red\x1b[31m\x00", "architecture": "t2v", "URLs": "t2v"}})
    text = render_csv(scan(wan))
    assert "\x1b" not in text and "\x00" not in text and "red\\x1b[31m\\x00" in text


@pytest.mark.parametrize("argv", [
    ["inventory", "--vram", "nan"], ["inventory", "--vram", "inf"], ["inventory", "--vram", "1e400"],
    ["recommend", "--vram", "12", "--ram", "nan"],
])
def test_budgets_that_are_not_finite_are_refused_in_one_line(capsys, argv):
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 2 and out == "" and err.count("\n") == 1 and "finite" in err


def test_the_tab_shows_a_message_instead_of_raising_into_gradio(monkeypatch):
    import gradio as gr

    from wan2gp_model_tracker.catalog.demo import DemoCatalog
    from wan2gp_model_tracker.ui.tab import build_tab
    from wan2gp_model_tracker.ui.view import TrackerController

    controller = TrackerController(DemoCatalog())
    with gr.Blocks() as demo:
        tab = build_tab(controller)
    handlers = {fn.fn.__name__: fn.fn for fn in demo.fns.values() if fn.fn is not None}

    def broken():
        raise RuntimeError("scan exploded ``<img src=x>``")

    monkeypatch.setattr(controller, "refresh", broken)
    values = {widget: None for widget in tab.inputs}
    outputs = handlers["refreshed"](values)
    # The summary is HTML the tab writes; what the exception says stays text inside it.
    assert "RuntimeError" in outputs[0] and "<img" not in outputs[0] and "&lt;img src=x&gt;" in outputs[0]
    assert len(outputs) == len(tab.outputs)


# --- found by the property suite (tests/test_hostile_input.py) ----------------------------------

def test_a_model_without_figures_still_gets_every_column(wan):
    add_t2v(wan)
    wan.default("a", URLs="ghost")  # an error: no figures
    analyzer = wan.analyzer()
    inventory = analyzer.scan()
    metrics = PerformanceDatabase.default().metrics_for_inventory(inventory, analyzer.state.defs)
    assert "a" not in metrics and "t2v" in metrics
    rows = list(csv.DictReader(io.StringIO(render_csv(inventory, metrics=metrics))))
    assert [r["model_type"] for r in rows] == ["a", "t2v"] and rows[0]["speed_tier"] == ""
    assert "SPEED" in render_table(inventory, metrics=metrics)


def test_a_url_naming_a_file_no_disk_can_hold_is_an_error_on_that_model(wan):
    add_t2v(wan)
    wan.finetune("odd", '{"model": {"architecture": "t2v", "URLs": ["\\ud800"]}}')
    inventory = scan(wan)
    assert any("lone surrogate" in e for e in inventory.get("odd").errors)
    assert inventory.get("t2v").errors == ()


def test_the_tab_and_its_export_show_a_lone_surrogate_as_an_escape(wan):
    import orjson

    from wan2gp_model_tracker.ui.details import detail_markdown
    from wan2gp_model_tracker.ui.presentation import summary_html
    from wan2gp_model_tracker.ui.selection import Filters
    from wan2gp_model_tracker.ui.table import table_frame
    from wan2gp_model_tracker.ui.view import TrackerController

    add_t2v(wan)
    wan.finetune("bad", '{"model": {"name": "bad \\ud800", "architecture": "t2v", "URLs": "t2v"}}')
    controller = TrackerController(wan.catalog())
    data = controller.data
    models = list(data.inventory.models)
    orjson.dumps(table_frame(models, data, None).values.tolist())
    orjson.dumps(summary_html(data, len(models)))
    orjson.dumps(detail_markdown(data, "bad", None))
    export = Path(controller.export_markdown(Filters(), details=True))
    assert "bad \\ud800" in export.read_text(encoding="utf-8")


def test_the_plugin_tab_opens_with_a_warning_when_the_host_globals_are_broken(wan, wgp, monkeypatch):
    from standin_host import StandInHost, open_tab
    from test_plugin import clone_repository

    from wan2gp_model_tracker.installer import PLUGIN_ID

    monkeypatch.chdir(wan.root)
    clone_repository(wan.root / "plugins")
    host = StandInHost(wan.root / "plugins", monkeypatch)
    try:
        plugin = host.load(PLUGIN_ID)
        host.inject_globals(plugin, vars(wgp))
        host.build_ui(plugin)
        wgp.models_def = {**wgp.models_def, 3: {}, "odd": RaisingMapping(), "nulls": {"architecture": "t2v",
                                                                                     "URLs": None}}
        wgp.server_config = ["not", "a", "dict"]
        wgp.fl = types.SimpleNamespace(_checkpoints_paths="ckpts")
        summary, table = within(20, open_tab, plugin, {})[:2]
        assert "Refresh failed" not in summary and "server_config" in summary
        assert {"t2v", "odd", "nulls", "3"} <= set(table["Model type"])
    finally:
        host.close()


def test_a_text_encoder_folder_outside_the_roots_is_a_warning(wan):
    wan.default("odd", URLs=[url("a.safetensors")], text_encoder_URLs=[url("te.safetensors")],
                text_encoder_folder="../../elsewhere")
    record = scan(wan).get("odd")
    assert record.errors == () and any("leads outside" in w for w in record.warnings)


def test_an_oversized_definition_file_is_an_error_on_that_model(wan, monkeypatch):
    from wan2gp_model_tracker import fileio

    monkeypatch.setattr(fileio, "MAX_JSON_BYTES", 1000)  # the real limit is 64 MB; the rule is the same
    add_t2v(wan)
    wan.finetune("huge", {"model": {"name": "x" * 2000, "architecture": "t2v", "URLs": "t2v"}})
    inventory = scan(wan)
    assert inventory.get("huge").status is ModelStatus.ERROR and "too large" in inventory.get("huge").errors[0]
    assert inventory.get("t2v").status is ModelStatus.MISSING


def nested(depth: int) -> list:
    value: list = [url("m.safetensors")]
    for _ in range(depth):
        value = [value]
    return value


def test_modules_nested_800_deep_are_an_error_in_a_file(wan):
    wan.weight("ckpts/a.safetensors")
    wan.finetune("deep_modules", '{"model": {"architecture": "t2v", "URLs": ["' + url("a.safetensors")
                 + '"], "modules": ' + json.dumps(nested(800)) + "}}")
    record = scan(wan).get("deep_modules")
    assert record.status is ModelStatus.ERROR and "nested deeper" in record.errors[0]


def test_modules_nested_800_deep_are_an_error_inside_wan2gp(monkeypatch, tmp_path):
    definition = {"architecture": "t2v", "URLs": [url("a.safetensors")], "modules": nested(800)}
    (tmp_path / "ckpts").mkdir()
    (tmp_path / "ckpts" / "a.safetensors").write_bytes(b"\0" * 16)
    record = live_scan(monkeypatch, tmp_path, models_def={"deep": definition}).get("deep")
    assert record.status is not ModelStatus.DOWNLOADED
    assert any("module 1" in e for e in record.errors)


def test_a_live_refresh_with_unchanged_definitions_reuses_the_plans(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "wgp", raising=False)
    host = {"models_def": {"t2v": dict(LIVE_T2V)}, "fl": fake_fl(["ckpts", "."]), "bfloat16_supported": True}
    analyzer = ModelAnalyzer(LiveCatalog(HostGlobals(host)))
    first = analyzer.scan().get("t2v")
    assert analyzer.scan().get("t2v") is first  # copies of the host's definitions must not look like new ones


def test_a_config_that_is_a_named_pipe_is_a_warning_not_a_hang(wan):
    add_t2v(wan)
    os.mkfifo(wan.root / "wgp_config.json")
    inventory = scan(wan, 10)
    assert any("not a regular file" in w.message for w in inventory.warnings)


def test_a_model_whose_type_holds_a_lone_surrogate_opens_from_its_printable_name(wan):
    import gradio as gr

    from wan2gp_model_tracker.render.formatting import printable
    from wan2gp_model_tracker.ui.tab import build_tab
    from wan2gp_model_tracker.ui.view import TrackerController

    add_t2v(wan)
    (wan.root / "finetunes").mkdir()
    with open(os.fsencode(wan.root / "finetunes") + b"/caf\xe9.json", "w") as fh:
        json.dump({"model": {"name": "Café", "architecture": "t2v", "URLs": "t2v"}}, fh)
    controller = TrackerController(wan.catalog())
    with gr.Blocks() as demo:
        tab = build_tab(controller)
    show_details = next(fn.fn for fn in demo.fns.values() if fn.fn is not None and fn.fn.__name__ == "show_details")
    values = {widget: None for widget in tab.inputs} | {tab.model_pick: printable("caf\udce9")}
    heading, text = show_details(values)
    assert "Café" in heading and "<h4>Files</h4>" in text  # the table and the picker show "caf\\udce9"
