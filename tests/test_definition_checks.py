"""Definitions Wan2GP refuses or hides are errors with the reason; odd ones that still load carry a warning."""

from __future__ import annotations

import codecs
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wan2gp_fixture import WanFolder, url

from wan2gp_model_tracker.catalog.definition_checks import definition_warnings, rejection
from wan2gp_model_tracker.catalog.live import HostGlobals, LiveCatalog
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.records import ModelStatus
from wan2gp_model_tracker.render.formatting import status_cell


def raw_default(wan: WanFolder, model_type: str, model: dict) -> Path:
    path = wan.root / "defaults" / f"{model_type}.json"
    path.write_text(json.dumps({"model": model}))
    return path


@pytest.mark.parametrize(("model", "reason"), [
    ({}, "has no architecture"),
    ({"architecture": None}, "has architecture None"),
    ({"architecture": ""}, "has architecture ''"),
    ({"architecture": "no_such_architecture"}, "no Wan2GP family handler supports architecture 'no_such_architecture'"),
    ({"architecture": 5}, "no Wan2GP family handler supports architecture '5'"),
    ({"architecture": ["t2v"]}, "architecture is a list"),
], ids=["missing", "null", "empty", "unknown", "number", "list"])
def test_a_definition_no_handler_can_load_is_an_error_with_the_reason(wan, model, reason):
    raw_default(wan, "mine", {"name": "Mine", "URLs": [url("mine.safetensors")], **model})
    record = wan.scan().get("mine")
    assert record.status is ModelStatus.ERROR
    assert reason in record.status_reason and record.status_reason in record.errors
    assert record.name == "Mine" and record.files == ()
    assert status_cell(record).startswith("🟥")


def test_without_an_architecture_wan2gp_falls_back_to_the_id_when_a_handler_knows_it(wan):
    raw_default(wan, "t2v", {"name": "T2V", "URLs": [url("t2v.safetensors")]})
    assert wan.scan().get("t2v").status is ModelStatus.MISSING


def test_an_architecture_an_enabled_model_plugin_may_bring_is_not_an_error_but_flagged(wan):
    plugin = wan.root / "plugins" / "extra"
    plugin.mkdir(parents=True)
    (plugin / "plugin_info.json").write_text(json.dumps({"model_handlers": ["extra.handler"]}))
    wan.config(enabled_plugins=["extra"])
    raw_default(wan, "mine", {"name": "Mine", "architecture": "plugin_arch", "URLs": [url("mine.safetensors")]})
    wan.weight("ckpts/mine.safetensors")
    record = wan.scan().get("mine")
    assert record.status is ModelStatus.DOWNLOADED and record.completeness_note


def bom_file(path: Path, content: dict) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(codecs.BOM_UTF8 + json.dumps(content).encode())


def test_a_new_finetune_with_a_byte_order_mark_is_refused_like_wan2gp_does(wan):
    bom_file(wan.root / "finetunes" / "tuned.json", {"model": {"name": "Tuned", "architecture": "t2v",
                                                                "URLs": [url("t.safetensors")]}})
    record = wan.scan().get("tuned")
    assert record.status is ModelStatus.ERROR and "byte-order mark" in record.errors[0]


def test_a_finetune_with_a_byte_order_mark_over_a_default_keeps_the_default_with_a_note(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    bom_file(wan.root / "finetunes" / "t2v.json", {"model": {"URLs": [url("other.safetensors")]}})
    record = wan.scan().get("t2v")
    assert record.status is ModelStatus.MISSING and record.files[0].filename == "t2v.safetensors"
    assert any("byte-order mark" in w and "keeps the earlier definition" in w for w in record.warnings)


def test_a_default_with_a_byte_order_mark_is_an_error_that_stops_wan2gp(wan):
    bom_file(wan.root / "defaults" / "t2v.json", {"model": {"name": "T2V", "architecture": "t2v", "URLs": []}})
    record = wan.scan().get("t2v")
    assert record.status is ModelStatus.ERROR
    assert "byte-order mark" in record.errors[0] and "does not start" in record.errors[0]


@pytest.mark.parametrize(("model", "warning"), [
    ({"URLs": []}, '"URLs": [] names no weights'),
    ({"URLs": ["|ckpts"]}, "URLs entry '|ckpts' has nothing before its '|'"),
    ({"URLs": [url("a.safetensors")], "preload_URLs": ["  |sub"]}, "preload_URLs entry '  |sub' has nothing"),
    ({"URLs": [url("a.safetensors")], "modules": [["|x"]]}, "modules entry '|x' has nothing"),
    ({"URLs": [url("a.safetensors")], "name": "bell\x07"}, "cannot be shown"),
    ({"URLs": [url("a.safetensors")], "name": "half \ud800 pair"}, "cannot be shown"),
], ids=["empty-urls", "bare-pipe", "blank-base", "module", "control", "lone-surrogate"])
def test_a_definition_that_loads_but_looks_wrong_carries_a_warning(wan, model, warning):
    wan.default("m", **model)
    record = wan.scan().get("m")
    assert record.status is not ModelStatus.ERROR or "'|" in warning  # a bare '|' entry also fails to resolve
    assert any(warning in w for w in record.warnings), record.warnings


def test_a_sound_definition_has_no_such_warning(wan):
    wan.default("t2v", URLs=[url("a.safetensors")], preload_URLs=[url("b.safetensors") + "|sub"], name="Wan 2.1 ✓")
    assert not wan.scan().get("t2v").warnings


def test_inside_wan2gp_a_definition_without_a_handler_is_an_error(wgp):
    wgp.models_def["ghost"] = {"name": "Ghost", "architecture": "gone", "URLs": [url("g.safetensors")],
                               "visible": False}
    wgp.model_types_handlers = {"t2v": object()}
    inventory = ModelAnalyzer(LiveCatalog(HostGlobals({}))).scan()
    assert inventory.get("ghost").status is ModelStatus.ERROR
    assert "'gone'" in inventory.get("ghost").status_reason
    assert inventory.get("t2v").status is not ModelStatus.ERROR


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
definitions = st.fixed_dictionaries({}, optional={
    "architecture": json_values | st.sampled_from(["t2v", "flux", "ltx2_19B", "hidream_o1"]),
    "name": json_values, "URLs": json_values | st.lists(st.sampled_from(["|x", url("a.safetensors"), ""])),
    "preload_URLs": json_values, "modules": json_values, "text_encoder_URLs": json_values})


@settings(max_examples=150, deadline=None)
@given(definitions)
def test_any_definition_gets_a_verdict_and_the_checks_never_raise(model):
    assert isinstance(rejection("m", model), str)
    assert all(isinstance(w, str) for w in definition_warnings(model))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions)
def test_any_definition_file_is_scanned_to_a_record_that_agrees_with_the_check(model):
    with tempfile.TemporaryDirectory() as folder:
        wan = WanFolder(Path(folder))
        raw_default(wan, "m", model)
        record = wan.scan().get("m")
    assert record is not None
    if rejection("m", model):
        assert record.status is ModelStatus.ERROR and rejection("m", model) in record.errors
