"""Install and uninstall leave wgp_config.json exactly as it was, except the ``enabled_plugins`` value."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hostile import tree

from wan2gp_model_tracker import installer
from wan2gp_model_tracker.installer import CONFIG_BACKUP_SUFFIX, PLUGIN_ID, InstallError, install, uninstall

# As Wan2GP writes it: json.dump(indent=4), ASCII escapes.
WAN2GP_CONFIG = json.dumps({"transformer_quantization": "int8", "enabled_plugins": ["motion_designer"],
                            "profile": 4, "checkpoints_paths": ["ckpts", "."]}, indent=4)


@pytest.fixture
def config(wan) -> Path:
    path = wan.root / "wgp_config.json"
    path.write_text(WAN2GP_CONFIG)
    return path


def test_install_keeps_the_config_mode(wan, config):
    config.chmod(0o664)
    install(str(wan.root))
    assert stat.S_IMODE(config.stat().st_mode) == 0o664


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing owners needs root")
def test_install_run_as_root_keeps_the_config_owner(wan, config):
    os.chown(config, 4321, 4321)
    install(str(wan.root))
    assert (config.stat().st_uid, config.stat().st_gid) == (4321, 4321)
    backup = Path(str(config) + CONFIG_BACKUP_SUFFIX)
    assert (backup.stat().st_uid, backup.stat().st_gid) == (4321, 4321)


def test_install_writes_through_a_symlinked_config_to_its_target(wan):
    real = wan.root / "settings" / "real_config.json"
    real.parent.mkdir()
    real.write_text(WAN2GP_CONFIG)
    (wan.root / "wgp_config.json").symlink_to(real)
    install(str(wan.root))
    assert (wan.root / "wgp_config.json").is_symlink()
    assert PLUGIN_ID in json.loads(real.read_text())["enabled_plugins"]


def test_an_existing_backup_is_never_overwritten(wan, config):
    first = Path(str(config) + CONFIG_BACKUP_SUFFIX)
    first.write_text("the user's own backup")
    install(str(wan.root))
    uninstall(str(wan.root))
    assert first.read_text() == "the user's own backup"
    numbered = sorted(p.name for p in wan.root.glob("wgp_config.json.model-tracker.*.bak"))
    assert numbered == ["wgp_config.json.model-tracker.2.bak", "wgp_config.json.model-tracker.3.bak"]
    assert (wan.root / numbered[0]).read_text() == WAN2GP_CONFIG


def test_install_then_uninstall_gives_back_the_original_file(wan, config):
    original = config.read_bytes()
    install(str(wan.root))
    assert PLUGIN_ID in json.loads(config.read_text())["enabled_plugins"]
    uninstall(str(wan.root))
    assert config.read_bytes() == original
    assert Path(str(config) + CONFIG_BACKUP_SUFFIX).read_bytes() == original


def test_duplicate_keys_number_spellings_and_non_ascii_text_survive(wan, config):
    text = ('{\n    "profile": 4.0,\n    "ratio": 1e3,\n    "dup": 1,\n    "dup": 2,\n'
            '    "name": "caf\\u00e9 é ✓",\n    "enabled_plugins": ["a"],\n    "z": -0.0\n}\n')
    config.write_text(text, encoding="utf-8")
    install(str(wan.root))
    assert config.read_text(encoding="utf-8") == text.replace('["a"]', f'["a", "{PLUGIN_ID}"]')


def test_a_config_without_enabled_plugins_gains_only_that_key(wan, config):
    config.write_text('{\n    "ratio": 1e3,\n    "last": "é"\n}', encoding="utf-8")
    install(str(wan.root))
    assert config.read_text(encoding="utf-8") == (
        '{\n    "ratio": 1e3,\n    "last": "é",\n    "enabled_plugins": [\n' f'        "{PLUGIN_ID}"\n    ]\n}}')


def test_the_last_of_duplicate_enabled_plugins_keys_is_the_one_edited(wan, config):
    config.write_text('{"enabled_plugins": ["old"], "enabled_plugins": ["b"]}')
    install(str(wan.root))
    assert config.read_text() == f'{{"enabled_plugins": ["old"], "enabled_plugins": ["b", "{PLUGIN_ID}"]}}'


def test_enabled_plugins_that_is_not_a_list_is_refused_before_anything_is_written(wan, config):
    config.write_text('{"enabled_plugins": "motion_designer"}')
    before = tree(wan.root)
    with pytest.raises(InstallError, match="enabled_plugins is a str"):
        install(str(wan.root))
    assert tree(wan.root) == before


def test_a_config_that_cannot_be_written_is_refused_before_the_plugin_is_copied(wan, config, monkeypatch):
    # Running as root, permissions cannot be taken away for real; the folder is reported read-only instead.
    root = os.path.realpath(wan.root)
    real_access = os.access
    monkeypatch.setattr(installer.os, "access", lambda path, mode: False if os.path.realpath(path) == root
                        else real_access(path, mode))
    (wan.root / "plugins").mkdir()
    before = tree(wan.root)
    with pytest.raises(InstallError, match="not writable"):
        install(str(wan.root))
    assert tree(wan.root) == before


def test_a_plugins_folder_that_cannot_be_written_is_refused_before_the_config_is_touched(wan, config, monkeypatch):
    plugins = wan.root / "plugins"
    plugins.mkdir()
    real_access = os.access
    monkeypatch.setattr(installer.os, "access", lambda path, mode: False if Path(path) == plugins
                        else real_access(path, mode))
    before = tree(wan.root)
    with pytest.raises(InstallError, match="not writable"):
        install(str(wan.root))
    assert tree(wan.root) == before


def test_windows_line_endings_and_a_byte_order_mark_survive(wan, config):
    config.write_bytes(b'\xef\xbb\xbf{\r\n    "profile": 4,\r\n    "enabled_plugins": []\r\n}\r\n')
    install(str(wan.root))
    assert config.read_bytes() == (b'\xef\xbb\xbf{\r\n    "profile": 4,\r\n    "enabled_plugins": ["'
                                   + PLUGIN_ID.encode() + b'"]\r\n}\r\n')
