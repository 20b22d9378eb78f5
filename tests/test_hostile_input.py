"""Property tests: generated hostile definitions, configs and folder trees never hang, crash or mislead.

For every generated Wan2GP folder (offline) or set of host globals (inside the plugin):
the scan returns within a time bound, every model is accounted for with a status (an ``error``
status always carries its message), the renderers give valid JSON, CSV and Markdown without raw
HTML from the input, the terminal table holds no control characters, and nothing is written
outside the files the tracker promises to write.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
import types
import unicodedata
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from hostile import foreign_tags, raw_html, tree, within
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from standin_host import StandInHost, open_tab
from test_plugin import clone_repository
from wan2gp_fixture import HF, WanFolder, wgp_module

from wan2gp_model_tracker.catalog.demo import write_sparse_safetensors
from wan2gp_model_tracker.catalog.snapshot import SNAPSHOT_FILENAME
from wan2gp_model_tracker.fit.recommendations import recommend
from wan2gp_model_tracker.installer import PLUGIN_ID, InstallError, install, uninstall
from wan2gp_model_tracker.performance_db import PerformanceDatabase
from wan2gp_model_tracker.records import ModelStatus
from wan2gp_model_tracker.render.formatting import csv_cell, terminal_text
from wan2gp_model_tracker.render.markdown import md_code, md_escape, render_markdown
from wan2gp_model_tracker.render.recommendations import render_recommendations
from wan2gp_model_tracker.render.renderers import render_csv, render_json, render_table
from wan2gp_model_tracker.ui.details import detail_markdown
from wan2gp_model_tracker.ui.view import TrackerData

# --- generators -----------------------------------------------------------------------------------

FRAGMENTS = ["``", "`", "<img src=x onerror=alert(1)>", "<script>", "\x1b[2J", "\x1b]8;;http://x\x07", "\0",
             "\r", "\n", "=HYPERLINK(\"x\")", "+1", "-", "@", "\t", "|", "|%lora_dir", "%lora_dir", "../",
             "/etc/passwd", "\ud800", "\udcff", "é", "✓", "\u202e", "&lt;", "[x](javascript:1)", "#", "*", "_"]
# Every code point, surrogates included (Hypothesis leaves them out of text() by default).
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
hostile_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(ANY_CHAR, max_size=4), max_size=5).map("".join)
WEIGHTS = ["a.safetensors", "b_int8.safetensors", "c_fp8.gguf", "te_bf16.safetensors", "lora.safetensors"]
MODEL_IDS = ["m1", "m2", "m3", "m4"]

weight_url = st.sampled_from(WEIGHTS).map(lambda name: f"{HF}/{name}")
entry = st.one_of(
    weight_url, weight_url, weight_url,
    st.builds(lambda name, folder: f"{HF}/{name}|{folder}", st.sampled_from(WEIGHTS), hostile_text),
    st.sampled_from(["ckpts/a.safetensors", "../../../../etc/passwd", "/etc/hostname", "a.safetensors"]),
    hostile_text,
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)
# Mostly plausible slots (so statuses other than "error" come up), sometimes anything at all.
url_slot = st.one_of(st.lists(weight_url, min_size=1, max_size=3), st.lists(weight_url, min_size=1, max_size=3),
                     st.lists(entry, max_size=3), st.sampled_from(MODEL_IDS + ["ghost"]), st.none(), json_value)
definition = st.fixed_dictionaries(
    {"architecture": st.sampled_from(["t2v", "i2v", "flux", "ltx2_22B", "unknown_arch"]) | json_value,
     "URLs": url_slot},
    optional={
        "name": hostile_text | json_value, "description": hostile_text, "URLs2": url_slot,
        "modules": st.lists(st.lists(entry, max_size=2) | st.sampled_from(MODEL_IDS) | json_value, max_size=2)
        | url_slot,
        "preload_URLs": url_slot, "VAE_URLs": url_slot, "loras": url_slot, "text_encoder_URLs": url_slot,
        "text_encoder_folder": hostile_text | json_value, "visible": json_value, "group": hostile_text,
    },
)
definition_json = definition.map(lambda model: json.dumps({"model": model}))
definition_text = st.one_of(
    definition_json, definition_json, definition_json, definition_json,
    json_value.map(json.dumps),
    st.integers(10, 3000).map(lambda depth: '{"model": {"URLs": ' + "[" * depth + "]" * depth + "}}"),
    st.integers(1, 3).map(lambda n: "[" * (10 ** (n + 2))),
    st.binary(max_size=40).map(lambda raw: raw.decode("latin-1")),
)
config_text = st.one_of(
    st.fixed_dictionaries({}, optional={
        "checkpoints_paths": st.lists(st.sampled_from(["ckpts", ".", "missing", "wgp.py", "ck\0pts"]) | hostile_text,
                                      max_size=3) | json_value,
        "loras_root": hostile_text | json_value, "transformer_quantization": st.sampled_from(["int8", "fp8", "bf16"])
        | json_value, "enabled_plugins": st.lists(hostile_text, max_size=2) | json_value,
    }).map(json.dumps),
    json_value.map(json.dumps),
    st.just("[" * 5000),
)
file_name = st.text(st.characters(exclude_characters="/\0", codec="utf-8"), min_size=1, max_size=12).filter(
    lambda name: name not in (".", "..") and len(name.encode()) < 100)
layout = st.fixed_dictionaries({
    "definitions": st.dictionaries(st.sampled_from(MODEL_IDS) | file_name, definition_text, min_size=1, max_size=5),
    "finetunes": st.dictionaries(st.sampled_from(MODEL_IDS) | file_name, definition_text, max_size=3),
    "config": st.none() | config_text,
    "weights": st.lists(st.sampled_from(WEIGHTS), max_size=5, unique=True),
    "garbage_weights": st.lists(st.sampled_from(WEIGHTS), max_size=2, unique=True),
    "looping_cache": st.booleans(),
    "snapshot": st.none() | json_value.map(json.dumps) | st.just('{"format": 1, "models": ' + "[" * 3000),
})


def build(root: Path, plan: dict) -> WanFolder:
    wan = WanFolder(root)
    for folder, files in (("defaults", plan["definitions"]), ("finetunes", plan["finetunes"])):
        (root / folder).mkdir(exist_ok=True)
        for name, text in files.items():
            (root / folder / f"{name}.json").write_text(text, encoding="utf-8", errors="surrogatepass")
    if plan["config"] is not None:
        (root / "wgp_config.json").write_text(plan["config"], encoding="utf-8", errors="surrogatepass")
    for name in plan["weights"]:
        write_sparse_safetensors(str(root / "ckpts" / name), 4096)
    for name in plan["garbage_weights"]:
        (root / name).write_bytes(b"\xff" * 64)
    if plan["looping_cache"]:
        cache = root / "ckpts" / ".cache" / "huggingface" / "download"
        cache.mkdir(parents=True)
        (cache / "a.safetensors.etag.incomplete").write_bytes(b"0")
        os.symlink(".", cache / "loop")
        os.symlink("..", cache / "up")
    if plan["snapshot"] is not None:
        (root / "plugins" / "copy").mkdir(parents=True)
        (root / "plugins" / "copy" / SNAPSHOT_FILENAME).write_text(plan["snapshot"], errors="surrogatepass")
    return wan


# --- what every output must satisfy ---------------------------------------------------------------

def check_outputs(inventory, metrics) -> None:
    assert inventory.models, "every catalog here has at least one definition file"
    for model in inventory.models:
        assert isinstance(model.status, ModelStatus)
        if model.status is ModelStatus.ERROR:
            assert model.errors and not model.files and model.model_type not in metrics
    text = render_json(inventory, metrics=metrics)
    data = json.loads(text.encode("utf-8"), parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert len(data["models"]) == len(inventory.models)
    assert data["summary"]["total"] == sum(data["summary"][k] for k in ("downloaded", "partial", "missing", "errors"))
    rows = list(csv.reader(io.StringIO(render_csv(inventory, metrics=metrics))))
    assert len(rows) == len(inventory.models) + 1 and len({len(r) for r in rows}) == 1
    for row in rows[1:]:
        for cell in row:
            assert not _formula(cell), cell
    table = render_table(inventory, metrics=metrics)
    table.encode("utf-8")
    assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in table)
    markdown = render_markdown(inventory, metrics=metrics, details=True)
    markdown.encode("utf-8")
    assert raw_html(markdown) == []
    picks = recommend(inventory, metrics, 12.0, 32.0)
    json.loads(render_recommendations(picks, "json").encode("utf-8"))
    assert raw_html(render_recommendations(picks, "markdown")) == []
    assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in render_recommendations(picks, "table"))
    hardware = types.SimpleNamespace(default_vram_budget_gb=12.0, ram_total_gb=32.0, summary_lines=lambda: [])
    data_view = TrackerData(inventory, metrics, hardware)
    for model in inventory.models:
        detail = detail_markdown(data_view, model.model_type, None)
        detail.encode("utf-8")
        assert raw_html(detail) == []


def _formula(cell: str) -> bool:
    """What a spreadsheet would evaluate: a cell starting with = + - @ tab or CR that is not a plain number."""
    if not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell in ("-", "+"):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


HEAVY = settings(max_examples=60, deadline=timedelta(seconds=30), suppress_health_check=[HealthCheck.too_slow,
                                                                                          HealthCheck.data_too_large])


@HEAVY
@given(layout)
def test_any_wan2gp_folder_is_scanned_and_rendered_safely(plan):
    with tempfile.TemporaryDirectory() as tmp:
        wan = build(Path(tmp) / "Wan2GP", plan)
        before = tree(wan.root)
        analyzer = wan.analyzer()
        inventory = within(20, analyzer.scan)
        files = {p.stem for folder in ("defaults", "finetunes") for p in (wan.root / folder).glob("*.json")}
        assert files <= {m.model_type for m in inventory.models}, "a definition file went unreported"
        metrics = within(20, PerformanceDatabase.default().metrics_for_inventory, inventory, analyzer.state.defs)
        check_outputs(inventory, metrics)
        assert tree(wan.root) == before, "the scan changed the user's folder"
        for status in sorted({m.status.value for m in inventory.models}):
            event(f"a model with status {status}")


# --- inside Wan2GP: the plugin's callbacks with hostile host globals -------------------------------

class Raising(dict):
    def items(self):
        raise RuntimeError("host object broken")

    def get(self, key, default=None):
        raise RuntimeError("host object broken")


host_key = st.sampled_from(MODEL_IDS) | hostile_text | st.integers() | st.none()
host_definition = definition | definition | definition | json_value | st.just(Raising())
host_globals = st.fixed_dictionaries({
    "models_def": st.dictionaries(st.sampled_from(MODEL_IDS), definition, min_size=1, max_size=4)
    | st.dictionaries(host_key, host_definition, max_size=5) | json_value | st.just(Raising(m1={})),
    "server_config": st.dictionaries(hostile_text, json_value, max_size=3) | json_value | st.just(Raising()),
    "roots": st.lists(st.sampled_from(["ckpts", ".", "ck\0pts"]) | hostile_text, max_size=3) | json_value,
    "text_encoder_quantization": json_value,
})


@pytest.fixture(scope="module")
def live_plugin():
    """The plugin loaded once by the stand-in host from a Wan2GP folder; each example swaps the globals."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        wan = WanFolder(Path(tmp) / "Wan2GP")
        monkeypatch.chdir(wan.root)
        clone_repository(wan.root / "plugins")
        module = wgp_module()
        monkeypatch.setitem(sys.modules, "wgp", module)
        host = StandInHost(wan.root / "plugins", monkeypatch)
        plugin = host.load(PLUGIN_ID)
        host.inject_globals(plugin, vars(module))
        host.build_ui(plugin)
        try:
            yield plugin, module, wan
        finally:
            host.close()


