"""Which models are downloaded, partial or missing, decided file by file as Wan2GP decides it.

``ModelAnalyzer.scan()`` is the one entry point that touches the disk. Plans (scan/plan.py)
are kept while the catalog and settings stay the same; each scan lists every folder it needs
once, looks each distinct file up once (scan/lookup.py, reused whole when nothing changed),
and rebuilds a model's record only when something it depends on changed on disk. Problems
with one model become errors on that model; the scan itself does not raise.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .catalog.base import CatalogProvider, CatalogState
from .catalog.download_defs import asset_entries
from .catalog.resolution import DefinitionError, local_name
from .fileio import path_problem, printable
from .hub.urls import parse_hub_url
from .records import (
    CatalogWarning,
    FileRecord,
    FileRole,
    FileStatus,
    IncompleteDownload,
    Inventory,
    ModelRecord,
    ModelStatus,
    OtherVariant,
    ScanSettings,
)
from .scan.assets import host_missing_assets
from .scan.disk_index import DiskIndex, FileInfo, ListingCache
from .scan.file_checks import HeaderCache, incomplete_downloads
from .scan.lookup import FileLookup, LastScan
from .scan.plan import ModelPlan, ParamsLookup, PlannedFile, failed_plan, plan_asset, plan_model
from .scan.sizing import estimate_file_size

if TYPE_CHECKING:
    from .fit.estimator import ModelMetrics
    from .hub.sizes import HubSizes, KnownSize

MAY_BE_INCOMPLETE = ("may be incomplete: open the tab in Wan2GP once (its family handler adds files, such as a "
                     "text encoder, that only the running Wan2GP can name)")


class CatalogUnavailable(Exception):
    """The catalog itself could not be read (as opposed to one bad definition)."""


class ModelAnalyzer:
    """Scans a catalog's models against the checkpoint folders.

    ``ModelAnalyzer(OfflineCatalog("/path/to/Wan2GP")).scan()`` gives an Inventory; inside
    Wan2GP, ``ModelAnalyzer.from_host(models_def, fl, **other_globals)`` reads the live catalog.
    """

    def __init__(self, catalog: CatalogProvider, header_cache: HeaderCache | None = None,
                 check_headers: bool = True, params_lookup: ParamsLookup | None = None,
                 hub_sizes: HubSizes | None = None) -> None:
        self.catalog = catalog
        # Exact sizes of missing Hub files, fetched in the background; None: estimates only.
        self.hub_sizes = hub_sizes
        self.header_cache = header_cache or HeaderCache()
        self.check_headers = check_headers
        self.params_lookup = params_lookup
        self._plans: dict[str, ModelPlan] = {}
        self._plans_token: Hashable = None
        self._records: dict[str, tuple[Hashable, ModelRecord]] = {}
        # The latest scan's lookups, kept so that a scan finding every folder and file as it was skips the work.
        self._last: LastScan | None = None
        self._listings = ListingCache()
        self._inventory: Inventory | None = None
        self._state: CatalogState | None = None
        self._trusted: tuple[str, ...] = ()
        self.last_fs_calls = 0

    @classmethod
    def from_host(cls, models_def: Mapping[str, dict], files_locator: Any, **host_globals: Any) -> ModelAnalyzer:
        """The design card's shape: build from the globals Wan2GP hands a plugin."""
        from .catalog.live import LiveCatalog

        return cls(LiveCatalog.from_globals(models_def=models_def, fl=files_locator, **host_globals))

    def scan(self) -> Inventory:
        """A fresh inventory of every model; raises CatalogUnavailable only if no catalog can be read."""
        try:
            state = self.catalog.load()
        except Exception as exc:  # the provider itself failed: say so in one line
            raise CatalogUnavailable(f"could not read the model catalog: {exc}") from exc
        if self._state is None or self._state.settings != state.settings:
            self._trusted = _trusted_folders(state.settings)
        # The same token means the same plans (a live catalog's state is a new object on every load).
        same_catalog = self._state is not None and state.token == self._state.token
        self._state = state
        warnings = list(state.warnings)
        plans = self._plans_for(state)
        index = DiskIndex(self._listings)
        if not state.settings.checkpoint_roots:
            warnings.append(CatalogWarning("no checkpoint folder is configured (checkpoints_paths is empty)",
                                           "settings"))
        for root in state.settings.checkpoint_roots:
            problem = index.folder_problem(root)
            if problem:
                warnings.append(CatalogWarning(f"checkpoint folder {root!r} is unusable: {problem}", "settings"))
        shared = self._shared_plan(state, warnings)
        host_missing = host_missing_assets(state, plans, shared, warnings)
        last = self._last if same_catalog else None
        if last is not None and last.lookup.carried_to(index, host_missing):
            lookup, located, missing_names = last.lookup, last.located, last.missing_names
        else:
            last = None
            lookup = FileLookup(index, state.settings.checkpoint_roots)
            lookup.host_missing = host_missing
            located = {t: [(p, lookup.locate(p)) for p in plan.files] for t, plan in plans.items()}
            missing_names = {p.filename for files in located.values() for p, info in files if info is None}
        shared_located = [(p, lookup.locate(p)) for p in shared or ()]
        partials = incomplete_downloads(index, state.settings.checkpoint_roots, missing_names)
        hub_generation = self.hub_sizes.generation if self.hub_sizes is not None else 0
        if last is None or partials != last.partials or hub_generation != last.hub_generation:
            # Something a record depends on may have changed: rebuild the records whose inputs differ.
            records = {}
            for model_type, plan in plans.items():
                key = self._disk_key(located[model_type], lookup, partials)
                previous = self._records.get(model_type)
                if previous is not None and previous[0] == key:
                    records[model_type] = previous
                else:
                    records[model_type] = (key, self._record(plan, located[model_type], lookup, partials))
            self._records = records
        records = self._records
        self._last = LastScan(lookup, located, missing_names, partials, hub_generation)
        shared_files = None if shared is None else tuple(
            self._file_record(p, info, lookup, partials) for p, info in shared_located)
        models = [record for _, record in records.values()]
        models += [_broken_record(b.model_type, b.path, b.message) for b in state.broken]
        models.sort(key=lambda m: m.model_type.casefold())
        warnings += [CatalogWarning(w, "disk") for w in index.warnings]
        if self.hub_sizes is not None:
            warnings += [CatalogWarning(w, "hub") for w in self.hub_sizes.warnings]
        self.last_fs_calls = index.fs_calls
        self._inventory = Inventory(
            models=tuple(models),
            settings=state.settings,
            scanned_at=datetime.now(),
            warnings=tuple(warnings),
            incomplete_downloads=tuple(sorted(partials.values(), key=lambda d: d.filename)),
            shared_files=shared_files,
        )
        if self.hub_sizes is not None:
            missing = [f for m in models for f in m.missing_files]
            missing += [f for f in shared_files or () if not f.present]
            self.hub_sizes.request(h for f in missing if (h := parse_hub_url(f.url)))
        return self._inventory

    def _shared_plan(self, state: CatalogState, warnings: list[CatalogWarning]) -> tuple[PlannedFile, ...] | None:
        """The shared tools as planned files, or None when this catalog cannot say what they are."""
        if state.shared_defs is None:
            return None
        try:
            entries = asset_entries(state.shared_defs)
        except Exception as exc:  # a malformed host answer or snapshot: the models are still scanned
            warnings.append(CatalogWarning(f"the shared tools' file list could not be read: {exc}", "host"))
            return None
        return tuple(plan_asset(e) for e in entries)

    def _plans_for(self, state: CatalogState) -> dict[str, ModelPlan]:
        if self._plans_token != state.token:
            self._plans = {}
            self._records = {}
            for model_type in state.defs:
                try:
                    self._plans[model_type] = plan_model(state, model_type, self.params_lookup)
                except Exception as exc:  # never let one definition stop the scan
                    self._plans[model_type] = failed_plan(
                        state, model_type, f"the definition could not be resolved: {type(exc).__name__}: {exc}")
            self._plans_token = state.token
        return self._plans

    def _hub_size(self, planned: PlannedFile) -> KnownSize | None:
        if self.hub_sizes is None:
            return None
        hub_file = parse_hub_url(planned.entry)
        return self.hub_sizes.known(hub_file) if hub_file else None

    def _disk_key(self, located: list[tuple[PlannedFile, FileInfo | None]], lookup: FileLookup,
                  partials: dict[str, IncompleteDownload]) -> Hashable:
        """Everything on disk a model's record depends on; an unchanged key means an unchanged record."""
        parts: list[Hashable] = []
        for planned, info in located:
            alternatives = tuple(lookup.find(a.local, planned.extra_paths) for a in planned.alternatives)
            host = lookup.host_says_missing(planned)
            if info is not None:
                parts.append((info, alternatives, host))
            else:
                target = lookup.download_target(planned)
                parts.append((target, target in lookup.index.broken_links, partials.get(planned.filename),
                              alternatives, host, self._hub_size(planned)))
        return tuple(parts)

    def _record(self, plan: ModelPlan, located: list[tuple[PlannedFile, FileInfo | None]], lookup: FileLookup,
                partials: dict[str, IncompleteDownload]) -> ModelRecord:
        model_def = plan.model_def
        if plan.fatal:
            # Wan2GP cannot load it: its files and sizes would only be guesses, so none are listed.
            status, reason, located = ModelStatus.ERROR, plan.fatal, []
        else:
            status, reason = _status(plan, located, lookup)
        name = model_def.get("name")
        return ModelRecord(
            model_type=plan.model_type,
            name=name if isinstance(name, str) and name else plan.model_type,
            architecture=str(model_def.get("architecture", plan.model_type)),
            family=printable(plan.family.label),  # a label for display and filters: always encodable
            output_type=plan.family.output_type,
            description=str(model_def.get("description", "") or ""),
            definition_path=str(model_def.get("path", "") or ""),
            is_finetune=_is_finetune(model_def),
            visible=model_def.get("visible", True) is not False,
            status=status,
            status_reason=reason,
            files=tuple(self._file_record(p, info, lookup, partials, self._trusted) for p, info in located),
            errors=plan.errors + ((plan.handler_error,) if plan.handler_error else ()),
            warnings=plan.warnings,
            parent_model_type=plan.parent_model_type,
            handler_files_known=plan.handler_files_known,
            completeness_note=MAY_BE_INCOMPLETE if (
                status is ModelStatus.DOWNLOADED and self.state.runtime_files_unseen(plan.model_type,
                                                                                      dict(model_def))) else "",
        )

    def _file_record(self, planned: PlannedFile, info: FileInfo | None, lookup: FileLookup,
                     partials: dict[str, IncompleteDownload], trusted: tuple[str, ...] = ()) -> FileRecord:
        outside = _outside_warning(planned, info, lookup, trusted)
        others = []
        for alternative in planned.alternatives:
            alt_info = lookup.find(alternative.local, planned.extra_paths)
            if alt_info is not None and (info is None or alt_info.path != info.path):
                others.append(OtherVariant(os.path.basename(alternative.local), os.path.abspath(alt_info.path),
                                           alt_info.size, alternative.variant))
        common = dict(filename=planned.filename, url=planned.entry, role=planned.role, core=planned.core,
                      variant=planned.variant, other_variants=tuple(others), is_folder=planned.is_folder)
        host_missing = lookup.host_says_missing(planned)
        if host_missing is False and info is None:
            return FileRecord(status=FileStatus.DOWNLOADED, path=os.path.abspath(lookup.download_target(planned)),
                              size_bytes=None, size_is_estimate=False,
                              warnings=("Wan2GP finds this file, but the tracker could not see it",), **common)
        if host_missing and info is not None:
            return FileRecord(status=FileStatus.MISSING, path=os.path.abspath(info.path), size_bytes=info.size,
                              size_is_estimate=True, size_basis="the size of the copy on disk",
                              warnings=("on disk, but Wan2GP would download it again",), **common)
        if info is not None:
            problem = self.header_cache.problem(info) if self.check_headers else None
            return FileRecord(status=FileStatus.DOWNLOADED, path=os.path.abspath(info.path), size_bytes=info.size,
                              size_is_estimate=False, warnings=tuple(w for w in (outside, problem) if w), **common)
        warnings: list[str] = [outside] if outside else []
        target = lookup.download_target(planned)
        if target in lookup.index.broken_links:
            warnings.append(f"broken link: {target} points to {lookup.index.broken_links[target]}, which is missing")
        if not planned.entry:
            warnings.append("the tracker does not know where Wan2GP downloads this from")
        elif not planned.entry.startswith("http"):
            warnings.append("a local path: Wan2GP cannot download it")
        partial = partials.get(planned.filename)
        if partial is not None:
            state = "download in progress" if partial.in_progress else "interrupted download"
            warnings.append(f"{state}: {partial.bytes_so_far:,} bytes written so far in {partial.path} "
                            f"(last written {partial.modified:%Y-%m-%d %H:%M})")
        estimate = planned.estimate
        if others:
            sibling = others[0]
            estimate = estimate_file_size(planned.filename, planned.role, planned.variant, None,
                                          sibling=(sibling.filename, sibling.variant, sibling.size_bytes))
        known = self._hub_size(planned)
        if known is not None:
            return FileRecord(status=FileStatus.MISSING, path=os.path.abspath(target), size_bytes=known.size,
                              size_is_estimate=False, size_basis=known.basis, warnings=tuple(warnings), **common)
        return FileRecord(status=FileStatus.MISSING, path=os.path.abspath(target), size_bytes=estimate.size_bytes,
                          size_is_estimate=True, size_basis=estimate.basis, warnings=tuple(warnings), **common)

    # --- the seed's per-model questions, answered from the latest scan ----------------------

    def inventory(self) -> Inventory:
        return self._inventory or self.scan()

    @property
    def state(self) -> CatalogState:
        """The catalog (definitions and settings) the latest scan was made from."""
        if self._state is None:
            self.scan()
        assert self._state is not None
        return self._state

    def _model(self, model_type: str) -> ModelRecord:
        record = self.inventory().get(model_type)
        if record is None:
            raise KeyError(f"unknown model type {model_type!r}")
        return record

    def get_model_status(self, model_type: str) -> ModelStatus:
        return self._model(model_type).status

    def get_model_files(self, model_type: str) -> tuple[FileRecord, ...]:
        return self._model(model_type).files

    def get_model_size_gb(self, model_type: str) -> float:
        """Size of the model's files, on disk or (for missing ones) estimated, in GB."""
        return sum(f.size_bytes or 0 for f in self._model(model_type).files) / 1e9

    def estimate_vram_usage(self, model_type: str) -> ModelMetrics:
        """VRAM, RAM, speed and quality for a model: curated where published, else estimated."""
        from .performance_db import PerformanceDatabase

        record = self._model(model_type)
        defs = self.state.defs
        return PerformanceDatabase.default().get_metrics(model_type, defs.get(model_type), record, catalog=defs)

    def get_download_urls(self, model_type: str) -> list[str]:
        """URLs Wan2GP would fetch before it can run this model."""
        return [f.url.split("|", 1)[0] for f in self._model(model_type).files
                if not f.present and f.url.startswith("http")]


