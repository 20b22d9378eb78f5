"""The plugin inside a stand-in Wan2GP host, loaded from a hyphenated folder as the Plugin Manager does."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest
from standin_host import StandInHost, accepts_api, open_tab
from wan2gp_fixture import LIVE_T2V, WanFolder, url

from wan2gp_model_tracker.catalog.offline import OfflineCatalog
from wan2gp_model_tracker.catalog.snapshot import SNAPSHOT_FILENAME
from wan2gp_model_tracker.installer import PLUGIN_ID, install
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.records import FileRole

REPO = Path(__file__).resolve().parents[1]


def clone_repository(plugins: Path, folder: str = PLUGIN_ID) -> Path:
    """What ``git clone`` of this repository into plugins/<repo-name> leaves (the tracked files that matter)."""
    target = plugins / folder
    target.mkdir(parents=True)
    for name in ("plugin.py", "plugin_info.json", "requirements.txt"):
        shutil.copy(REPO / name, target / name)
    shutil.copytree(REPO / "wan2gp_model_tracker", target / "wan2gp_model_tracker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (target / "__init__.py").write_text("")  # the Plugin Manager creates it after cloning
    return target


@pytest.fixture
def host(wan: WanFolder, monkeypatch):
    monkeypatch.chdir(wan.root)  # Wan2GP runs from its own folder
    clone_repository(wan.root / "plugins")
    stand_in = StandInHost(wan.root / "plugins", monkeypatch)
    yield stand_in
    stand_in.close()


def loaded(host: StandInHost, wgp_module=None):
    plugin = host.load(PLUGIN_ID)
    host.inject_globals(plugin, vars(wgp_module) if wgp_module else {})
    demo, tabs = host.build_ui(plugin)
    return plugin, demo, tabs


def test_the_host_finds_exactly_one_plugin_class(host, wgp):
    plugin = host.load(PLUGIN_ID)
    assert [cls.__name__ for cls in host.visible_subclasses] == ["ModelTrackerPlugin"]
    assert (plugin.name, plugin.version) == ("Model Tracker", "0.1.0")


def test_one_tab_whose_constructor_takes_no_api_session(host, wgp):
    plugin = host.load(PLUGIN_ID)
    (tab,) = plugin.tabs.values()
    assert tab.label == "Model Tracker"
    assert not accepts_api(tab.component_constructor)
    loaded(host, wgp)
    assert host.sessions_passed == []


def test_the_globals_the_live_catalog_reads_are_requested(host, wgp):
    plugin = host.load(PLUGIN_ID)
    assert {"models_def", "fl", "server_config", "get_lora_dir", "text_encoder_quantization"} <= set(
        plugin.global_requests)


def test_selecting_the_tab_tells_that_session_to_rescan_with_its_own_model(host, wgp):
    plugin, _, _ = loaded(host, wgp)
    assert plugin.on_tab_outputs == [plugin.tab.opened]  # no shared output: each session renders its own filters
    first, again = plugin.on_tab_select({"model_type": "t2v"}), plugin.on_tab_select({"model_type": "t2v"})
    assert first != again  # a new value each time, so the change event always fires
    assert first.split("\n")[0] == "t2v"


def test_a_session_render_fills_every_output(host, wgp):
    plugin, _, _ = loaded(host, wgp)
    outputs = plugin.tab.render_for("t2v")
    assert len(outputs) == len(plugin.tab.outputs)
    summary, table = outputs[0], outputs[1]
    assert "1 models" in summary
    assert list(table["Model type"]) == ["t2v"]


def test_post_ui_setup_running_twice_changes_nothing(host, wgp):
    plugin, _, _ = loaded(host, wgp)
    assert plugin.post_ui_setup({}) == {} and len(plugin.tabs) == 1


def test_an_error_while_building_the_tab_is_shown_and_never_raised(host, wgp, monkeypatch):
    plugin = host.load(PLUGIN_ID)
    ui = importlib.import_module(f"{PLUGIN_ID}.wan2gp_model_tracker.ui.tab")

    def broken(controller):
        raise RuntimeError("boom")

    monkeypatch.setattr(ui, "build_tab", broken)
    host.inject_globals(plugin, vars(wgp))
    demo, _ = host.build_ui(plugin)  # must not raise: that would stop Wan2GP from starting
    assert plugin.on_tab_select({}) is None
    assert any("boom" in str(getattr(block, "value", "")) for block in demo.blocks.values())


def test_an_older_wan2gp_without_the_globals_degrades_and_says_so(host, monkeypatch):
    monkeypatch.delitem(sys.modules, "wgp", raising=False)
    plugin, _, _ = loaded(host)
    summary = plugin.tab.render_for("")[0]
    assert "does not provide models_def, fl" in summary


def test_the_model_open_in_wan2gp_is_highlighted(host, wgp):
    wgp.models_def["t2v_1.3B"] = {"name": "Small", "architecture": "t2v_1.3B", "URLs": [url("small.safetensors")]}
    plugin, _, _ = loaded(host, wgp)
    opened = plugin.on_tab_select({"model_type": "t2v_1.3B"})
    table = plugin.tab.render_for(opened.split("\n")[0])[1]
    names = dict(zip(table["Model type"], table["Name"], strict=True))
    assert names["t2v_1.3B"] == "▶ Small" and not names["t2v"].startswith("▶")
    assert not any(name.startswith("▶") for name in plugin.tab.render_for("")[1]["Name"])


def test_opening_the_tab_saves_a_snapshot_the_offline_command_line_uses(host, wgp, wan):
    wan.default("t2v", URLs=LIVE_T2V["URLs"])  # the JSON file does not know the text encoder
    plugin, _, _ = loaded(host, wgp)
    plugin.tab.refreshed({widget: widget.value for widget in plugin.tab.inputs})
    assert (wan.root / "plugins" / PLUGIN_ID / SNAPSHOT_FILENAME).is_file()
    offline = ModelAnalyzer(OfflineCatalog(str(wan.root), bf16_supported=True)).scan()
    assert [f.role for f in offline.get("t2v").files] == [FileRole.TRANSFORMER, FileRole.TEXT_ENCODER]
    assert "snapshot" in offline.settings.source_detail


def test_the_folder_written_by_install_loads_the_same_way(wan, wgp, monkeypatch):
    monkeypatch.chdir(wan.root)
    install(str(wan.root))
    host = StandInHost(wan.root / "plugins", monkeypatch)
    try:
        plugin, _, _ = loaded(host, wgp)
        assert plugin.name == "Model Tracker"
        assert list(plugin.tab.render_for("")[1]["Model type"]) == ["t2v"]
    finally:
        host.close()


class ZImageHandler:
    """Shaped like Wan2GP's z_image handler: its VAE and the text encoder folder's tokenizer files."""

    @staticmethod
    def query_model_files(computeList, base_model_type, model_def=None):
        return [{"repoId": "DeepBeepMeep/Z-Image", "sourceFolderList": ["", "Qwen3"],
                 "fileList": [["ZImageTurbo_VAE_bf16.safetensors"], ["tokenizer.json", "config.json"]]}]


def test_the_tab_shows_what_the_handler_would_still_fetch_for_a_downloaded_model(host, wgp, wan):
    wgp.models_def = {"z_image": {"name": "Z-Image Turbo", "architecture": "z_image",
                                  "URLs": [url("ZImageTurbo_bf16.safetensors")],
                                  "text_encoder_URLs": [url("Qwen3/qwen3_bf16.safetensors")],
                                  "text_encoder_folder": "Qwen3"}}
    wgp.text_encoder_quantization = "bf16"
    wgp.get_model_handler = lambda model_type: ZImageHandler
    for name in ("ckpts/ZImageTurbo_bf16.safetensors", "ckpts/Qwen3/qwen3_bf16.safetensors"):
        wan.weight(name)
    (wan.root / "ckpts" / "Qwen3" / "tokenizer.json").write_text("{}")
    plugin, _, _ = loaded(host, wgp)
    table = open_tab(plugin, {})[1]
    row = table[table["Model type"] == "z_image"]
    assert row["Status"].item() == "🟦 downloaded"  # Wan2GP's own mark, unchanged
    assert row["To download"].item() == "? (2 files)"
    from wan2gp_model_tracker.ui.details import detail_markdown

    details = detail_markdown(plugin._controller.data, "z_image", None)
    assert "✗ family asset: ZImageTurbo\\_VAE\\_bf16.safetensors" in details
    assert "✗ family asset: config.json" in details and "✓ family asset: tokenizer.json" in details
    assert "Before generating, Wan2GP would download 2 files of unknown size" in details
    assert "Not complete" in details
