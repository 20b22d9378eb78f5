"""The catalog interface: model definitions plus the settings Wan2GP would resolve them under.

Three providers implement it: live (inside Wan2GP), offline (an install folder read from disk)
and demo (a small catalog shipped with the package).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..fileio import path_problem, read_json_file
from ..records import CatalogWarning, MemorySettings, ScanSettings, memory_settings_from_config
from .families import FamilyInfo, family_info

CONFIG_FILENAME = "wgp_config.json"
DEFAULT_CHECKPOINT_PATHS = ("ckpts", ".")
# The host's defaults when wgp_config.json lacks a key (HOST.md section 8).
CONFIG_DEFAULTS: dict[str, Any] = {
    "transformer_quantization": "int8",
    "transformer_dtype_policy": "",
    "text_encoder_quantization": "int8",
    "loras_root": "loras",
}


# How server_config stores memory profiles (3.5 for 3+, 4.5 for 4+; HOST.md section 8).
_PROFILE_VALUES = {"1": "1", "2": "2", "3": "3", "3.5": "3+", "4": "4", "4.5": "4+", "5": "5"}


def profile_from_config(value: object) -> str | None:
    """A server_config profile value (4, 3.5, "4.5") as a profile name; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(number):
        return None
    return _PROFILE_VALUES.get(f"{number:g}")


def host_profiles(server_config: object) -> dict[str, str]:
    """The profile Wan2GP uses per output type, from its config (``video_profile``/``image_profile`` fall back
    to ``profile``; ``audio_profile`` defaults to 3.5, HOST.md section 8); empty when the config says nothing."""
    if not isinstance(server_config, Mapping):
        return {}
    general = profile_from_config(server_config.get("profile"))
    found = {"video": profile_from_config(server_config.get("video_profile")) or general,
             "image": profile_from_config(server_config.get("image_profile")) or general,
             "audio": profile_from_config(server_config.get("audio_profile")) or ("3+" if general else None)}
    return {kind: profile for kind, profile in found.items() if profile}



@dataclass(frozen=True)
class BrokenDefinition:
    """A definition file that could not be read; it still shows up as a model with an error."""

    model_type: str
    path: str
    message: str


@dataclass(frozen=True)
class CatalogState:
    """Definitions and settings as of one load, plus the provider's per-model answers."""

    defs: Mapping[str, dict]
    settings: ScanSettings
    token: Hashable
    bf16_supported: bool = True
    warnings: tuple[CatalogWarning, ...] = ()
    broken: tuple[BrokenDefinition, ...] = ()
    model_notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lora_dir: Callable[[str], str | None] = field(default=lambda model_type: None)
    family: Callable[[str, dict], FamilyInfo] = field(
        default=lambda model_type, model_def: family_info(str(model_def.get("architecture", model_type)), model_def)
    )
    parent_model_type: Callable[[str, dict], str] = field(default=lambda model_type, model_def: "")
    # The family handler's query_model_files answer (raw download defs) per model; None: unknown here.
    handler_defs: Callable[[str, dict], Any] | None = None
    # The shared tools the first generation fetches, as raw download defs; None: unknown here.
    shared_defs: Any = None
    # The host's download_def_missing_files: relative paths it would fetch for the given defs.
    missing_assets: Callable[[list], Iterable[str]] | None = None
    # True for a model whose status may be too optimistic because run-time files could not be seen.
    runtime_files_unseen: Callable[[str, dict], bool] = field(default=lambda model_type, model_def: False)
    # The memory profile Wan2GP is set to per output type ("video", "image", "audio"), when known.
    memory_profiles: Mapping[str, str] = field(default_factory=dict)
    # Definitions Wan2GP would not offer (no handler for their architecture): the reason per model type.
    rejected: Mapping[str, str] = field(default_factory=dict)
    # The settings that change what a profile keeps where (preload, reserved RAM, VAE tiling).
    memory_settings: MemorySettings = field(default_factory=MemorySettings)


class CatalogProvider(Protocol):
    """Anything that can hand the analyzer a fresh CatalogState."""

    kind: str

    def load(self) -> CatalogState: ...


