"""The live catalog: definitions and settings read from a running Wan2GP's globals."""

from __future__ import annotations

import os
import sys
import time

import pytest
from wan2gp_fixture import LIVE_T2V, fake_fl, url

from wan2gp_model_tracker.catalog.live import HostGlobals, LiveCatalog
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.records import FileRole, ModelStatus


@pytest.fixture
def host_dir(wan, monkeypatch):
    """Wan2GP runs with its own folder as the working directory."""
    monkeypatch.chdir(wan.root)
    return wan


def test_runtime_text_encoders_are_checked(host_dir, wgp):
    host_dir.weight("ckpts/t2v_quanto_mbf16_int8.safetensors")
    inventory = ModelAnalyzer(LiveCatalog(HostGlobals({}))).scan()
    model = inventory.get("t2v")
    assert [f.role for f in model.files] == [FileRole.TRANSFORMER, FileRole.TEXT_ENCODER]
    assert model.status is ModelStatus.PARTIAL
    assert inventory.settings.source == "live"


def test_a_refreshed_model_list_is_seen_without_reinjection(host_dir, wgp):
    injected = {"models_def": wgp.models_def}
    analyzer = ModelAnalyzer(LiveCatalog(HostGlobals(injected)))
    assert [m.model_type for m in analyzer.scan().models] == ["t2v"]
    # Wan2GP's refresh_model_defs() rebinds the global; the injected copy goes stale.
    wgp.models_def = {**wgp.models_def, "mine": {"name": "Mine", "architecture": "t2v", "URLs": "t2v"}}
    assert [m.model_type for m in analyzer.scan().models] == ["mine", "t2v"]


def test_a_rescan_inside_wan2gp_keeps_unchanged_records_and_sees_a_rewritten_file(host_dir, wgp):
    weight = host_dir.weight("ckpts/t2v_quanto_mbf16_int8.safetensors", size=1000)
    an_hour_ago = time.time() - 3600
    for folder in [host_dir.root, *(p for p in host_dir.root.rglob("*") if p.is_dir())]:
        os.utime(folder, (an_hour_ago, an_hour_ago))  # settled folders: their listings are reused
    analyzer = ModelAnalyzer(LiveCatalog(HostGlobals({})))
    first = analyzer.scan().get("t2v")
    assert analyzer.scan().get("t2v") is first
    host_dir.weight("ckpts/t2v_quanto_mbf16_int8.safetensors", size=5000)
    os.utime(weight.parent, (an_hour_ago, an_hour_ago))
    assert analyzer.scan().get("t2v").files[0].size_bytes == 5000


def test_a_saved_configuration_changes_the_expected_files(host_dir, wgp):
    analyzer = ModelAnalyzer(LiveCatalog(HostGlobals({})))
    assert analyzer.scan().get("t2v").files[0].filename == "t2v_quanto_mbf16_int8.safetensors"
    wgp.server_config = {"transformer_quantization": "bf16"}
    assert analyzer.scan().get("t2v").files[0].filename == "t2v_mbf16.safetensors"


def test_the_locators_live_roots_are_used(host_dir, wgp):
    wgp.fl = fake_fl(["/elsewhere", "big_disk"])
    host_dir.weight("big_disk/t2v_quanto_mbf16_int8.safetensors")
    inventory = ModelAnalyzer(LiveCatalog(HostGlobals({}))).scan()
    assert inventory.settings.checkpoint_roots == ("/elsewhere", str(host_dir.root / "big_disk"))
    assert inventory.get("t2v").files[0].present


def test_the_hosts_lora_folder_and_family_are_used(host_dir, wgp):
    wgp.models_def["alpha"] = {"name": "Alpha", "architecture": "alpha", "URLs": "t2v",
                               "loras": [url("dora.safetensors")], "group": "wan"}
    wgp.get_lora_dir = lambda model_type: "custom_loras/wan"
    wgp.get_model_family = lambda model_type, for_ui=False: "wan"
    wgp.families_infos = {"wan": (0, "Wan2.1")}
    wgp.get_parent_model_type = lambda model_type: "t2v"
    model = ModelAnalyzer(LiveCatalog(HostGlobals({}))).scan().get("alpha")
    lora = [f for f in model.files if f.role is FileRole.LORA][0]
    assert lora.path == str(host_dir.root / "custom_loras" / "wan" / "dora.safetensors")
    assert (model.family, model.parent_model_type) == ("Wan2.1", "t2v")


def test_a_host_function_that_raises_becomes_an_error_on_the_model(host_dir, wgp):
    wgp.models_def["alpha"] = {"name": "Alpha", "architecture": "alpha", "URLs": "t2v",
                               "loras": [url("dora.safetensors")]}

    def get_lora_dir(model_type):
        raise Exception("loras unknown")

    wgp.get_lora_dir = get_lora_dir
    inventory = ModelAnalyzer(LiveCatalog(HostGlobals({}))).scan()
    assert any("loras unknown" in e for e in inventory.get("alpha").errors)
    assert inventory.get("t2v").errors == ()


def test_an_older_host_without_the_globals_degrades_with_a_message(host_dir, monkeypatch):
    monkeypatch.delitem(sys.modules, "wgp", raising=False)
    inventory = ModelAnalyzer(LiveCatalog(HostGlobals(object()))).scan()
    assert inventory.models == ()
    assert any("does not provide models_def, fl" in w.message for w in inventory.warnings)


def test_injected_globals_are_used_when_the_host_module_is_absent(host_dir, monkeypatch):
    monkeypatch.delitem(sys.modules, "wgp", raising=False)
    host_dir.weight("ckpts/t2v_quanto_mbf16_int8.safetensors")
    host_dir.weight("ckpts/umt5-xxl/umt5_quanto_int8.safetensors")
    analyzer = ModelAnalyzer.from_host({"t2v": LIVE_T2V}, fake_fl(["ckpts"]), server_config={},
                                       text_encoder_quantization="int8", bfloat16_supported=True)
    assert analyzer.scan().get("t2v").status is ModelStatus.DOWNLOADED
