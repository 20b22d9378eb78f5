"""A copy of the host's enriched definitions (file slots only), saved by the tab for offline use.

Inside Wan2GP the family handlers add text encoders, VAE choices, LoRA folders and more to each
definition. The offline command line cannot run those handlers, so the plugin saves what they
produced; offline scans then lay it under the JSON files, which stay authoritative.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from ..fileio import path_problem, read_json_file, write_json_atomic
from .base import CatalogState
from .download_defs import DownloadDefError, asset_entries, entries_as_defs
from .families import FAMILY_LABELS, FamilyInfo, family_info
from .resolution import LORA_DIR_TOKEN

SNAPSHOT_FILENAME = "model_tracker_snapshot.json"
SNAPSHOT_FORMAT = 1
# What the snapshot's family entries may say about a model's output; anything else is ignored.
OUTPUT_TYPES = ("video", "image", "audio")
# The definition keys that decide which files a model needs, plus what the table displays.
SLOT_KEYS = (
    "name", "architecture", "description", "group", "visible", "path",
    "URLs", "URLs2", "modules", "preload_URLs", "text_encoder_URLs", "text_encoder_folder", "VAE_URLs", "loras",
    "dtype", "image_outputs", "audio_only", "returns_audio", "source", "source2", "module_source", "module_source2",
    "parent_model_type",
)


@dataclass(frozen=True)
class Snapshot:
    path: str
    token: tuple[str, int]
    saved_at: str
    wan2gp_version: str
    models: Mapping[str, dict]
    lora_dirs: Mapping[str, str]
    families: Mapping[str, tuple[str, str, str]]
    parents: Mapping[str, str]
    # Each model's handler assets (query_model_files) as download defs; absent: not saved for that model.
    handler_files: Mapping[str, list] = field(default_factory=dict)
    # The shared tools' download defs; None in a snapshot saved before they were recorded.
    shared_files: list | None = None


def slot_view(model_def: Mapping[str, Any]) -> dict:
    """The part of a definition worth saving: JSON-safe file slots and identity keys."""
    return {k: model_def[k] for k in SLOT_KEYS if k in model_def and _json_safe(model_def[k])}


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def build_snapshot(
    models: Mapping[str, Mapping[str, Any]],
    lora_dirs: Mapping[str, str],
    families: Mapping[str, tuple[str, str, str]],
    parents: Mapping[str, str],
    wan2gp_version: str,
    handler_files: Mapping[str, list] | None = None,
    shared_files: list | None = None,
) -> dict:
    data = {
        "format": SNAPSHOT_FORMAT,
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wan2gp_version": wan2gp_version,
        "models": {model_type: slot_view(d) for model_type, d in models.items()},
        "lora_dirs": dict(lora_dirs),
        "families": {k: list(v) for k, v in families.items()},
        "parents": dict(parents),
    }
    if handler_files is not None:
        data["handler_files"] = dict(handler_files)
    if shared_files is not None:
        data["shared_files"] = list(shared_files)
    return data


def save_snapshot(folder: str, data: dict) -> str:
    path = os.path.join(folder, SNAPSHOT_FILENAME)
    write_json_atomic(path, data, ensure_ascii=True)  # lone surrogates in a name stay encodable as \\ud800
    return path


def load_snapshot(path: str) -> Snapshot | None:
    """The snapshot at ``path``, or None when it is missing, unreadable or of another format."""
    try:
        st = os.stat(path)
        data = read_json_file(path)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT or not isinstance(data.get("models"), dict):
        return None
    models = {k: v for k, v in data["models"].items() if isinstance(k, str) and isinstance(v, dict)}
    families = {
        k: (v[0], v[1], v[2] if v[2] in OUTPUT_TYPES else "")
        for k, v in _str_keyed(data.get("families")).items()
        if isinstance(v, list) and len(v) == 3 and all(isinstance(part, str) for part in v)
    }
    return Snapshot(
        path=path,
        token=(path, st.st_mtime_ns),
        saved_at=str(data.get("saved_at", "an unknown date")),
        wan2gp_version=str(data.get("wan2gp_version", "")),
        models=models,
        lora_dirs={k: v for k, v in _str_keyed(data.get("lora_dirs")).items()
                   if isinstance(v, str) and not path_problem(v)},
        families=families,
        parents={k: v for k, v in _str_keyed(data.get("parents")).items() if isinstance(v, str)},
        handler_files={k: v for k, v in _str_keyed(data.get("handler_files")).items() if _valid_defs(v)},
        shared_files=data["shared_files"] if _valid_defs(data.get("shared_files")) else None,
    )


def _str_keyed(value: Any) -> dict[str, Any]:
    """A snapshot section as a dict, or empty when a hand-edited file holds something else."""
    return value if isinstance(value, dict) else {}


def _valid_defs(value: Any) -> bool:
    """Download defs the scan can use; anything else in a (possibly edited) snapshot is dropped."""
    if not isinstance(value, list):
        return False
    try:
        asset_entries(value)
    except DownloadDefError:
        return False
    return True


def find_snapshot(wan2gp_dir: str) -> Snapshot | None:
    """The newest snapshot saved by any installed copy of the plugin."""
    plugins = os.path.join(wan2gp_dir, "plugins")
    newest: tuple[int, str] | None = None
    try:
        with os.scandir(plugins) as it:
            for entry in it:
                candidate = os.path.join(entry.path, SNAPSHOT_FILENAME)
                try:
                    mtime = os.stat(candidate).st_mtime_ns
                except OSError:
                    continue
                if newest is None or mtime > newest[0]:
                    newest = (mtime, candidate)
    except OSError:
        return None
    snap = load_snapshot(newest[1]) if newest else None
    if snap is None:
        return None
    lora_dirs = {k: v if os.path.isabs(v) else os.path.join(wan2gp_dir, v) for k, v in snap.lora_dirs.items()}
    return replace(snap, lora_dirs=lora_dirs)


def _strip_lora_token(entries: Any) -> Any:
    if not isinstance(entries, list):
        return entries
    suffix = "|" + LORA_DIR_TOKEN
    return [e[: -len(suffix)] if isinstance(e, str) and e.endswith(suffix) else e for e in entries]


def apply_snapshot(defs: dict[str, dict], snap: Snapshot) -> int:
    """Add the handler-made keys of the snapshot to the JSON definitions; JSON values win.

    ``preload_URLs`` is the one key handlers rewrite rather than add (LTX-2 redirects its system
    LoRAs to the LoRA folder): the snapshot's value is taken when it is the JSON's, rewritten.
    """
    applied = 0
    for model_type, model_def in defs.items():
        saved = snap.models.get(model_type)
        if saved is None:
            continue
        merged = dict(saved)
        merged.update(model_def)
        if "preload_URLs" in saved and _strip_lora_token(saved["preload_URLs"]) == model_def.get("preload_URLs"):
            merged["preload_URLs"] = saved["preload_URLs"]
        defs[model_type] = merged
        applied += 1
    return applied


def family_resolver(snap: Snapshot) -> Callable[[str, dict], FamilyInfo]:
    def resolve(model_type: str, model_def: dict) -> FamilyInfo:
        guess = family_info(str(model_def.get("architecture", model_type)), model_def)
        saved = snap.families.get(model_type)
        if saved is None:
            return guess
        family, label, output = saved
        label = label or FAMILY_LABELS.get(family, (family, ""))[0]
        return FamilyInfo(family=family, label=label, output_type=output or guess.output_type,
                          lora_folder=guess.lora_folder)

    return resolve


def snapshot_from_state(state: CatalogState, wan2gp_version: str) -> dict:
    """The snapshot of a live catalog: enriched slots, LoRA folders, families and parents per model."""
    lora_dirs = {}
    families = {}
    parents = {}
    handler_files = {}
    for model_type, model_def in state.defs.items():
        if state.handler_defs is not None:
            try:
                defs = state.handler_defs(model_type, dict(model_def))
                if defs is not None:
                    handler_files[model_type] = entries_as_defs(asset_entries(defs))
            except Exception:  # a failing handler: offline scans then say they do not know its files
                pass
        info = state.family(model_type, dict(model_def))
        families[model_type] = (info.family, info.label, info.output_type)
        parents[model_type] = state.parent_model_type(model_type, dict(model_def))
        if _needs_lora_dir(model_def):
            try:
                folder = state.lora_dir(model_type)
            except Exception:  # the host raises for unknown families; the offline guess then applies
                folder = None
            if folder:
                lora_dirs[model_type] = _relative_if_inside(str(folder), state.settings.wan2gp_dir)
    try:
        shared = entries_as_defs(asset_entries(state.shared_defs)) if state.shared_defs is not None else None
    except Exception:  # malformed host answer: the snapshot goes without it
        shared = None
    return build_snapshot(state.defs, lora_dirs, families, parents, wan2gp_version,
                          handler_files if state.handler_defs is not None else None, shared)


def _needs_lora_dir(model_def: Mapping[str, Any]) -> bool:
    if model_def.get("loras"):
        return True
    preload = model_def.get("preload_URLs")
    return isinstance(preload, list) and any(isinstance(e, str) and e.endswith(LORA_DIR_TOKEN) for e in preload)


def _relative_if_inside(path: str, base: str) -> str:
    """Paths under the Wan2GP folder are saved relative to it, so the snapshot survives a move."""
    absolute = os.path.abspath(path)
    try:
        inside = os.path.commonpath([absolute, os.path.abspath(base)]) == os.path.abspath(base)
    except ValueError:  # another drive on Windows
        return absolute
    return os.path.relpath(absolute, base) if inside else absolute