@dataclass(frozen=True)
class WanConfig:
    """The subset of wgp_config.json that decides which files a model needs."""

    checkpoint_paths: tuple[str, ...]
    transformer_quantization: str
    transformer_dtype_policy: str
    text_encoder_quantization: str
    loras_root: str
    enabled_plugins: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    memory_profiles: tuple[tuple[str, str], ...] = ()
    memory_settings: MemorySettings = field(default_factory=MemorySettings)


def clean_checkpoint_paths(paths: Any) -> tuple[str, ...]:
    """``fl.set_checkpoints_paths``: entries stripped, blanks dropped (an empty list stays empty)."""
    return checked_checkpoint_paths(paths)[0]


def checked_checkpoint_paths(paths: Any, origin: str = "checkpoints_paths") -> tuple[tuple[str, ...], list[str]]:
    """The checkpoint roots a value gives, and what was wrong with it.

    A plain string is one folder (iterating it would make a root of every letter); anything
    else that is not a list falls back to Wan2GP's default; entries that are not text or hold
    a NUL byte are dropped.
    """
    if isinstance(paths, str):
        cleaned = (paths.strip(),) if paths.strip() and not path_problem(paths) else ()
        return cleaned or DEFAULT_CHECKPOINT_PATHS, [
            f"{origin} is a string, not a list of folders; using {list(cleaned or DEFAULT_CHECKPOINT_PATHS)}"]
    if not isinstance(paths, (list, tuple)):
        return DEFAULT_CHECKPOINT_PATHS, [
            f"{origin} is {type(paths).__name__}, not a list of folders; using Wan2GP's default "
            f"{list(DEFAULT_CHECKPOINT_PATHS)}"]
    warnings = [f"{origin} entry {p!r} is ignored: " + (path_problem(p) if isinstance(p, str)
                                                           else "it is not a folder name")
                for p in paths if not isinstance(p, str) or path_problem(p)]
    return tuple(p.strip() for p in paths if isinstance(p, str) and not path_problem(p) and p.strip()), warnings


def config_from_dict(data: Mapping[str, Any], warnings: tuple[str, ...] = ()) -> WanConfig:
    notes = list(warnings)

    def text(key: str) -> str:
        value = data.get(key, CONFIG_DEFAULTS[key])
        if isinstance(value, str) and not path_problem(value):
            return value
        notes.append(f"{key} in {CONFIG_FILENAME} is not usable text; using {CONFIG_DEFAULTS[key]!r}")
        return CONFIG_DEFAULTS[key]

    plugins = data.get("enabled_plugins", [])
    roots, root_notes = checked_checkpoint_paths(data.get("checkpoints_paths", list(DEFAULT_CHECKPOINT_PATHS)))
    notes += root_notes
    return WanConfig(
        checkpoint_paths=roots,
        transformer_quantization=text("transformer_quantization"),
        transformer_dtype_policy=text("transformer_dtype_policy"),
        text_encoder_quantization=text("text_encoder_quantization"),
        loras_root=text("loras_root").strip() or CONFIG_DEFAULTS["loras_root"],
        enabled_plugins=tuple(p for p in plugins if isinstance(p, str)) if isinstance(plugins, list) else (),
        warnings=tuple(notes),
        memory_profiles=tuple(sorted(host_profiles(data).items())),
        memory_settings=memory_settings_from_config(data, windows=os.name == "nt"),
    )


def read_config(wan2gp_dir: str) -> WanConfig:
    """Read wgp_config.json the way Wan2GP does, falling back to its defaults key by key."""
    path = os.path.join(wan2gp_dir, CONFIG_FILENAME)
    try:
        data = read_json_file(path)
    except FileNotFoundError:
        return config_from_dict({})
    except (OSError, ValueError) as exc:
        return config_from_dict({}, (f"{CONFIG_FILENAME} could not be read ({exc}); using Wan2GP's defaults",))
    if not isinstance(data, dict):
        return config_from_dict({}, (f"{CONFIG_FILENAME} is not a JSON object; using Wan2GP's defaults",))
    return config_from_dict(data)


def absolute_roots(wan2gp_dir: str, paths: tuple[str, ...]) -> tuple[str, ...]:
    """Checkpoint roots made absolute against the Wan2GP folder, the host's working directory."""
    return tuple(os.path.normpath(os.path.join(wan2gp_dir, p)) for p in paths)
