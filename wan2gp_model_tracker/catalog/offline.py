"""The catalog of a Wan2GP install folder, read from disk without importing Wan2GP."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..fileio import JSONFileError, path_problem, read_json_file
from ..records import CatalogWarning, ScanSettings
from . import snapshot as snapshot_mod
from .base import (
    CONFIG_FILENAME,
    BrokenDefinition,
    CatalogState,
    WanConfig,
    absolute_roots,
    read_config,
)
from .definition_checks import BOM_ERROR, definition_warnings, rejection, starts_with_bom
from .download_defs import core_shared_fallback, entries_as_defs
from .families import family_info
from .handler_files import handler_keys, rewritten_preload, unseen_text_encoder


class NotAWan2GPFolder(Exception):
    """The folder given is not a Wan2GP install."""


@dataclass(frozen=True)
class _ParsedFile:
    model: dict | None
    settings: dict
    error: str | None


def is_wan2gp_folder(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "defaults")) and (
        os.path.isfile(os.path.join(path, "wgp.py")) or os.path.isfile(os.path.join(path, CONFIG_FILENAME))
        or os.path.isdir(os.path.join(path, "finetunes"))
    )


def _parse_definition_file(path: str) -> _ParsedFile:
    try:
        data = read_json_file(path)
        if starts_with_bom(path):  # read_json_file forgives the mark; Wan2GP does not (definition_checks)
            return _ParsedFile(None, {}, BOM_ERROR)
    except JSONFileError as exc:
        return _ParsedFile(None, {}, str(exc))
    except OSError as exc:
        return _ParsedFile(None, {}, f"cannot be read: {exc.strerror or exc}")
    if not isinstance(data, dict):
        return _ParsedFile(None, {}, f"holds a JSON {type(data).__name__}, not an object")
    model = data.get("model")
    if not isinstance(model, dict):
        return _ParsedFile(None, {}, 'has no "model" object')
    settings = {k: v for k, v in data.items() if k != "model"}
    return _ParsedFile(model, settings, None)


class OfflineCatalog:
    """Definitions from ``defaults/``, enabled model plugins and ``finetunes/``, merged as Wan2GP does."""

    kind = "offline"

    def __init__(self, wan2gp_dir: str, bf16_supported: bool | None = None, use_snapshot: bool = True,
                 use_handler_table: bool = True) -> None:
        self.wan2gp_dir = os.path.abspath(wan2gp_dir)
        if not is_wan2gp_folder(self.wan2gp_dir):
            raise NotAWan2GPFolder(
                f"{wan2gp_dir} is not a Wan2GP folder (expected a defaults/ folder beside wgp.py or {CONFIG_FILENAME})"
            )
        self._bf16_supported = bf16_supported
        self._use_snapshot = use_snapshot
        self._use_handler_table = use_handler_table
        self._parsed: dict[tuple[str, int, int], _ParsedFile] = {}
        self._state: CatalogState | None = None

    def _definition_files(self, config: WanConfig, warnings: list[CatalogWarning]) -> list[tuple[str, int, int]]:
        folders = [os.path.join(self.wan2gp_dir, "defaults"), os.path.join(self.wan2gp_dir, "finetunes")]
        folders += _plugin_default_folders(self.wan2gp_dir, config.enabled_plugins, warnings)
        files: list[tuple[str, int, int]] = []
        for folder in folders:
            try:
                with os.scandir(folder) as it:
                    for entry in it:
                        if not entry.name.endswith(".json"):
                            continue
                        try:
                            st = entry.stat()
                        except OSError as exc:
                            warnings.append(CatalogWarning(f"cannot read {entry.path}: {exc.strerror}", entry.path))
                            continue
                        if entry.is_file():
                            files.append((entry.path, st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                continue
            except OSError as exc:
                warnings.append(CatalogWarning(f"cannot read folder {folder}: {exc.strerror or exc}", folder))
        # Wan2GP sorts the full paths as strings: plugin folders, then defaults/, then finetunes/.
        files.sort(key=lambda item: item[0])
        return files

    def load(self) -> CatalogState:
        warnings: list[CatalogWarning] = []
        config = read_config(self.wan2gp_dir)
        warnings += [CatalogWarning(w, CONFIG_FILENAME) for w in config.warnings]
        files = self._definition_files(config, warnings)
        snap = snapshot_mod.find_snapshot(self.wan2gp_dir) if self._use_snapshot else None
        token = (tuple(files), config, snap.token if snap else None, self._bf16())
        if self._state is not None and self._state.token == token:
            return self._state

        parsed = {key: self._parsed.get(key) or _parse_definition_file(key[0]) for key in files}
        self._parsed = parsed
        defs: dict[str, dict] = {}
        broken: dict[str, BrokenDefinition] = {}
        notes: dict[str, tuple[str, ...]] = {}
        for (path, _, _), result in parsed.items():
            model_type = os.path.splitext(os.path.basename(path))[0]
            rel = os.path.relpath(path, self.wan2gp_dir)
            if result.error is not None:
                if model_type in defs:
                    notes[model_type] = notes.get(model_type, ()) + (
                        f"{rel} {result.error}; Wan2GP skips it and keeps the earlier definition",)
                else:
                    # HOST.md 4.2: a broken finetune is skipped, a broken default stops Wan2GP's start-up.
                    stop = "; Wan2GP does not start while a file in defaults/ is broken" if rel.startswith(
                        "defaults" + os.sep) else ""
                    broken[model_type] = BrokenDefinition(model_type, rel, f"{rel} {result.error}{stop}")
                continue
            model = dict(result.model or {})
            model["path"] = rel
            # The host keeps the file's other keys (its default settings) under "settings"; an
            # override's settings merge into the earlier ones (HOST.md 4.2).
            model["settings"] = dict(result.settings)
            if model_type in defs:
                merged = dict(defs[model_type])
                merged.update(model)
                earlier = defs[model_type].get("settings")
                merged["settings"] = {**(earlier if isinstance(earlier, dict) else {}), **result.settings}
                defs[model_type] = merged
            else:
                defs[model_type] = model
                broken.pop(model_type, None)

        settings_note = ""
        lora_dirs: dict[str, str] = {}
        snapped = snap.models if snap is not None else {}
        plugin_handlers = bool(config.enabled_plugins) and _plugins_bring_handlers(self.wan2gp_dir,
                                                                                   config.enabled_plugins)
        rejected: dict[str, str] = {}
        for model_type, model_def in defs.items():
            notes[model_type] = notes.get(model_type, ()) + definition_warnings(model_def)
            reason = rejection(model_type, model_def, other_handlers=plugin_handlers)
            if reason:
                rejected[model_type] = reason
            elif model_type not in snapped and self._use_handler_table:
                defs[model_type] = _with_handler_keys(model_def)
        if snap is not None:
            applied = snapshot_mod.apply_snapshot(defs, snap)
            lora_dirs = snap.lora_dirs
            settings_note = f"; runtime details from the tab's snapshot of {snap.saved_at} ({applied} models)"
            if not snap.handler_files:
                warnings.append(CatalogWarning(
                    "The tab's snapshot has no family handler file lists (VAEs, tokenizers, configs), so whether "
                    "a model is complete is unknown. Open the Model Tracker tab inside Wan2GP again to record them.",
                    "offline"))
        else:
            warnings.append(CatalogWarning(
                "No snapshot from the tab: text encoders come from the tracker's table of Wan2GP's family handlers; "
                "VAEs, tokenizers and configs the handlers fetch are not checked. Open the Model Tracker tab inside "
                "Wan2GP once to save a snapshot that fills them in.", "offline"))

        loras_base = os.path.join(self.wan2gp_dir, config.loras_root)

        def lora_dir(model_type: str) -> str | None:
            if model_type in lora_dirs:
                return lora_dirs[model_type]
            model_def = defs.get(model_type, {})
            architecture = str(model_def.get("architecture", model_type))
            return os.path.join(loras_base, family_info(architecture, model_def).lora_folder)

        settings = ScanSettings(
            source="offline",
            source_detail=f"Wan2GP folder {self.wan2gp_dir}{settings_note}",
            wan2gp_dir=self.wan2gp_dir,
            checkpoint_roots=absolute_roots(self.wan2gp_dir, config.checkpoint_paths),
            transformer_quantization=config.transformer_quantization,
            transformer_dtype_policy=config.transformer_dtype_policy,
            text_encoder_quantization=config.text_encoder_quantization,
            loras_root=loras_base,
            compute_dtype="bf16" if self._bf16() else "fp16",
        )
        family = snapshot_mod.family_resolver(snap) if snap is not None else None
        extra: dict[str, Any] = {"family": family} if family else {}
        if snap is not None:
            extra["parent_model_type"] = lambda model_type, model_def: snap.parents.get(model_type, "")
            # A snapshot older than the handler lists knows none of them; a model missing from it is unknown.
            extra["handler_defs"] = lambda model_type, model_def: snap.handler_files.get(model_type)

        def runtime_files_unseen(model_type: str, model_def: dict) -> bool:
            return model_type not in snapped and (
                unseen_text_encoder(str(model_def.get("architecture", model_type)), model_def)
                or bool(plugin_handlers and rejection(model_type, model_def)))

        shared = snap.shared_files if snap is not None and snap.shared_files is not None else None
        self._state = CatalogState(
            defs=defs,
            settings=settings,
            token=token,
            bf16_supported=self._bf16(),
            warnings=tuple(warnings),
            broken=tuple(broken.values()),
            model_notes=notes,
            lora_dir=lora_dir,
            shared_defs=shared if shared is not None else entries_as_defs(core_shared_fallback()),
            runtime_files_unseen=runtime_files_unseen,
            memory_profiles=dict(config.memory_profiles),
            rejected=rejected,
            memory_settings=config.memory_settings,
            **extra,
        )
        return self._state

    def _bf16(self) -> bool:
        if self._bf16_supported is None:
            from ..machine.hardware import bf16_supported

            self._bf16_supported = bf16_supported()
        return self._bf16_supported


def _plugin_default_folders(wan2gp_dir: str, enabled: tuple[str, ...], warnings: list[CatalogWarning]) -> list[str]:
    """Model definitions that enabled plugins contribute through plugin_info.json's ``defaults``; Wan2GP reads them
    only from plugins that declare ``model_handlers`` (shared/utils/plugins.py:671-683 in Wan2GP 8681e9f)."""
    folders = []
    for plugin_id in enabled:
        info_path = os.path.join(wan2gp_dir, "plugins", plugin_id, "plugin_info.json")
        try:
            info = read_json_file(info_path)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            warnings.append(CatalogWarning(f"plugin {plugin_id}: plugin_info.json unreadable ({exc})", info_path))
            continue
        if not isinstance(info, dict) or not info.get("model_handlers"):
            continue
        defaults = info.get("defaults")
        for folder in defaults if isinstance(defaults, list) else [defaults] if isinstance(defaults, str) else []:
            if isinstance(folder, str) and folder and not path_problem(folder):
                folders.append(os.path.abspath(os.path.join(wan2gp_dir, "plugins", plugin_id, folder)))
    return folders


def _with_handler_keys(model_def: dict) -> dict:
    """The definition as its family handler would enrich it: the handler's file keys under the JSON's, and
    LTX-2's rewrite of system LoRAs in ``preload_URLs`` (handler_files)."""
    architecture = str(model_def.get("architecture"))
    added = handler_keys(architecture, model_def)
    merged = {**added, **model_def} if added else model_def
    if "preload_URLs" in merged:
        preload = rewritten_preload(architecture, merged["preload_URLs"])
        if preload is not merged["preload_URLs"]:
            merged = {**merged, "preload_URLs": preload}
    return merged


def _plugins_bring_handlers(wan2gp_dir: str, enabled: tuple[str, ...]) -> bool:
    """Whether an enabled plugin declares model handlers of its own (``model_handlers`` in plugin_info.json), so that
    architectures beyond Wan2GP's built-in handlers may be supported."""
    for plugin_id in enabled:
        try:
            info = read_json_file(os.path.join(wan2gp_dir, "plugins", plugin_id, "plugin_info.json"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("model_handlers"):
            return True
    return False