@settings(max_examples=40, deadline=timedelta(seconds=30), suppress_health_check=[HealthCheck.too_slow,
                                                                                   HealthCheck.data_too_large])
@given(host_globals)
def test_the_tab_survives_any_host_globals(live_plugin, values):
    plugin, module, wan = live_plugin
    module.models_def = values["models_def"]
    module.server_config = values["server_config"]
    module.fl = types.SimpleNamespace(_checkpoints_paths=values["roots"])
    module.text_encoder_quantization = values["text_encoder_quantization"]
    snapshot = wan.root / "plugins" / PLUGIN_ID / SNAPSHOT_FILENAME
    promised = {os.path.join("plugins", PLUGIN_ID), os.path.join("plugins", PLUGIN_ID, SNAPSHOT_FILENAME)}
    before = {k: v for k, v in tree(wan.root).items() if k not in promised}
    outputs = within(20, open_tab, plugin, {})
    assert outputs is not None and len(outputs) == len(plugin.tab.outputs)
    event(f"{len(outputs[1])} table rows" if hasattr(outputs[1], "values") else "no table")
    summary, table = outputs[0], outputs[1]
    assert "Refresh failed" not in summary, summary
    assert foreign_tags(summary) == []  # the summary is the tab's own HTML; input stays escaped text in it
    orjson.dumps(summary)  # what Gradio sends to the browser must encode
    if hasattr(table, "values"):
        orjson.dumps(table.values.tolist())
    after = {k: v for k, v in tree(wan.root).items() if k not in promised}
    assert after == before, "only the snapshot may be written"
    if snapshot.exists():
        json.loads(snapshot.read_text(encoding="utf-8"))


