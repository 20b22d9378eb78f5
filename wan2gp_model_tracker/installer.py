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
from .catalog.snapshot import SNAPSHOT_FILENAME
from .config_text import ConfigEditError, set_plugin_enabled
from .fileio import read_json_file, replace_text

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
ROOT_REQUIREMENTS = """# Wan2GP already provides gradio, pandas, pydantic, huggingface_hub, mutagen and Pillow.
# These are listed without versions so that installing never upgrades anything Wan2GP
# pins; Send2Trash is the only one it lacks.
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


class InstallError(Exception):
    """Install or uninstall refused, with a one-line reason; nothing was changed."""


@dataclass(frozen=True)
class _ConfigEdit:
    """The config change an install or uninstall makes: the file's real path and its new text."""

    path: str
    target: str
    new_text: str
    existed: bool


def _config_edit(wan2gp_dir: str, enable: bool) -> _ConfigEdit | None:
    """The edit of ``enabled_plugins``, fully worked out before anything is written (None: nothing to change)."""
    path = os.path.join(wan2gp_dir, CONFIG_FILENAME)
    target = os.path.realpath(path)
    try:
        read_json_file(target)  # the same checks every reader applies (nesting, encoding)
        with open(target, encoding="utf-8", newline="") as fh:  # a BOM, if any, is kept
            text = fh.read()
    except FileNotFoundError:
        if not enable:
            return None
        text = json.dumps({"enabled_plugins": [PLUGIN_ID]}, indent=4)
        return _ConfigEdit(path, target, text, existed=False)
    except (OSError, ValueError) as exc:
        raise InstallError(f"{path} cannot be read ({exc}); fix or remove it first, nothing was changed") from exc
    try:
        new_text = set_plugin_enabled(text, PLUGIN_ID, enable)
    except ConfigEditError as exc:
        raise InstallError(f"{path} cannot be edited safely: {exc}; edit enabled_plugins by hand, "
                           "nothing was changed") from exc
    return None if new_text is None else _ConfigEdit(path, target, new_text, existed=True)


def _writable_folder(folder: str) -> bool:
    """Whether files can be created in ``folder`` (or in the nearest existing parent that would hold it)."""
    while not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder or os.path.lexists(folder):
            return False
        folder = parent
    return os.access(folder, os.W_OK | os.X_OK)


def _check_writable(edit: _ConfigEdit | None, plugins: str | None) -> None:
    """Every precondition of the writes to come, checked before the first one."""
    if plugins is not None and not _writable_folder(plugins):
        raise InstallError(f"{plugins} is not writable; nothing was changed")
    if edit is None:
        return
    if not _writable_folder(os.path.dirname(edit.target)):
        raise InstallError(f"the folder of {edit.target} is not writable; nothing was changed")
    if edit.existed and not os.access(edit.target, os.W_OK):
        raise InstallError(f"{edit.target} is read-only; nothing was changed")


def backup_path(config_path: str) -> str:
    """The first free backup name: ``<config>.model-tracker.bak``, then ``.model-tracker.2.bak``, ..."""
    base = config_path[: -len(CONFIG_BACKUP_SUFFIX)] if config_path.endswith(CONFIG_BACKUP_SUFFIX) else config_path
    candidate, number = base + CONFIG_BACKUP_SUFFIX, 1
    while os.path.lexists(candidate):
        number += 1
        candidate = f"{base}.model-tracker.{number}.bak"
    return candidate


def _back_up(target: str) -> str:
    """Copy the config beside itself under a new name (never over an earlier backup), same mode and owner."""
    while True:
        backup = backup_path(target)
        try:
            out = open(backup, "xb")  # noqa: SIM115  # exclusive: a backup appearing meanwhile is kept
        except FileExistsError:
            continue
        with out, open(target, "rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        shutil.copystat(target, backup)
        st = os.stat(target)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            with contextlib.suppress(OSError):
                os.chown(backup, st.st_uid, st.st_gid)
        return backup


def _apply(edit: _ConfigEdit | None) -> None:
    if edit is None:
        return
    if edit.existed:
        _back_up(edit.target)
    replace_text(edit.target, edit.new_text)


def _check_folder(wan2gp_dir: str) -> str:
    wan2gp_dir = os.path.abspath(wan2gp_dir)
    if not is_wan2gp_folder(wan2gp_dir):
        raise NotAWan2GPFolder(f"{wan2gp_dir} is not a Wan2GP folder (no defaults/ beside wgp.py)")
    return wan2gp_dir


def _is_ours(folder: str) -> bool:
    try:
        info = read_json_file(os.path.join(folder, "plugin_info.json"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and info.get("name") == plugin_info()["name"]


def _config_steps(edit: _ConfigEdit | None, verb: str) -> list[Step]:
    if edit is None:
        return []
    steps = [Step("back up config", backup_path(edit.target))] if edit.existed else []
    return steps + [Step(f"{verb} {PLUGIN_ID!r} {'to' if verb == 'add' else 'from'} enabled_plugins", edit.path)]


def plan_install(wan2gp_dir: str) -> Plan:
    wan2gp_dir = _check_folder(wan2gp_dir)
    target = os.path.join(wan2gp_dir, "plugins", PLUGIN_ID)
    if os.path.exists(target) and not _is_ours(target):
        raise InstallError(f"{target} exists and is not this plugin; nothing was changed")
    edit = _config_edit(wan2gp_dir, enable=True)
    _check_writable(edit, os.path.join(wan2gp_dir, "plugins"))
    package = str(resources.files(PACKAGE))
    steps = [Step("replace plugin files" if os.path.exists(target) else "copy plugin files", target,
                  _folder_size(package))]
    notes = ("restart Wan2GP to load the Model Tracker tab",
             "this is a copy, not a git clone: Wan2GP's Update button cannot update it; to update, get the new "
             "version and run this install command again (the snapshot is kept)")
    return Plan(tuple(steps + _config_steps(edit, "add")), notes)


def install(wan2gp_dir: str) -> Plan:
    """Copy the plugin into ``plugins/`` and enable it; running it twice changes nothing more."""
    plan = plan_install(wan2gp_dir)  # refuses, having written nothing, when any step could not be done
    wan2gp_dir = _check_folder(wan2gp_dir)
    edit = _config_edit(wan2gp_dir, enable=True)
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
    _apply(edit)
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
    edit = _config_edit(wan2gp_dir, enable=False)
    _check_writable(edit, os.path.join(wan2gp_dir, "plugins") if steps else None)
    steps += _config_steps(edit, "remove")
    return Plan(tuple(steps), ("restart Wan2GP to drop the tab",) if steps else ())


def uninstall(wan2gp_dir: str) -> Plan:
    plan = plan_uninstall(wan2gp_dir)
    wan2gp_dir = _check_folder(wan2gp_dir)
    _apply(_config_edit(wan2gp_dir, enable=False))
    shutil.rmtree(os.path.join(wan2gp_dir, "plugins", PLUGIN_ID), ignore_errors=True)
    return plan


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
