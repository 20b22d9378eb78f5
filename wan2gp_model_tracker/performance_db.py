"""Curated performance figures per model, with the estimator filling every gap.

``PerformanceDatabase.get_metrics`` answers for any model type in this order:

1. a curated entry for the model type itself (``fit/curated.py`` reads and checks the data file);
2. a curated entry for its architecture or parent (``model_def["architecture"]``, the
   scan's ``parent_model_type``, the definition's own ``parent_model_type``), its figures
   scaled for the child's workload by ``fit/inheritance.py``. Such records say
   ``curated (from <parent>)``;
3. the estimator alone (``source == "estimated"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .fit.curated import VRAM_CHAIN, CuratedEntry, PerformanceData, load_performance_data
from .fit.definition_facts import DefinitionFacts, read_definition
from .fit.estimator import (
    NOT_DOCUMENTED,
    QUALITY_TIERS,
    SPEED_TIERS,
    ModelMetrics,
    estimate,
)
from .fit.inheritance import SCALED_FIGURES, inherited_metrics
from .fit.memory import MemoryInputs
from .fit.shapes import Split, header_facts
from .records import FileRecord, FileRole, Inventory, MemorySettings, ModelRecord, ModelStatus

__all__ = ["PerformanceDatabase"]


def _unavailable_metrics(record: ModelRecord, exc: Exception) -> ModelMetrics:
    """No figures, and the reason in the notes, for a model whose figures could not be worked out."""
    reason = f"{type(exc).__name__}: {exc}"[:300]
    return ModelMetrics(model_type=record.model_type, name=record.name, output_type=record.output_type, tasks=(),
                        source=NOT_DOCUMENTED, basis="the figures could not be worked out from this definition",
                        notes=f"figures unavailable ({reason})")




class PerformanceDatabase:
    """Metrics per model type: curated, inherited from a curated parent, or estimated."""

    def __init__(self, data: PerformanceData, quantization: str = "int8",
                 memory_settings: MemorySettings | None = None) -> None:
        self.data = data
        self.quantization = quantization
        # The user's wgp_config.json memory settings (preload, reserved RAM, VAE tiling); Wan2GP's defaults if None.
        self.memory_settings = memory_settings
        self._cache: dict[str, tuple[Any, Any, ModelRecord | None, _ScanFacts, ModelMetrics]] = {}
        self._parents: dict[str, tuple[DefinitionFacts, ModelMetrics]] = {}

    def for_settings(self, settings: MemorySettings) -> PerformanceDatabase:
        """This database, or one with the same data judging under the user's memory settings."""
        if settings == (self.memory_settings or MemorySettings()):
            return self
        return PerformanceDatabase(self.data, self.quantization, settings)

    @classmethod
    def default(cls) -> PerformanceDatabase:
        """The packaged data, loaded once per process."""
        return _default_database()

    @property
    def curated_types(self) -> tuple[str, ...]:
        return tuple(self.data.entries)

    def curated(self, model_type: str) -> CuratedEntry | None:
        return self.data.entries.get(model_type)

    def get_metrics(self, model_type: str, model_def: Mapping[str, Any] | None = None,
                    record: ModelRecord | None = None, *, catalog: Mapping[str, dict] | None = None) -> ModelMetrics:
        """Metrics for one model; cached per model type while the definition object and record facts stay the same.

        ``record`` (from a scan) tells which file variant Wan2GP picked and its size on disk;
        ``catalog`` lets the estimator follow ``URLs`` references to other models.
        """
        cached = self._cache.get(model_type)
        if cached is not None and cached[0] is model_def and cached[1] is catalog:
            # Records are frozen and a rescan reuses the object while nothing it depends on changed.
            if cached[2] is record:
                return cached[4]
            key = _scan_facts(record)
            if cached[3] == key:
                self._cache[model_type] = (model_def, catalog, record, key, cached[4])
                return cached[4]
        else:
            key = _scan_facts(record)
        metrics = self._compute(model_type, model_def, record, catalog, key)
        self._cache[model_type] = (model_def, catalog, record, key, metrics)
        return metrics

    def metrics_for_inventory(self, inventory: Inventory,
                              defs: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, ModelMetrics]:
        """Metrics for every loadable model of a scan (cached between refreshes while nothing changes).

        A definition Wan2GP cannot load gets none: any figure for it would be invented. A model
        whose figures cannot be worked out (an odd definition the estimator chokes on) gets a
        record that says so, and the other models keep theirs.
        """
        metrics = {}
        for m in inventory.models:
            if m.status is ModelStatus.ERROR:
                continue
            try:
                metrics[m.model_type] = self.get_metrics(m.model_type, defs.get(m.model_type) if defs else None, m,
                                                         catalog=defs)
            except Exception as exc:  # one model's figures must never fail the whole refresh
                metrics[m.model_type] = _unavailable_metrics(m, exc)
        return metrics

    def model_params_b(self, model_type: str, model_def: Mapping[str, Any] | None = None) -> float | None:
        """Parameters (billions) of one transformer file, for sizing files not yet downloaded.

        None when nothing states a size: a guessed default would only look precise.
        """
        entry = self.curated(model_type)
        if entry is not None and entry.params_b.value is not None:
            return entry.params_b.value
        definition = model_def if model_def is not None else {"architecture": model_type}
        facts = read_definition(definition, model_type, quantization=self.quantization)
        if facts.params_from_definition:
            return facts.params_b
        parent = self._curated_parent(model_type, definition, "")
        return self.data.entries[parent].params_b.value if parent else None

    def get_all_models_sorted(self, sort_by: str = "name", models: Mapping[str, Mapping[str, Any]] | None = None,
                              *, catalog: Mapping[str, dict] | None = None) -> list[ModelMetrics]:
        """Metrics of ``models`` (model type -> definition; default: the curated ones) in order.

        ``sort_by``: name (A-Z), speed (fastest first), vram (least first), quality (best
        first) or size (smallest download first). Unknown values sort last.
        """
        if sort_by not in _SORTERS:
            raise ValueError(f"sort_by must be one of {', '.join(SORT_KEYS)}, not {sort_by!r}")
        items = models.items() if models is not None else ((t, None) for t in self.data.entries)
        return sorted((self.get_metrics(t, d, catalog=catalog) for t, d in items), key=_SORTERS[sort_by])

    # --- computing ---------------------------------------------------------------------------

    def _compute(self, model_type: str, model_def: Mapping[str, Any] | None, record: ModelRecord | None,
                 catalog: Mapping[str, dict] | None, scan: _ScanFacts) -> ModelMetrics:
        variant, experts, parent_hint = scan.variant, scan.experts, scan.parent
        entry = self.curated(model_type)
        definition = model_def if model_def is not None else self._stand_in_definition(model_type, entry, record)
        if entry is not None:
            if model_def is None and record is None:
                variant, experts = entry.workload.variant, entry.workload.experts
            facts = read_definition(definition, model_type, variant=variant, experts=experts,
                                    params=_curated_params(entry, "curated"), quantization=self.quantization,
                                    catalog=catalog)
            return _keep_vram_order(self._curated_metrics(model_type, entry, self._estimate(facts, scan)))
        parent = self._curated_parent(model_type, definition, parent_hint)
        parent_entry = self.curated(parent) if parent else None
        hint = _curated_params(parent_entry, f"curated size of {parent}") if parent_entry else None
        facts = read_definition(definition, model_type, variant=variant, experts=experts, params_hint=hint,
                                quantization=self.quantization, catalog=catalog)
        own = self._estimate(facts, scan)
        if parent is None or parent_entry is None:
            return own
        return _keep_vram_order(inherited_metrics(model_type, parent, parent_entry, facts, own,
                                                  self._parent_estimate(parent), self.data))

    def _estimate(self, facts: DefinitionFacts, scan: _ScanFacts) -> ModelMetrics:
        basis = {"sizes_basis": scan.sizes_basis} if scan.transformer_bytes else {}
        metrics = estimate(facts, scan.transformer_bytes, scan.text_encoder_bytes, split=scan.split,
                           settings=self.memory_settings, **basis)
        if scan.sizes_basis and not scan.transformer_bytes:
            metrics = metrics.model_copy(update={"basis": f"{metrics.basis}; weights: {scan.sizes_basis}"})
        return metrics

    def _stand_in_definition(self, model_type: str, entry: CuratedEntry | None,
                             record: ModelRecord | None) -> dict[str, Any]:
        if record is not None:
            return {"name": record.name, "architecture": record.architecture or model_type,
                    "description": record.description}
        if entry is not None:
            return entry.definition(model_type)
        return {"architecture": model_type}

    def _curated_parent(self, model_type: str, definition: Mapping[str, Any], parent_hint: str) -> str | None:
        candidates = (definition.get("architecture"), parent_hint, definition.get("parent_model_type"))
        for candidate in candidates:
            if isinstance(candidate, str) and candidate != model_type and candidate in self.data.entries:
                return candidate
        return None

    def _parent_estimate(self, parent: str) -> tuple[DefinitionFacts, ModelMetrics]:
        """The estimator's view of a curated entry's own documented workload."""
        if parent not in self._parents:
            entry = self.data.entries[parent]
            facts = read_definition(entry.definition(parent), parent, variant=entry.workload.variant,
                                    experts=entry.workload.experts, params=_curated_params(entry, "curated"))
            self._parents[parent] = (facts, estimate(facts))
        return self._parents[parent]

    def _curated_metrics(self, model_type: str, entry: CuratedEntry, own: ModelMetrics) -> ModelMetrics:
        citations = {name: self.data.citation(figure) for name, figure in entry.figures().items()
                     if figure.value is not None}
        checkpoint = entry.checkpoint_gb
        # A published size is for one variant; any other variant (or a file on disk) uses the estimate.
        keep_size = (checkpoint.value is not None and checkpoint.variant == own.variant
                     and "checkpoint_gb" not in own.citations)
        if not keep_size:
            citations.pop("checkpoint_gb", None)
        documented = sum(1 for name in SCALED_FIGURES if getattr(entry, name).value is not None)
        return ModelMetrics(
            model_type=model_type, name=own.name, output_type=own.output_type, tasks=own.tasks, source="curated",
            basis=f"curated ({documented} of {len(SCALED_FIGURES)} VRAM/RAM/speed figures documented); "
                  f"gaps estimated: {own.basis}",
            params_b=entry.params_b.value, variant=own.variant,
            checkpoint_gb=checkpoint.value if keep_size else None,
            vram_min_gb=entry.vram_min_gb.value, vram_recommended_gb=entry.vram_recommended_gb.value,
            vram_max_gb=entry.vram_max_gb.value, ram_gb=entry.ram_gb.value,
            speed_tier=entry.speed_tier.value, speed_multiplier=entry.speed_multiplier.value,
            quality_tier=entry.quality_tier.value, best_for=entry.best_for.value or own.best_for,
            notes=entry.notes, similar_faster=entry.similar_faster,
            similar_higher_quality=entry.similar_higher_quality, citations=citations, estimate=own,
            memory=_with_resident_floor(own.memory, entry, self.data),
        )



