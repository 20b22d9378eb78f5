"""Resolve one model definition into the files Wan2GP would check for it, without the disk.

A plan depends only on the definitions and the settings, so the analyzer keeps plans between
scans and redoes only the lookups on disk. The slots follow the host's status code (HOST.md
section 6): main weights (``URLs``, ``URLs2``) decide "anything there at all", the secondary
files (modules, text encoder, preload and VAE entries, built-in LoRAs) decide "complete".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..catalog.base import CatalogState
from ..catalog.download_defs import AssetEntry, DownloadDefError, asset_entries
from ..catalog.families import FamilyInfo, family_info
from ..catalog.resolution import (
    LORA_DIR_TOKEN,
    DefinitionError,
    UnresolvableReference,
    as_list,
    is_relative_down,
    local_name,
    model_filename,
    module_url_lists,
    pick_variant,
    recursive_prop,
    transformer_dtype,
    variant_label,
)
from ..fileio import path_problem
from ..records import FileRole
from .sizing import SizeEstimate, estimate_file_size, params_from_text

ParamsLookup = Callable[[str, Mapping[str, Any]], "float | None"]


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another variant of a slot, which counts as "something on disk" but is not loaded."""

    local: str
    variant: str


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """A file a model needs, resolved from the definition but not yet looked up on disk."""

    role: FileRole
    core: bool
    entry: str
    local: str
    filename: str
    variant: str
    estimate: SizeEstimate
    extra_paths: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    lora_path: str = ""
    # A handler asset: ``local`` is "<folder>/<file>" below a root, downloaded to the root that has the folder.
    is_asset: bool = False
    asset_folder: str = ""
    is_folder: bool = False


