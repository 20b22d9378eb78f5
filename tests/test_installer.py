"""``install`` / ``uninstall``: the plugin folder and Wan2GP's enabled_plugins, nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wan2gp_model_tracker.catalog.snapshot import SNAPSHOT_FILENAME
from wan2gp_model_tracker.cli import main
from wan2gp_model_tracker.installer import (
    CONFIG_BACKUP_SUFFIX,
    PLUGIN_ID,
    ROOT_PLUGIN_PY,
    ROOT_REQUIREMENTS,
    InstallError,
    install,
    plan_install,
    plan_uninstall,
    uninstall,
)

REPO = Path(__file__).resolve().parents[1]
HOST_CONFIG = {"transformer_quantization": "int8", "enabled_plugins": ["motion_designer"], "profile": 4,
               "last_model_type": "t2v", "checkpoints_paths": ["ckpts", "."]}


@pytest.fixture
def configured(wan):
    (wan.root / "wgp_config.json").write_text(json.dumps(HOST_CONFIG, indent=4))
    return wan


def config_of(wan) -> dict:
    return json.loads((wan.root / "wgp_config.json").read_text())


def test_install_copies_the_plugin_and_enables_it(configured):
    install(str(configured.root))
    folder = configured.root / "plugins" / PLUGIN_ID
    assert (folder / "plugin.py").read_text() == ROOT_PLUGIN_PY
    assert (folder / "wan2gp_model_tracker" / "model_analyzer.py").is_file()
    assert json.loads((folder / "plugin_info.json").read_text())["name"] == "Model Tracker"
    assert config_of(configured)["enabled_plugins"] == ["motion_designer", PLUGIN_ID]


def test_install_changes_only_enabled_plugins_and_keeps_a_backup(configured):
    original = (configured.root / "wgp_config.json").read_text()
    install(str(configured.root))
    after = config_of(configured)
    assert {k: v for k, v in after.items() if k != "enabled_plugins"} == {
        k: v for k, v in HOST_CONFIG.items() if k != "enabled_plugins"}
    assert list(after) == list(HOST_CONFIG)
    assert (configured.root / ("wgp_config.json" + CONFIG_BACKUP_SUFFIX)).read_text() == original


def test_installing_twice_does_not_touch_the_config_again(configured):
    install(str(configured.root))
    config = configured.root / "wgp_config.json"
    stamp = config.stat().st_mtime_ns
    install(str(configured.root))
    assert config.stat().st_mtime_ns == stamp
    assert config_of(configured)["enabled_plugins"].count(PLUGIN_ID) == 1


def test_reinstalling_keeps_the_saved_snapshot(configured):
    install(str(configured.root))
    snapshot = configured.root / "plugins" / PLUGIN_ID / SNAPSHOT_FILENAME
    snapshot.write_text('{"format": 1, "models": {}}')
    install(str(configured.root))
    assert snapshot.read_text() == '{"format": 1, "models": {}}'


def test_install_without_a_config_creates_one_that_only_enables_the_plugin(wan):
    install(str(wan.root))
    assert config_of(wan) == {"enabled_plugins": [PLUGIN_ID]}


def test_install_refuses_a_foreign_folder_of_the_same_name(configured):
    foreign = configured.root / "plugins" / PLUGIN_ID
    foreign.mkdir(parents=True)
    (foreign / "plugin_info.json").write_text('{"name": "Someone else"}')
    with pytest.raises(InstallError, match="not this plugin"):
        install(str(configured.root))
    assert config_of(configured) == HOST_CONFIG


def test_install_refuses_an_unreadable_config_without_changing_anything(wan):
    (wan.root / "wgp_config.json").write_text("{broken")
    with pytest.raises(InstallError, match="cannot be read"):
        install(str(wan.root))
    assert not (wan.root / "plugins").exists()
    assert (wan.root / "wgp_config.json").read_text() == "{broken"


def test_uninstall_reverses_install(configured):
    install(str(configured.root))
    uninstall(str(configured.root))
    assert not (configured.root / "plugins" / PLUGIN_ID).exists()
    assert config_of(configured) == HOST_CONFIG


def test_uninstall_plan_names_what_it_deletes_and_how_big(configured):
    install(str(configured.root))
    plan = plan_uninstall(str(configured.root))
    assert plan.steps[0].path == str(configured.root / "plugins" / PLUGIN_ID)
    assert plan.steps[0].size_bytes > 10_000


def test_dry_run_changes_nothing(configured, capsys):
    assert main(["install", "--wan2gp", str(configured.root), "--dry-run"]) == 0
    assert "Would install" in capsys.readouterr().out
    assert not (configured.root / "plugins").exists() and config_of(configured) == HOST_CONFIG


def test_install_into_a_folder_that_is_not_wan2gp_exits_2(tmp_path, capsys):
    assert main(["install", "--wan2gp", str(tmp_path)]) == 2
    assert "not a Wan2GP folder" in capsys.readouterr().err


def test_the_repository_root_is_the_same_thin_entry_install_writes():
    assert (REPO / "plugin.py").read_text() == ROOT_PLUGIN_PY
    assert (REPO / "requirements.txt").read_text() == ROOT_REQUIREMENTS
    assert (REPO / "plugin_info.json").read_text() == (REPO / "wan2gp_model_tracker" / "plugin_info.json").read_text()


def test_plugin_info_fills_every_field_wan2gp_reads():
    info = json.loads((REPO / "plugin_info.json").read_text())
    for key in ("name", "version", "description", "author", "date", "wan2gp_version", "type"):
        assert info[key], key
    assert info["uninstallable"] is True


def test_requirements_never_name_what_wan2gp_pins():
    names = [line.split("=")[0].split(">")[0].split("<")[0].strip().lower()
             for line in ROOT_REQUIREMENTS.splitlines() if line and not line.startswith("#")]
    assert names and not set(names) & {"gradio", "pydantic", "numpy", "torch", "transformers", "diffusers", "pandas"}
    assert all(name.isidentifier() or "-" in name for name in names)


def test_plugin_info_names_a_github_repository_for_wan2gps_update_check():
    url = json.loads((REPO / "plugin_info.json").read_text())["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url


def test_an_installed_copy_says_how_to_update_it(wan):
    plan = plan_install(str(wan.root))
    assert any("not a git clone" in note and "install command again" in note for note in plan.notes)
