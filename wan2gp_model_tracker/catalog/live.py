"""The catalog inside a running Wan2GP, read through the globals the host hands the plugin.

Injected globals are one-time copies: Wan2GP rebinds ``models_def`` after a refresh and
``server_config`` and the quantization settings after a configuration save. Wherever the host's
own module is importable (``sys.modules["wgp"]``), current values are read from it instead.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..fileio import path_problem
from ..records import CatalogWarning, ScanSettings, memory_settings_from_config
from .base import (
    CONFIG_DEFAULTS,
    DEFAULT_CHECKPOINT_PATHS,
    BrokenDefinition,
    CatalogState,
    absolute_roots,
    checked_checkpoint_paths,
    host_profiles,
)
from .definition_checks import definition_warnings, rejection
from .download_defs import core_shared_fallback, entries_as_defs
from .families import FAMILY_LABELS, FamilyInfo, family_info

# Globals the plugin asks Wan2GP for; every one is optional and missing ones degrade gracefully.
REQUESTED_GLOBALS = (
    "models_def", "get_model_def", "fl", "server_config", "server_config_filename",
    "transformer_quantization", "transformer_dtype_policy", "text_encoder_quantization",
    "get_lora_dir", "get_model_family", "families_infos", "get_parent_model_type", "get_base_model_type",
    "WanGP_version", "bfloat16_supported", "switch_to_model",
    "get_model_handler", "query_core_shared_model_files",
    # Asked before any cleanup: nothing is removed while Wan2GP is generating.
    "is_generation_in_progress",
)
_ESSENTIAL = ("models_def", "fl")


class HostGlobals:
    """Reads a host global: the live ``wgp`` module first, then what was injected into the plugin."""

    def __init__(self, injected: Any) -> None:
        self._injected = injected

    def get(self, name: str, default: Any = None) -> Any:
        """The global's value, or ``default`` when it is absent or reading it raises."""
        try:
            wgp = sys.modules.get("wgp")
            if wgp is not None and hasattr(wgp, name):
                return getattr(wgp, name)
            if isinstance(self._injected, Mapping):
                return self._injected.get(name, default)
            value = getattr(self._injected, name, default)
        except Exception:  # a host object that raises on access counts as absent
            return default
        return default if value is None else value

    def missing(self) -> list[str]:
        return [name for name in REQUESTED_GLOBALS if self.get(name) is None]