@dataclass(frozen=True, slots=True)
class ModelPlan:
    """Everything about a model that does not depend on the disk."""

    model_type: str
    model_def: Mapping[str, Any]
    family: FamilyInfo
    parent_model_type: str
    params_b: float | None
    files: tuple[PlannedFile, ...]
    candidates: tuple[str, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    secondary_blocked: str = ""
    handler_files_known: bool = False
    # A failing family handler: an error on the model that, like Wan2GP's own rule, never changes its status.
    handler_error: str = ""
    # Why Wan2GP cannot load this definition at all (an unresolvable reference); "" when it can.
    fatal: str = ""


class _Unknown(Exception):
    """The catalog cannot tell this model's handler assets (e.g. a snapshot saved before it existed)."""


class _PlanBuilder:
    """Collects a model's files slot by slot; a failing slot becomes an error, the others go on."""

    def __init__(self, state: CatalogState, model_type: str, params_b: float | None) -> None:
        self.state = state
        self.defs = state.defs
        self.model_type = model_type
        self.model_def = state.defs[model_type]
        self.params_b = params_b
        self.files: list[PlannedFile] = []
        self.errors: list[str] = []
        self.candidates: list[str] = []
        self.secondary_blocked = ""
        self.fatal = ""
        self.warnings: list[str] = []
        self._lora_dir: list[str | None] = []

    def attempt(self, slot: str, action: Callable[[], None]) -> None:
        try:
            action()
        except UnresolvableReference as exc:
            self.errors.append(f"{slot}: {exc}")
            self.fatal = self.fatal or f"Wan2GP cannot load this definition: {slot}: {exc}"
        except DefinitionError as exc:
            self.errors.append(f"{slot}: {exc}")

    def lora_dir(self) -> str | None:
        if not self._lora_dir:
            try:
                self._lora_dir.append(self.state.lora_dir(self.model_type))
            except Exception as exc:  # a host function may raise anything; only the LoRA folder is lost
                self.errors.append(f"LoRA folder: {exc}")
                self._lora_dir.append(None)
        return self._lora_dir[0]

    def add(self, role: FileRole, core: bool, entry: str, choices: list | None = None,
            extra_paths: tuple[str, ...] = ()) -> None:
        lora_dir = self.lora_dir() if entry.endswith("|" + LORA_DIR_TOKEN) else None
        local = local_name(entry, lora_dir)
        filename = os.path.basename(local)
        variant = variant_label(entry)
        alternatives = []
        for other in choices or ():
            if isinstance(other, str) and other and other != entry:
                try:
                    alternatives.append(Alternative(local_name(other, lora_dir), variant_label(other)))
                except DefinitionError:
                    continue
        estimate = estimate_file_size(filename, role, variant, self.params_b, extra_paths[0] if extra_paths else "")
        self.files.append(PlannedFile(role, core, entry, local, filename, variant, estimate, extra_paths,
                                      tuple(alternatives)))

    def main_files(self) -> None:
        s = self.state.settings
        for submodel, role, key in ((1, FileRole.TRANSFORMER, "URLs"), (2, FileRole.TRANSFORMER2, "URLs2")):
            if submodel == 2 and "URLs2" not in self.model_def:
                continue
            if key in self.model_def and self.model_def[key] is None:
                self.warnings.append(f"{key} is null: the definition names no weights there")
            entries = recursive_prop(self.defs, self.model_type, key)
            if not isinstance(entries, list):
                raise DefinitionError(f"{key} must be a list of URLs or a model id, not {type(entries).__name__}")
            self.candidates.extend(e for e in entries if isinstance(e, str))
            picked = model_filename(self.defs, self.model_type, s.transformer_quantization,
                                    s.transformer_dtype_policy, self.state.bf16_supported, submodel_no=submodel)
            if picked:
                self.add(role, True, picked, entries)

    def module_files(self) -> None:
        s = self.state.settings
        dtype = transformer_dtype(self.defs, self.model_type, s.transformer_dtype_policy, self.state.bf16_supported)
        for number, module in enumerate(module_url_lists(self.defs, self.model_type), 1):
            if isinstance(module, dict):
                if module.get("URLs") is None or module.get("URLs2") is None:
                    self.secondary_blocked = (f"module {number} lacks URLs or URLs2, so Wan2GP always reports "
                                              "this model as partial")
                    continue
                lists = [as_list(module["URLs"]), as_list(module["URLs2"])]
            elif isinstance(module, list):
                lists = [module]
            else:
                raise DefinitionError(f"module {number} is neither a URL list, a module id nor a URLs/URLs2 pair")
            for urls in lists:
                _require_text_list(f"module {number}", urls)
                picked = pick_variant(urls, s.transformer_quantization, dtype)
                if picked:
                    self.add(FileRole.MODULE, False, picked, urls)

    def text_encoder(self) -> None:
        s = self.state.settings
        urls = _require_text_list("text_encoder_URLs", recursive_prop(self.defs, self.model_type, "text_encoder_URLs"))
        folder = self.model_def.get("text_encoder_folder")
        if folder is not None and not isinstance(folder, str):
            raise DefinitionError(f"text_encoder_folder must be a folder name, not {type(folder).__name__}")
        if isinstance(folder, str) and path_problem(folder):
            raise DefinitionError(f"text_encoder_folder {folder!r} cannot name a folder: {path_problem(folder)}")
        if isinstance(folder, str) and folder and not is_relative_down(folder):
            # Wan2GP joins it to each root as is, so it works, but it reaches outside the checkpoint folders.
            self.warnings.append(f"text_encoder_folder {folder!r} leads outside the checkpoint folders")
        picked = model_filename(self.defs, self.model_type, s.text_encoder_quantization, s.transformer_dtype_policy,
                                self.state.bf16_supported, urls=urls)
        if picked:
            extra = (folder,) if isinstance(folder, str) and folder else ()
            self.add(FileRole.TEXT_ENCODER, False, picked, urls, extra)

    def listed(self, role: FileRole, key: str, values: Any) -> None:
        for entry in _require_text_list(key, values):
            if entry:
                self.add(role, False, entry)

    def handler_files(self) -> None:
        """The family handler's query_model_files assets; only files on the Hub can be fetched by Wan2GP."""
        defs = self.state.handler_defs(self.model_type, dict(self.model_def))
        if defs is None:
            raise _Unknown
        for asset in asset_entries(defs):
            self.files.append(plan_asset(asset))

    def loras(self) -> None:
        entries = [e for e in _require_text_list("loras", recursive_prop(self.defs, self.model_type, "loras")) if e]
        if not entries:
            return
        folder = self.lora_dir()
        if folder is None:
            raise DefinitionError("the model's LoRA folder is unknown")
        for entry in entries:
            # The host checks join(lora_dir, basename(entry)) verbatim, "|folder" suffix included.
            if path_problem(entry):
                raise DefinitionError(f"LoRA entry {entry!r} cannot name a file: {path_problem(entry)}")
            name = os.path.basename(entry)
            estimate = estimate_file_size(name, FileRole.LORA, variant_label(entry), self.params_b)
            self.files.append(PlannedFile(FileRole.LORA, False, entry, name, name, variant_label(entry), estimate,
                                          lora_path=os.path.join(folder, name)))


def plan_model(state: CatalogState, model_type: str, params_lookup: ParamsLookup | None = None) -> ModelPlan:
    """The files Wan2GP would check for ``model_type`` under the catalog's settings."""
    if model_type in state.rejected:  # Wan2GP hides it: its files would only be guesses
        return failed_plan(state, model_type, state.rejected[model_type])
    model_def = state.defs[model_type]
    architecture = str(model_def.get("architecture", model_type))
    size_note = ""
    try:
        params = (params_lookup(model_type, model_def) if params_lookup
                  else params_from_text(str(model_def.get("name", "")), architecture))
    except Exception as exc:  # sizes of missing files are then unknown; the files themselves still count
        params, size_note = None, f"parameters unknown, so sizes of missing files are not estimated ({exc})"
    builder = _PlanBuilder(state, model_type, params)
    if size_note:
        builder.warnings.append(size_note)
    builder.attempt("URLs", builder.main_files)
    builder.attempt("modules", builder.module_files)
    builder.attempt("text encoder", builder.text_encoder)
    builder.attempt("preload_URLs", lambda: builder.listed(
        FileRole.PRELOAD, "preload_URLs", recursive_prop(state.defs, model_type, "preload_URLs")))
    builder.attempt("VAE_URLs", lambda: builder.listed(FileRole.VAE, "VAE_URLs", model_def.get("VAE_URLs")))
    builder.attempt("loras", builder.loras)
    handler_error = ""
    known = state.handler_defs is not None
    if known:
        try:
            builder.handler_files()
        except _Unknown:
            known = False
        except DownloadDefError as exc:
            handler_error = f"family handler files: {exc}"
        except Exception as exc:  # the host's handler may raise anything; only its own files are lost
            handler_error = f"family handler files: query_model_files failed ({type(exc).__name__}: {exc})"
    warnings = list(state.model_notes.get(model_type, ())) + builder.warnings + _identity_warnings(model_def)
    warnings += [f"the definition sets {key!r}: Wan2GP builds these weights itself instead of downloading them"
                 for key in ("source", "source2") if model_def.get(key)]
    if builder.secondary_blocked:
        warnings.append(builder.secondary_blocked)
    family = state.family(model_type, dict(model_def))
    parent = state.parent_model_type(model_type, dict(model_def)) or architecture
    return ModelPlan(model_type, model_def, family, parent, params, _dedupe(builder.files),
                     tuple(builder.candidates), tuple(builder.errors), tuple(warnings), builder.secondary_blocked,
                     handler_files_known=known and not handler_error,
                     handler_error=handler_error, fatal=builder.fatal)


def plan_asset(asset: AssetEntry) -> PlannedFile:
    """A handler asset or shared tool as a planned file; its size is unknown until the Hub or the disk says."""
    filename = os.path.basename(asset.filename) if asset.filename else asset.target_folder + "/"
    return PlannedFile(FileRole.HANDLER, False, asset.url, asset.local, filename, "",
                       SizeEstimate(None, "size unknown until downloaded"), is_asset=True,
                       asset_folder=asset.target_folder, is_folder=asset.is_folder)


def failed_plan(state: CatalogState, model_type: str, message: str) -> ModelPlan:
    """The plan of a definition that broke the planner itself: nothing about it can be trusted."""
    model_def = state.defs.get(model_type)
    model_def = model_def if isinstance(model_def, dict) else {}
    try:
        architecture = str(model_def.get("architecture", model_type))
        family = family_info(architecture, dict(model_def))
    except Exception:  # the definition is what failed; fall back to what needs none of it
        architecture, family = model_type, family_info(model_type, {})
    return ModelPlan(model_type, model_def, family, architecture, None, (), (), (message,), (), fatal=message)


def _require_text_list(key: str, value: Any) -> list[str]:
    """A URL-list slot as the host iterates it; anything but text entries is an error, not an empty slot."""
    entries = as_list(value)
    if isinstance(value, dict) or any(not isinstance(e, str) for e in entries):
        kinds = sorted({type(e).__name__ for e in entries if not isinstance(e, str)} or {type(value).__name__})
        raise DefinitionError(f"{key} must be a list of URLs or file names, but holds {', '.join(kinds)}")
    return entries


def _identity_warnings(model_def: Mapping[str, Any]) -> list[str]:
    """Identity keys of the wrong type: the tracker shows the model type instead, and says so."""
    return [f"{key!r} is {type(model_def[key]).__name__}, not text; Wan2GP expects text here"
            for key in ("name", "architecture", "description")
            if key in model_def and model_def[key] is not None and not isinstance(model_def[key], str)]


def _dedupe(files: list[PlannedFile]) -> tuple[PlannedFile, ...]:
    """One record per file: the host checks a file once even when two slots name it."""
    seen: set[tuple[str, tuple[str, ...], bool]] = set()
    kept = []
    for f in files:
        key = (f.lora_path or f.local, f.extra_paths, f.is_asset)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return tuple(kept)