def _with_resident_floor(memory: MemoryInputs | None, entry: CuratedEntry,
                         data: PerformanceData) -> MemoryInputs | None:
    """The memory model's inputs with Wan2GP's own figure for the resident profiles, when it gives one."""
    figure = entry.resident_vram_gb
    if memory is None or figure.value is None:
        return memory
    cited = data.citation(figure)
    return replace(memory, resident_floor_gb=figure.value,
                   resident_floor_basis=f"{cited.source} {figure.detail}".strip())


@lru_cache(maxsize=1)
def _default_database() -> PerformanceDatabase:
    return PerformanceDatabase(load_performance_data())


def _curated_params(entry: CuratedEntry, basis: str) -> tuple[float, str] | None:
    value = entry.params_b.value
    return (value, f"{value:g}B ({basis})") if value is not None else None


@dataclass(frozen=True, slots=True)
class _ScanFacts:
    """What a scan adds to a definition: the picked variant, the experts, trusted sizes and the parent."""

    variant: str | None = None
    experts: int | None = None
    transformer_bytes: int | None = None
    text_encoder_bytes: int | None = None
    sizes_basis: str = ""
    split: Split | None = None
    parent: str = ""


_NO_SCAN = _ScanFacts()


def _trusted_size(record: FileRecord) -> tuple[int | None, str]:
    """A file's size when it can be trusted, and whence: never a damaged file's size on disk.

    A healthy file on disk: its size; a missing one: the Hub's exact size when known; a damaged one (truncated,
    unreadable header): the size its safetensors header declares, if the header can be read; else None (the
    definition's estimate then stands).
    """
    if record.present and not record.warnings:
        return record.size_bytes, "on disk"
    if not record.present and record.size_bytes and not record.size_is_estimate:
        return record.size_bytes, "exact size from the Hub"
    if record.present:
        declared = header_facts(record.path, record.size_bytes or 0).declared_bytes
        if declared:
            return declared, "the size its safetensors header declares (the file on disk is damaged)"
    return None, ""