def _status(plan: ModelPlan, located: list[tuple[PlannedFile, FileInfo | None]],
            lookup: FileLookup) -> tuple[ModelStatus, str]:
    """Wan2GP's dropdown rule (HOST.md section 6), with the reason in words."""
    core = [(p, info) for p, info in located if p.core]
    found = [info is not None for _, info in core]
    if core and all(found):
        # Wan2GP's marks never look at the handler's assets (HOST.md section 6); "complete" does.
        missing = [p for p, info in located if not p.core and info is None and p.role is not FileRole.HANDLER]
        if plan.secondary_blocked:
            return ModelStatus.PARTIAL, plan.secondary_blocked
        if missing:
            names = ", ".join(f"{p.role.label} {p.filename}" for p in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            return ModelStatus.PARTIAL, f"main weights present; missing {names}{more}"
        if plan.errors:
            return ModelStatus.PARTIAL, "main weights present, but part of the definition could not be resolved"
        return ModelStatus.DOWNLOADED, "every expected file is present"
    if any(found):
        absent = [p.filename for p, info in core if info is None]
        return ModelStatus.PARTIAL, f"one expert present, {', '.join(absent)} missing"
    expected = {p.entry.casefold() for p, _ in core}
    for candidate in dict.fromkeys(plan.candidates):
        if candidate.casefold() in expected:
            continue
        try:
            info = lookup.find(local_name(candidate))
        except DefinitionError:
            continue
        if info is not None:
            return ModelStatus.PARTIAL, (f"{os.path.basename(info.path)} is on disk, but the current settings "
                                         f"load {', '.join(p.filename for p, _ in core)}")
    if not core:
        return ModelStatus.MISSING, "definition error" if plan.errors else "the definition names no main weights"
    return ModelStatus.MISSING, "main weights not downloaded"


def _trusted_folders(settings: ScanSettings) -> tuple[str, ...]:
    """Where a definition's local paths may point: the install folder, the checkpoint roots, the LoRA root."""
    folders = (settings.wan2gp_dir, settings.loras_root, *settings.checkpoint_roots)
    return tuple(os.path.realpath(f) for f in folders if f and not path_problem(f))


def _outside_warning(planned: PlannedFile, info: FileInfo | None, lookup: FileLookup,
                     trusted: tuple[str, ...]) -> str:
    """A local path that leads out of Wan2GP's folders (``../../etc/passwd``, ``/etc/shadow``) is flagged."""
    if planned.entry.startswith("http") or not trusted:
        return ""
    path = os.path.realpath(info.path if info is not None else lookup.download_target(planned))
    for folder in trusted:
        if path == folder or path.startswith(folder.rstrip(os.sep) + os.sep):
            return ""
    return (f"local path {planned.entry!r} points outside the Wan2GP folder and its checkpoint folders "
            f"({path}); check that this definition is one you trust")


def _is_finetune(model_def: Mapping[str, Any]) -> bool:
    path = str(model_def.get("path", "") or "")
    return os.path.basename(os.path.dirname(path)).casefold() == "finetunes"


def _broken_record(model_type: str, path: str, message: str) -> ModelRecord:
    return ModelRecord(
        model_type=model_type, name=model_type, architecture="", family="Unknown", output_type="video",
        description="", definition_path=path, is_finetune=_is_finetune({"path": path}), visible=True,
        status=ModelStatus.ERROR, status_reason="the definition file could not be read", files=(),
        errors=(message,),
    )