class LiveCatalog:
    """Definitions enriched by Wan2GP's family handlers, with the host's own answers per model."""

    kind = "live"

    def __init__(self, host: HostGlobals) -> None:
        self.host = host
        self._copies: dict[str, tuple[Any, dict]] = {}
        self._host_models_def: Any = None  # kept alive so its id cannot be reused by another object

    @classmethod
    def from_globals(cls, **host_globals: Any) -> LiveCatalog:
        return cls(HostGlobals(host_globals))

    def load(self) -> CatalogState:
        host = self.host
        warnings: list[CatalogWarning] = []
        missing = [name for name in _ESSENTIAL if host.get(name) is None]
        if missing:
            warnings.append(CatalogWarning(
                f"this Wan2GP does not provide {', '.join(missing)}; the tracker shows what it can", "host"))
        # The host's own dict identifies the catalog across refreshes; the copy is what gets read.
        self._host_models_def = host.get("models_def")
        models_def = _readable_mapping(self._host_models_def, "models_def", warnings)
        server_config = _readable_mapping(host.get("server_config"), "server_config", warnings)

        def setting(key: str) -> str:
            # The host reads server_config first and falls back to the global of the same name.
            value = server_config.get(key, host.get(key, CONFIG_DEFAULTS[key]))
            return value if isinstance(value, str) and not path_problem(value) else CONFIG_DEFAULTS[key]

        roots_value, origin = _host_roots(host.get("fl"))
        if roots_value is None:
            roots_value, origin = server_config.get("checkpoints_paths", list(DEFAULT_CHECKPOINT_PATHS)), \
                "server_config checkpoints_paths"
        wan2gp_dir = os.getcwd()
        root_paths, root_notes = checked_checkpoint_paths(roots_value, origin)
        warnings += [CatalogWarning(note, "host") for note in root_notes]
        roots = absolute_roots(wan2gp_dir, root_paths)
        te_quant = host.get("text_encoder_quantization", CONFIG_DEFAULTS["text_encoder_quantization"])
        bf16 = host.get("bfloat16_supported")
        if bf16 is None:
            from ..machine.hardware import bf16_supported

            bf16 = bf16_supported()
        loras_root = setting("loras_root").strip() or CONFIG_DEFAULTS["loras_root"]
        settings = ScanSettings(
            source="live",
            source_detail=f"Wan2GP {_text(host.get('WanGP_version', ''))} (running)".replace("  ", " "),
            wan2gp_dir=wan2gp_dir,
            checkpoint_roots=roots,
            transformer_quantization=setting("transformer_quantization"),
            transformer_dtype_policy=setting("transformer_dtype_policy"),
            text_encoder_quantization=te_quant if isinstance(te_quant, str) else "int8",
            loras_root=os.path.join(wan2gp_dir, loras_root),
            compute_dtype="bf16" if bf16 else "fp16",
        )
        defs, broken, originals = self._definitions(models_def)
        token = (id(self._host_models_def), tuple(map(id, originals)), settings, bool(bf16))
        handler_defs = self._handler_defs if callable(host.get("get_model_handler")) else None
        shared_defs = self._shared_defs(warnings)
        handlers = host.get("model_types_handlers")
        rejected: dict[str, str] = {}
        if isinstance(handlers, Mapping):  # wgp's architecture -> handler map; absent in an older host

            def supported(architecture: object) -> bool:
                try:
                    return architecture in handlers
                except TypeError:  # an unhashable architecture: Wan2GP fails on it the same way
                    return False

            for model_type, model_def in defs.items():
                try:
                    reason = rejection(model_type, model_def, supported)
                except Exception as exc:  # host objects may do anything; Wan2GP would fail on it too
                    reason = f"Wan2GP cannot look a handler up for this definition: {type(exc).__name__}: {exc}"
                if reason:
                    rejected[model_type] = reason
        return CatalogState(
            defs=defs,
            settings=settings,
            token=token,
            bf16_supported=bool(bf16),
            warnings=tuple(warnings),
            broken=tuple(broken),
            lora_dir=self._lora_dir,
            family=self._family,
            parent_model_type=self._parent,
            handler_defs=handler_defs,
            shared_defs=shared_defs,
            missing_assets=_host_missing_files(),
            memory_profiles=host_profiles(server_config),
            model_notes={model_type: warned for model_type, model_def in defs.items()
                         if (warned := definition_warnings(model_def))},
            rejected=rejected,
            memory_settings=memory_settings_from_config(server_config, windows=os.name == "nt",
                                                        args=host.get("args")),
        )

    def _definitions(self, models_def: Mapping[Any, Any]) -> tuple[dict[str, dict], list[BrokenDefinition], list]:
        """Plain-dict copies of the host's definitions; one that cannot be read is an error on its model.

        Copies are kept while the host's object stays the same, so caches keyed on the
        definition object (plans, metrics) survive refreshes.
        """
        defs: dict[str, dict] = {}
        broken: list[BrokenDefinition] = []
        originals: list[Any] = []
        copies: dict[str, tuple[Any, dict]] = {}
        for key, value in models_def.items():
            if not isinstance(key, str):
                broken.append(BrokenDefinition(repr(key), "", f"models_def has a key that is not text: {key!r}"))
                continue
            if not isinstance(value, Mapping):
                broken.append(BrokenDefinition(key, "", f"the definition is a {type(value).__name__}, not an object"))
                continue
            cached = self._copies.get(key)
            if cached is not None and cached[0] is value:
                copy = cached[1]
            else:
                try:
                    value.get("architecture")  # Wan2GP reads definitions with .get; one that raises is unusable
                    copy = dict(value)
                except Exception as exc:
                    message = f"the definition cannot be read: {type(exc).__name__}: {exc}"
                    broken.append(BrokenDefinition(key, "", message))
                    continue
            copies[key] = (value, copy)
            defs[key] = copy
            originals.append(value)
        self._copies = copies
        return defs, broken, originals

    def _handler_defs(self, model_type: str, model_def: dict) -> Any:
        """What Wan2GP's download step asks the family handler for (HOST.md section 4.4)."""
        base = model_def.get("architecture", model_type)
        get_base = self.host.get("get_base_model_type")
        if callable(get_base):
            base = get_base(model_type) or base
        handler = self.host.get("get_model_handler")(model_type)
        query = getattr(handler, "query_model_files", None)
        if query is None:  # a handler without shared assets
            return []
        return query(_compute_list, base, model_def) or []

    def _shared_defs(self, warnings: list[CatalogWarning]) -> Any:
        """The core shared tools: the host's own list when it has the function, else their folders by name."""
        query = self.host.get("query_core_shared_model_files")
        if callable(query):
            try:
                return query()
            except Exception as exc:  # the fallback list still shows what is on disk
                warnings.append(CatalogWarning(f"Wan2GP could not list its shared tools ({exc}); only their "
                                               "folders are checked", "host"))
        return entries_as_defs(core_shared_fallback())

    def _lora_dir(self, model_type: str) -> str | None:
        get_lora_dir = self.host.get("get_lora_dir")
        if not callable(get_lora_dir):
            return None
        folder = get_lora_dir(model_type)
        if folder is not None and (not isinstance(folder, str) or path_problem(folder)):
            raise ValueError(f"Wan2GP's get_lora_dir returned {folder!r}, not a folder")
        return folder

    def _family(self, model_type: str, model_def: dict) -> FamilyInfo:
        guess = family_info(str(model_def.get("architecture", model_type)), model_def)
        try:
            return self._host_family(model_type, model_def, guess)
        except Exception:  # odd host globals (families_infos of another shape, ...): keep the offline guess
            return guess

    def _host_family(self, model_type: str, model_def: dict, guess: FamilyInfo) -> FamilyInfo:
        get_family = self.host.get("get_model_family")
        family = guess.family
        if callable(get_family):
            try:
                family = str(get_family(model_type, for_ui=True))
            except Exception:  # an older host or a broken definition: keep the offline guess
                family = guess.family
        infos = self.host.get("families_infos") or {}
        label = infos.get(family, (0, FAMILY_LABELS.get(family, (family, ""))[0]))[1]
        metadata = model_def.get("metadata")
        output = guess.output_type
        main_output = metadata.get("main_output") if isinstance(metadata, Mapping) else None
        if isinstance(main_output, str):
            output = {"audio": "audio", "image": "image"}.get(main_output, "video")
        return FamilyInfo(family=family, label=str(label), output_type=output, lora_folder=guess.lora_folder)

    def _parent(self, model_type: str, model_def: dict) -> str:
        get_parent = self.host.get("get_parent_model_type")
        if not callable(get_parent):
            return ""
        try:
            return str(get_parent(model_type) or "")
        except Exception:  # the host raises when a base definition is missing; the table can live without it
            return ""


