"""Install the plugin into a Wan2GP folder and enable it, or take it out again.

Every change is a plan first (what, where, how many bytes), then an action. The config file is
backed up before it is rewritten, written atomically, and only ``enabled_plugins`` changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from importlib import resources

from .catalog.base import CONFIG_FILENAME
from .catalog.offline import NotAWan2GPFolder, is_wan2gp_folder
from .fileio import write_json_atomic
from .catalog.snapshot import SNAPSHOT_FILENAME

PLUGIN_ID = "wan2gp-model-tracker"
PACKAGE = "wan2gp_model_tracker"
CONFIG_BACKUP_SUFFIX = ".model-tracker.bak"

# The thin entry Wan2GP's Plugin Manager imports as ``<folder>.plugin``: it only re-exports the
# plugin class, so exactly one WAN2GPPlugin subclass is visible at the root.
ROOT_PLUGIN_PY = '''"""Wan2GP entry point: Wan2GP imports ``<this folder>.plugin`` and instantiates the class below."""

from .wan2gp_model_tracker.plugin import ModelTrackerPlugin

__all__ = ["ModelTrackerPlugin"]
'''
# Wan2GP installs this into its own environment: nothing it pins (gradio, pydantic, ...) is named.
ROOT_REQUIREMENTS = """# Wan2GP already provides gradio, pandas, pydantic, huggingface_hub, mutagen and Pillow. These are listed
# without versions so that installing never upgrades anything Wan2GP pins; Send2Trash is the only one it lacks.
psutil
nvidia-ml-py
Send2Trash
"""


def plugin_info() -> dict:
    return json.loads(resources.files(PACKAGE).joinpath("plugin_info.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Step:
    action: str
    path: str
    size_bytes: int = 0

    def describe(self) -> str:
        size = f" ({self.size_bytes / 1e6:.1f} MB)" if self.size_bytes else ""
        return f"{self.action}: {self.path}{size}"


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        lines = [f"- {s.describe()}" for s in self.steps] or ["- nothing to do"]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


def _folder_size(path: str) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(folder, name))
    return total


def _read_config(wan2gp_dir: str) -> tuple[dict | None, str]:
    path = os.path.join(wan2gp_dir, CONFIG_FILENAME)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None, path
    except (OSError, ValueError) as exc:
        raise InstallError(f"{path} cannot be read ({exc}); fix or remove it first, nothing was changed") from exc
    if not isinstance(data, dict):
        raise InstallError(f"{path} is not a JSON object; nothing was changed")
    return data, path


class InstallError(Exception):
    """Install or uninstall refused, with a one-line reason; nothing was changed."""


def _check_folder(wan2gp_dir: str) -> str:
    wan2gp_dir = os.path.abspath(wan2gp_dir)
    if not is_wan2gp_folder(wan2gp_dir):
        raise NotAWan2GPFolder(f"{wan2gp_dir} is not a Wan2GP folder (no defaults/ beside wgp.py)")
    return wan2gp_dir


def _is_ours(folder: str) -> bool:
    try:
        with open(os.path.join(folder, "plugin_info.json"), encoding="utf-8") as fh:
            return json.load(fh).get("name") == plugin_info()["name"]
    except (OSError, ValueError, AttributeError):
        return False


def plan_install(wan2gp_dir: str) -> Plan:
    wan2gp_dir = _check_folder(wan2gp_dir)
    target = os.path.join(wan2gp_dir, "plugins", PLUGIN_ID)
    if os.path.exists(target) and not _is_ours(target):
        raise InstallError(f"{target} exists and is not this plugin; nothing was changed")
    package = str(resources.files(PACKAGE))
    steps = [Step("replace plugin files" if os.path.exists(target) else "copy plugin files", target,
                  _folder_size(package))]
    config, config_path = _read_config(wan2gp_dir)
    enabled = (config or {}).get("enabled_plugins", [])
    if not isinstance(enabled, list) or PLUGIN_ID not in enabled:
        if config is not None:
            steps.append(Step("back up config", config_path + CONFIG_BACKUP_SUFFIX))
        steps.append(Step(f"add {PLUGIN_ID!r} to enabled_plugins", config_path))
    return Plan(tuple(steps), ("restart Wan2GP to load the Model Tracker tab",
                               "this is a copy, not a git clone: Wan2GP's Update button cannot update it; to update, "
                               "get the new version and run this install command again (the snapshot is kept)"))


def install(wan2gp_dir: str) -> Plan:
    """Copy the plugin into ``plugins/`` and enable it; running it twice changes nothing more."""
    plan = plan_install(wan2gp_dir)
    wan2gp_dir = _check_folder(wan2gp_dir)
    plugins = os.path.join(wan2gp_dir, "plugins")
    target = os.path.join(plugins, PLUGIN_ID)
    staging = target + ".new"
    old = target + ".bak"
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    os.makedirs(staging)
    shutil.copytree(str(resources.files(PACKAGE)), os.path.join(staging, PACKAGE),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _write_text(os.path.join(staging, "plugin.py"), ROOT_PLUGIN_PY)
    _write_text(os.path.join(staging, "requirements.txt"), ROOT_REQUIREMENTS)
    _write_text(os.path.join(staging, "__init__.py"), "")
    shutil.copy2(os.path.join(staging, PACKAGE, "plugin_info.json"), os.path.join(staging, "plugin_info.json"))
    if os.path.exists(target):
        snapshot = os.path.join(target, SNAPSHOT_FILENAME)
        if os.path.exists(snapshot):
            shutil.copy2(snapshot, os.path.join(staging, SNAPSHOT_FILENAME))
        os.replace(target, old)  # ".bak" folders are never loaded by Wan2GP
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    _set_enabled(wan2gp_dir, enable=True)
    return plan


def plan_uninstall(wan2gp_dir: str) -> Plan:
    wan2gp_dir = _check_folder(wan2gp_dir)
    target = os.path.join(wan2gp_dir, "plugins", PLUGIN_ID)
    steps = []
    if os.path.exists(target):
        if not _is_ours(target):
            raise InstallError(f"{target} is not this plugin; nothing was changed")
        steps.append(Step("delete plugin folder (code and its saved snapshot, no model files)", target,
                          _folder_size(target)))
    config, config_path = _read_config(wan2gp_dir)
    enabled = (config or {}).get("enabled_plugins", [])
    if isinstance(enabled, list) and PLUGIN_ID in enabled:
        steps += [Step("back up config", config_path + CONFIG_BACKUP_SUFFIX),
                  Step(f"remove {PLUGIN_ID!r} from enabled_plugins", config_path)]
    return Plan(tuple(steps), ("restart Wan2GP to drop the tab",) if steps else ())


def uninstall(wan2gp_dir: str) -> Plan:
    plan = plan_uninstall(wan2gp_dir)
    wan2gp_dir = _check_folder(wan2gp_dir)
    _set_enabled(wan2gp_dir, enable=False)
    shutil.rmtree(os.path.join(wan2gp_dir, "plugins", PLUGIN_ID), ignore_errors=True)
    return plan


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _set_enabled(wan2gp_dir: str, enable: bool) -> None:
    config, path = _read_config(wan2gp_dir)
    if config is None:
        if enable:
            write_json_atomic(path, {"enabled_plugins": [PLUGIN_ID]})
        return
    enabled = config.get("enabled_plugins", [])
    enabled = list(enabled) if isinstance(enabled, list) else []
    if (PLUGIN_ID in enabled) == enable:
        return
    shutil.copy2(path, path + CONFIG_BACKUP_SUFFIX)
    config["enabled_plugins"] = enabled + [PLUGIN_ID] if enable else [p for p in enabled if p != PLUGIN_ID]
    # Same layout as Wan2GP's own saves, so the diff is the one changed key.
    write_json_atomic(path, config, indent=4, ensure_ascii=True)