def _scan_facts(record: ModelRecord | None) -> _ScanFacts:
    if record is None:
        return _NO_SCAN
    main = [f for f in record.files if f.role in (FileRole.TRANSFORMER, FileRole.TRANSFORMER2)]
    sizes = [_trusted_size(f) for f in main]
    transformer = sum(size for size, _ in sizes) if main and all(size for size, _ in sizes) else None
    basis = "transformer file(s): " + ", ".join(sorted({how for _, how in sizes})) if transformer else ""
    damaged = [f.filename for f in main if f.present and f.warnings]
    if transformer is None and damaged:
        basis = f"the definition's estimate ({', '.join(damaged)} on disk is damaged; its size is not the model's)"
    encoder = next((f for f in record.files if f.role is FileRole.TEXT_ENCODER), None)
    encoder_bytes = _trusted_size(encoder)[0] if encoder is not None else None
    healthy = next((f for f in main if f.present and not f.warnings), None)
    split = header_facts(healthy.path, healthy.size_bytes or 0).split if healthy is not None else None
    return _ScanFacts(main[0].variant if main else None, len(main) or None, transformer, encoder_bytes, basis, split,
                      record.parent_model_type)


def _keep_vram_order(metrics: ModelMetrics) -> ModelMetrics:
    """Make the VRAM figures a reader sees ordered: minimum <= recommended <= maximum.

    Published figures are ordered by the schema, but figures scaled for a child can cross, and
    gap figures from the estimate can contradict documented neighbours; those are moved.
    """
    own = {name: getattr(metrics, name) for name in VRAM_CHAIN}
    highest = 0.0
    for name in VRAM_CHAIN:
        if own[name] is not None:
            own[name] = highest = max(own[name], highest)
    estimated = metrics.estimate
    filled = {name: getattr(estimated, name) for name in VRAM_CHAIN
              if own[name] is None and estimated is not None and getattr(estimated, name) is not None}
    for position, name in enumerate(VRAM_CHAIN):
        if name in filled:
            later = [own[n] for n in VRAM_CHAIN[position + 1:] if own[n] is not None]
            earlier = [v for v in (own[n] if own[n] is not None else filled.get(n) for n in VRAM_CHAIN[:position])
                       if v is not None]
            filled[name] = max([min([filled[name], *later]), *earlier])
    own_changes = {n: v for n, v in own.items() if v != getattr(metrics, n)}
    estimate_changes = {n: v for n, v in filled.items() if estimated is not None and v != getattr(estimated, n)}
    if not own_changes and not estimate_changes:
        return metrics
    update: dict[str, Any] = dict(own_changes)
    if estimated is not None and estimate_changes:
        update["estimate"] = estimated.model_copy(update=estimate_changes)
        update["basis"] = f"{metrics.basis}; estimated VRAM gaps kept between the documented figures"
    return metrics.model_copy(update=update)



def _rank(order: tuple[str, ...], value: str | None) -> int:
    return order.index(value) if value in order else -1


_SORTERS: dict[str, Callable[[ModelMetrics], tuple[Any, ...]]] = {
    "name": lambda m: (m.name.casefold(), m.model_type),
    "speed": lambda m: (m.figure("speed_multiplier") is None, -(m.figure("speed_multiplier") or 0),
                        -_rank(SPEED_TIERS, m.figure("speed_tier")), m.name.casefold()),
    # Many small models share Wan2GP's stated minimum: the profile-3 need then orders them.
    "vram": lambda m: (m.figure("vram_min_gb") is None, m.figure("vram_min_gb") or 0, m.figure("vram_max_gb") or 0,
                       m.name.casefold()),
    "quality": lambda m: (-_rank(QUALITY_TIERS, m.figure("quality_tier")), m.name.casefold()),
    "size": lambda m: (m.figure("disk_gb") is None, m.figure("disk_gb") or 0, m.name.casefold()),
}
SORT_KEYS = tuple(_SORTERS)