# --- install / uninstall on any config -------------------------------------------------------------

config_file = st.one_of(
    st.dictionaries(hostile_text, json_value, max_size=4).map(lambda d: json.dumps(d, indent=4)),
    st.dictionaries(hostile_text, json_value, max_size=4).map(lambda d: json.dumps(d, ensure_ascii=False)),
    st.lists(st.tuples(st.sampled_from(["enabled_plugins", "a", "a", "é"]), json_value), max_size=4).map(
        lambda pairs: "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"),
    json_value.map(json.dumps),
    st.text(ANY_CHAR, max_size=30),
)


def _pairs(text: str):
    return json.loads(text, object_pairs_hook=list, parse_float=str, parse_int=str)


@settings(max_examples=80, deadline=timedelta(seconds=20), suppress_health_check=[HealthCheck.too_slow])
@given(config_file)
def test_install_and_uninstall_change_nothing_but_enabled_plugins(text):
    with tempfile.TemporaryDirectory() as tmp:
        wan = WanFolder(Path(tmp) / "Wan2GP")
        config = wan.root / "wgp_config.json"
        config.write_text(text, encoding="utf-8", errors="surrogatepass")
        original = config.read_bytes()
        before = tree(wan.root)
        try:
            within(20, install, str(wan.root))
        except InstallError as exc:
            assert str(exc).count("\n") == 0 and "nothing was changed" in str(exc)
            assert tree(wan.root) == before
            event("refused with a message")
            return
        event("installed and uninstalled")
        installed = _pairs(config.read_text(encoding="utf-8"))
        plugins = [v for k, v in installed if k == "enabled_plugins"][-1]
        assert PLUGIN_ID in plugins
        others = [(k, v) for k, v in installed if k != "enabled_plugins"]
        assert others == [(k, v) for k, v in _pairs(original.decode("utf-8")) if k != "enabled_plugins"]
        within(20, uninstall, str(wan.root))
        assert PLUGIN_ID not in [v for k, v in _pairs(config.read_text(encoding="utf-8")) if k == "enabled_plugins"][-1]
        assert Path(str(config) + ".model-tracker.bak").read_bytes() == original


# --- the escaping helpers on any text --------------------------------------------------------------

LIGHT = settings(max_examples=300, deadline=timedelta(milliseconds=500))


@LIGHT
@given(st.text(ANY_CHAR) | hostile_text)
def test_code_spans_and_escaped_text_never_carry_html(text):
    assert raw_html(md_code(text)) == []
    assert raw_html(f"| {md_escape(text)} |") == []
    assert raw_html(md_escape(text)) == []


@LIGHT
@given(st.text(ANY_CHAR) | hostile_text)
def test_a_csv_cell_is_one_cell_and_never_a_formula(text):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([csv_cell(text), "next"])
    out.getvalue().encode("utf-8")
    (row,) = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(row) == 2 and row[1] == "next"
    assert not _formula(row[0])
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in row[0])


@LIGHT
@given(st.text(ANY_CHAR) | hostile_text)
def test_terminal_text_holds_no_control_characters(text):
    shown = terminal_text(text)
    shown.encode("utf-8")
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