def _compute_list(filename: str) -> list[str]:
    """The ``computeList`` Wan2GP hands ``query_model_files``: a file name's basename, as a list."""
    return [os.path.basename(str(filename))]


def _host_missing_files() -> Callable[[list], Iterable[str]] | None:
    """The host's ``download_def_missing_files``, when this Wan2GP has it."""
    try:
        module = importlib.import_module("shared.utils.download")
    except Exception:  # an older Wan2GP, or not inside Wan2GP at all
        return None
    function = getattr(module, "download_def_missing_files", None)
    return function if callable(function) else None


def _readable_mapping(value: Any, name: str, warnings: list[CatalogWarning]) -> Mapping[Any, Any]:
    """A host dict copied once; a list, or a mapping that raises while read, becomes empty with a warning."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        warnings.append(CatalogWarning(f"Wan2GP's {name} is a {type(value).__name__}, not a dict; ignored", "host"))
        return {}
    try:
        return dict(value.items())
    except Exception as exc:
        warnings.append(CatalogWarning(f"Wan2GP's {name} could not be read ({type(exc).__name__}: {exc})", "host"))
        return {}


def _host_roots(fl: Any) -> tuple[Any, str]:
    """``fl._checkpoints_paths`` (the live roots), or None when the locator has none or it cannot be read."""
    try:
        return getattr(fl, "_checkpoints_paths", None), "fl._checkpoints_paths"
    except Exception:
        return None, ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
