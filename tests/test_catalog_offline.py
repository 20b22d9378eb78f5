"""Reading a Wan2GP install folder the way Wan2GP loads it: defaults, finetunes, config, snapshot."""

from __future__ import annotations

import json

import pytest
from wan2gp_fixture import url

from wan2gp_model_tracker.catalog.offline import NotAWan2GPFolder, OfflineCatalog
from wan2gp_model_tracker.catalog.snapshot import SNAPSHOT_FILENAME, build_snapshot, save_snapshot
from wan2gp_model_tracker.records import FileRole, ModelStatus


def test_a_folder_without_defaults_is_not_a_wan2gp_install(tmp_path):
    with pytest.raises(NotAWan2GPFolder, match="not a Wan2GP folder"):
        OfflineCatalog(str(tmp_path))


def test_a_finetune_with_a_new_id_adds_a_model(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    wan.finetune("my_t2v", {"model": {"name": "Mine", "architecture": "t2v", "URLs": "t2v"}})
    inventory = wan.scan()
    mine = inventory.get("my_t2v")
    assert mine.is_finetune and mine.name == "Mine"
    assert mine.files[0].filename == "t2v.safetensors"


def test_a_finetune_with_a_known_id_overrides_key_by_key(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")], description="original")
    wan.finetune("t2v", {"model": {"visible": False}})
    model = wan.scan().get("t2v")
    assert model.visible is False
    assert model.description == "original"
    assert model.is_finetune


def test_a_finetune_that_is_not_json_becomes_an_error_on_its_model(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    wan.finetune("broken", '{"model": {"name": "oops",')
    inventory = wan.scan()
    broken = inventory.get("broken")
    assert broken.status is ModelStatus.ERROR
    assert "not valid JSON" in broken.errors[0]
    assert inventory.get("t2v").errors == ()


@pytest.mark.parametrize("content", ['["a", "list"]', '{"no_model": 1}', '{"model": "t2v"}'])
def test_a_finetune_that_is_not_a_definition_object_is_an_error(wan, content):
    wan.finetune("odd", content)
    assert wan.scan().get("odd").errors


def test_a_broken_override_keeps_the_default_and_says_so(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")], name="Wan")
    wan.finetune("t2v", "{not json")
    model = wan.scan().get("t2v")
    assert model.name == "Wan" and model.errors == ()
    assert any("keeps the earlier definition" in w for w in model.warnings)


def test_config_defaults_apply_when_the_file_is_absent(wan):
    settings = wan.scan().settings
    assert settings.checkpoint_roots == (str(wan.root / "ckpts"), str(wan.root))
    assert (settings.transformer_quantization, settings.text_encoder_quantization) == ("int8", "int8")
    assert settings.transformer_dtype_policy == ""


def test_a_broken_config_falls_back_to_defaults_with_a_warning(wan):
    (wan.root / "wgp_config.json").write_text("{oops")
    inventory = wan.scan()
    assert inventory.settings.transformer_quantization == "int8"
    assert any("wgp_config.json could not be read" in w.message for w in inventory.warnings)


def test_absolute_checkpoint_roots_are_kept(wan, tmp_path):
    elsewhere = tmp_path / "big_disk"
    wan.config(checkpoints_paths=[str(elsewhere), "  ", "ckpts"])
    assert wan.scan().settings.checkpoint_roots == (str(elsewhere), str(wan.root / "ckpts"))


def test_an_empty_root_list_is_reported(wan):
    wan.config(checkpoints_paths=[])
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    inventory = wan.scan()
    assert any("no checkpoint folder" in w.message for w in inventory.warnings)


def test_changed_definitions_are_seen_by_the_next_scan(wan):
    wan.default("t2v", URLs=[url("a.safetensors")])
    analyzer = wan.analyzer()
    assert analyzer.scan().get("t2v").files[0].filename == "a.safetensors"
    path = wan.default("t2v", URLs=[url("b.safetensors")])
    st = path.stat()
    import os

    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert analyzer.scan().get("t2v").files[0].filename == "b.safetensors"


def test_model_plugins_contribute_their_defaults_when_enabled(wan):
    plugin = wan.root / "plugins" / "my_models"
    (plugin / "defs").mkdir(parents=True)
    (plugin / "plugin_info.json").write_text(json.dumps({"name": "x", "defaults": "defs",
                                                         "model_handlers": ["my_models.handler"]}))
    (plugin / "defs" / "extra.json").write_text(json.dumps({"model": {"name": "Extra", "architecture": "x",
                                                                      "URLs": [url("x.safetensors")]}}))
    assert wan.scan().get("extra") is None
    wan.config(enabled_plugins=["my_models"])
    extra = wan.scan().get("extra")
    # The plugin's own handler supports "x": not an error, but what that handler adds is unknown offline.
    assert extra.name == "Extra" and extra.status is ModelStatus.MISSING


def test_a_plugin_without_model_handlers_contributes_no_definitions(wan):
    plugin = wan.root / "plugins" / "my_models"
    (plugin / "defs").mkdir(parents=True)
    (plugin / "plugin_info.json").write_text(json.dumps({"name": "x", "defaults": "defs"}))
    (plugin / "defs" / "extra.json").write_text(json.dumps({"model": {"name": "Extra", "architecture": "t2v",
                                                                      "URLs": [url("x.safetensors")]}}))
    wan.config(enabled_plugins=["my_models"])
    assert wan.scan().get("extra") is None


def test_offline_scans_say_that_handler_assets_are_unknown_without_a_snapshot(wan):
    inventory = wan.scan()
    assert any("No snapshot from the tab" in w.message for w in inventory.warnings)


def test_a_saved_snapshot_fills_in_what_the_handlers_add(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    live_def = {"name": "t2v", "architecture": "t2v", "URLs": [url("t2v.safetensors")],
                "text_encoder_URLs": [url("umt5-xxl/umt5_int8.safetensors")], "text_encoder_folder": "umt5-xxl",
                "settings": {"not": "saved"}}
    folder = wan.root / "plugins" / "wan2gp-model-tracker"
    folder.mkdir(parents=True)
    save_snapshot(str(folder), build_snapshot({"t2v": live_def}, {"t2v": "loras/wan"},
                                              {"t2v": ("wan", "Wan2.1", "video")}, {"t2v": "t2v"}, "12.60"))
    saved = json.loads((folder / SNAPSHOT_FILENAME).read_text())
    assert "settings" not in saved["models"]["t2v"]
    inventory = wan.scan()
    roles = [f.role for f in inventory.get("t2v").files]
    assert roles == [FileRole.TRANSFORMER, FileRole.TEXT_ENCODER]
    assert "snapshot" in inventory.settings.source_detail
    assert not any("No snapshot from the tab" in w.message for w in inventory.warnings)


def test_json_values_win_over_the_snapshot(wan):
    wan.default("t2v", URLs=[url("new.safetensors")])
    folder = wan.root / "plugins" / "tracker"
    folder.mkdir(parents=True)
    save_snapshot(str(folder), build_snapshot({"t2v": {"URLs": [url("old.safetensors")]}}, {}, {}, {}, ""))
    assert wan.scan().get("t2v").files[0].filename == "new.safetensors"


def test_the_snapshot_supplies_lora_redirects_made_by_handlers(wan):
    wan.default("ltx", architecture="ltx2_19B", URLs=[url("ltx.safetensors")], preload_URLs=[url("sys.safetensors")])
    folder = wan.root / "plugins" / "tracker"
    folder.mkdir(parents=True)
    save_snapshot(str(folder), build_snapshot(
        {"ltx": {"preload_URLs": [url("sys.safetensors") + "|%lora_dir"]}}, {"ltx": "loras/ltx2"}, {}, {}, ""))
    preload = [f for f in wan.scan().get("ltx").files if f.role is FileRole.PRELOAD][0]
    assert preload.path == str(wan.root / "loras" / "ltx2" / "sys.safetensors")


def test_an_unreadable_snapshot_is_ignored(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    folder = wan.root / "plugins" / "tracker"
    folder.mkdir(parents=True)
    (folder / SNAPSHOT_FILENAME).write_text("garbage")
    assert wan.scan().get("t2v").files[0].filename == "t2v.safetensors"
