"""Curated performance figures per model, with the estimator filling every gap.

The figures live in ``performance_data.json`` (a contributor extends that file, not this
code); a pydantic schema checks it when it is loaded, and a bad entry raises a
PerformanceDataError naming the entry. ``PerformanceDatabase.get_metrics`` answers for any
model type in this order:

1. a curated entry for the model type itself;
2. a curated entry for its architecture or parent (``model_def["architecture"]``, the
   scan's ``parent_model_type``, the definition's own ``parent_model_type``). Inherited
   VRAM, RAM and speed figures are multiplied by the ratio of the estimator's figure for the
   child to its figure for the parent's documented workload, so a finetune that runs 8
   instead of 30 steps, loads a GGUF/NVFP4 file, renders 720p instead of 480p or drops
   classifier-free guidance moves accordingly. A ratio within 5 % of one keeps the figure as
   published. Quality drops one tier for a GGUF child of a non-GGUF parent (Wan2GP changelog
   L445). Such records say ``curated (from <parent>)``;
3. the estimator alone (``source == "estimated"``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .fit.estimator import (
    NOT_DOCUMENTED,
    QUALITY_TIERS,
    SPEED_TIERS,
    Citation,
    DefinitionFacts,
    ModelMetrics,
    QualityTier,
    SpeedTier,
    estimate,
    lower_quality,
    read_definition,
    speed_tier_for,
)
from .fit.memory import MemoryInputs
from .records import FileRole, Inventory, ModelRecord, ModelStatus
from .scan.sizing import BYTES_PER_PARAM

__all__ = [
    "Citation", "CuratedEntry", "EstimateError", "ErrorReport", "ModelMetrics", "PerformanceData",
    "PerformanceDataError", "PerformanceDatabase", "estimator_error_report", "load_performance_data",
]

DATA_FILE = "performance_data.json"
# Estimator ratios closer to 1 than this leave an inherited figure as published.
_UNCHANGED_RATIO = 0.05
# Inherited figures that follow the estimator's ratio, and the estimated figure each one follows.
_SCALED_FIGURES = {
    "vram_min_gb": "vram_min_gb",
    "vram_recommended_gb": "vram_recommended_gb",
    "vram_max_gb": "vram_resident_gb",
    "ram_gb": "ram_gb",
    "speed_multiplier": "speed_multiplier",
}
_VRAM_CHAIN = ("vram_min_gb", "vram_recommended_gb", "vram_max_gb")
_CURATED_FIGURES = ("params_b", "checkpoint_gb", "vram_min_gb", "vram_recommended_gb", "vram_max_gb", "ram_gb",
                    "speed_multiplier", "speed_tier", "quality_tier", "best_for")
_GGUF_CITATION = Citation(provenance="wan2gp", source="Wan2GP docs/CHANGELOG.md (snapshot 8681e9f7)",
                          url="https://github.com/deepbeepmeep/Wan2GP/blob/main/docs/CHANGELOG.md",
                          detail="L445, 20 Jan 2026: GGUF quality is below int8/fp8; one tier lower than the parent")

CuratedProvenance = Literal["maker", "wan2gp", "user", "third_party", "derived", "not_documented"]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
T = TypeVar("T")


class PerformanceDataError(ValueError):
    """The curated data file is malformed; the message names the entry and the field."""


class Sourced(BaseModel, Generic[T]):
    """One curated figure: a value (None = not documented), its provenance and its source key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: T | None = None
    provenance: CuratedProvenance
    source: str = ""
    detail: str = ""
    conditions: str = ""

    @model_validator(mode="after")
    def _documented_or_not(self) -> Sourced[T]:
        if self.value is None and self.provenance != "not_documented":
            raise ValueError("a figure without a value must say provenance 'not_documented'")
        if self.value is not None and self.provenance == "not_documented":
            raise ValueError("a figure with a value cannot be 'not_documented'")
        if self.value is not None and not self.source:
            raise ValueError("a figure with a value needs a source")
        return self


class SizeFigure(Sourced[NonNegative]):
    """A file size, which only means something for the variant it was measured on."""

    variant: str | None = None

    @model_validator(mode="after")
    def _variant_known(self) -> SizeFigure:
        if self.value is not None and self.variant not in BYTES_PER_PARAM:
            raise ValueError(f"variant must be one of {sorted(BYTES_PER_PARAM)} when a size is given")
        return self


class Workload(BaseModel):
    """The Wan2GP defaults the entry's figures refer to; inheritance compares children against it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resolution: str | None = Field(default=None, pattern=r"^\d+x\d+$")
    video_length: int = Field(ge=0)
    num_inference_steps: int = Field(ge=0)
    guidance_scale: float | None = None
    experts: Literal[1, 2] = 1
    variant: str
    source: str
    detail: str = ""

    @model_validator(mode="after")
    def _variant_known(self) -> Workload:
        if self.variant not in BYTES_PER_PARAM:
            raise ValueError(f"variant must be one of {sorted(BYTES_PER_PARAM)}")
        return self


class SourceRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1)
    url: str = ""


class CuratedEntry(BaseModel):
    """Everything curated about one model type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    architecture: str | None = None
    workload: Workload
    params_b: Sourced[Positive]
    checkpoint_gb: SizeFigure
    vram_min_gb: Sourced[NonNegative]
    vram_recommended_gb: Sourced[NonNegative]
    vram_max_gb: Sourced[NonNegative]
    ram_gb: Sourced[NonNegative]
    speed_multiplier: Sourced[Positive]
    speed_tier: Sourced[SpeedTier]
    quality_tier: Sourced[QualityTier]
    best_for: Sourced[str]
    # VRAM Wan2GP states for running the model resident (profiles 3/3+), when it says more than the model gives.
    resident_vram_gb: Sourced[NonNegative] = Sourced[NonNegative](provenance="not_documented")
    notes: str = ""
    similar_faster: tuple[str, ...] = ()
    similar_higher_quality: tuple[str, ...] = ()
    similar_source: str = ""

    @model_validator(mode="after")
    def _vram_in_order(self) -> CuratedEntry:
        present = [(n, getattr(self, n).value) for n in _VRAM_CHAIN if getattr(self, n).value is not None]
        for (low_name, low), (high_name, high) in zip(present, present[1:], strict=False):
            if low > high:
                raise ValueError(f"{low_name} ({low:g}) is larger than {high_name} ({high:g})")
        return self

    def figures(self) -> dict[str, Sourced[Any]]:
        return {name: getattr(self, name) for name in _CURATED_FIGURES}

    def definition(self, model_type: str) -> dict[str, Any]:
        """A minimal definition of the documented workload, for the estimator."""
        workload = self.workload
        settings: dict[str, Any] = {"video_length": workload.video_length,
                                    "num_inference_steps": workload.num_inference_steps}
        if workload.resolution:
            settings["resolution"] = workload.resolution
        if workload.guidance_scale is not None:
            settings["guidance_scale"] = workload.guidance_scale
        return {"name": self.name, "architecture": self.architecture or model_type, "settings": settings}


class _DataFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1]
    about: str = ""
    reference_model: str
    sources: dict[str, SourceRef]
    models: dict[str, Any]


@dataclass(frozen=True)
class PerformanceData:
    """The validated contents of a performance data file."""

    reference_model: str
    sources: Mapping[str, SourceRef]
    entries: Mapping[str, CuratedEntry]

    def citation(self, figure: Sourced[Any], note: str = "") -> Citation:
        ref = self.sources[figure.source]
        detail = "; ".join(part for part in (figure.detail, note) if part)
        return Citation(provenance=figure.provenance,  # type: ignore[arg-type]  # never "not_documented" here
                        source=ref.title, url=ref.url, detail=detail, conditions=figure.conditions)


def load_performance_data(text: str | None = None) -> PerformanceData:
    """Parse and validate a data file (the packaged one when ``text`` is None)."""
    if text is None:
        text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise PerformanceDataError(f"{DATA_FILE} is not valid JSON: {exc}") from exc
    try:
        data = _DataFile.model_validate(raw)
    except ValidationError as exc:
        raise PerformanceDataError(f"{DATA_FILE} is malformed: {_describe(exc)}") from exc
    entries: dict[str, CuratedEntry] = {}
    for model_type, body in data.models.items():
        try:
            entry = CuratedEntry.model_validate(body)
        except ValidationError as exc:
            raise PerformanceDataError(f"performance data entry {model_type!r} is invalid: {_describe(exc)}") from exc
        keys = [(name, figure.source) for name, figure in entry.figures().items() if figure.value is not None]
        keys.append(("workload", entry.workload.source))
        for name, key in keys:
            if key not in data.sources:
                raise PerformanceDataError(
                    f"performance data entry {model_type!r} is invalid: {name} cites unknown source {key!r}")
        entries[model_type] = entry
    if data.reference_model not in entries:
        raise PerformanceDataError(f"reference_model {data.reference_model!r} has no entry")
    return PerformanceData(data.reference_model, data.sources, entries)


def _unavailable_metrics(record: ModelRecord, exc: Exception) -> ModelMetrics:
    """No figures, and the reason in the notes, for a model whose figures could not be worked out."""
    reason = f"{type(exc).__name__}: {exc}"[:300]
    return ModelMetrics(model_type=record.model_type, name=record.name, output_type=record.output_type, tasks=(),
                        source=NOT_DOCUMENTED, basis="the figures could not be worked out from this definition",
                        notes=f"figures unavailable ({reason})")


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in exc.errors())


_RecordKey = tuple[str | None, int | None, int | None, int | None, str]


class PerformanceDatabase:
    """Metrics per model type: curated, inherited from a curated parent, or estimated."""

    def __init__(self, data: PerformanceData, quantization: str = "int8") -> None:
        self.data = data
        self.quantization = quantization
        self._cache: dict[str, tuple[Any, Any, _RecordKey, ModelMetrics]] = {}
        self._parents: dict[str, tuple[DefinitionFacts, ModelMetrics]] = {}

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
        key = _record_key(record)
        cached = self._cache.get(model_type)
        if cached is not None and cached[0] is model_def and cached[1] is catalog and cached[2] == key:
            return cached[3]
        metrics = self._compute(model_type, model_def, record, catalog, key)
        self._cache[model_type] = (model_def, catalog, key, metrics)
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
                 catalog: Mapping[str, dict] | None, key: _RecordKey) -> ModelMetrics:
        variant, experts, measured, measured_te, parent_hint = key
        entry = self.curated(model_type)
        definition = model_def if model_def is not None else self._stand_in_definition(model_type, entry, record)
        if entry is not None:
            if model_def is None and record is None:
                variant, experts = entry.workload.variant, entry.workload.experts
            facts = read_definition(definition, model_type, variant=variant, experts=experts,
                                    params=_curated_params(entry, "curated"), quantization=self.quantization,
                                    catalog=catalog)
            return _keep_vram_order(self._curated_metrics(model_type, entry, estimate(facts, measured, measured_te)))
        parent = self._curated_parent(model_type, definition, parent_hint)
        parent_entry = self.curated(parent) if parent else None
        hint = _curated_params(parent_entry, f"curated size of {parent}") if parent_entry else None
        facts = read_definition(definition, model_type, variant=variant, experts=experts, params_hint=hint,
                                quantization=self.quantization, catalog=catalog)
        own = estimate(facts, measured, measured_te)
        if parent is None or parent_entry is None:
            return own
        return _keep_vram_order(self._inherited_metrics(model_type, parent, parent_entry, facts, own))

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
        documented = sum(1 for name in _SCALED_FIGURES if getattr(entry, name).value is not None)
        return ModelMetrics(
            model_type=model_type, name=own.name, output_type=own.output_type, tasks=own.tasks, source="curated",
            basis=f"curated ({documented} of {len(_SCALED_FIGURES)} VRAM/RAM/speed figures documented); "
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

    def _inherited_metrics(self, model_type: str, parent: str, entry: CuratedEntry, facts: DefinitionFacts,
                           own: ModelMetrics) -> ModelMetrics:
        parent_facts, parent_estimate = self._parent_estimate(parent)
        changes = _workload_changes(parent_facts, facts)
        inherited = f"inherited from {parent}"
        values: dict[str, Any] = {}
        citations: dict[str, Citation] = {}
        for name, counterpart in _SCALED_FIGURES.items():
            figure = getattr(entry, name)
            if figure.value is None:
                continue
            ratio = _ratio(getattr(own, counterpart), getattr(parent_estimate, counterpart))
            if ratio is None or abs(ratio - 1) < _UNCHANGED_RATIO:
                values[name] = figure.value
                citations[name] = self.data.citation(figure, inherited)
            else:
                values[name] = round(figure.value * ratio, 2 if name == "speed_multiplier" else 1)
                cited = self.data.citation(figure)
                citations[name] = Citation(
                    provenance="derived", source=cited.source, url=cited.url, conditions=cited.conditions,
                    detail=f"{parent}'s {figure.value:g} x {ratio:.2f}, the estimator's ratio for {changes}")
        for name in ("speed_tier", "quality_tier", "best_for"):
            figure = getattr(entry, name)
            if figure.value is not None:
                values[name] = figure.value
                citations[name] = self.data.citation(figure, inherited)
        if "speed_multiplier" in values and citations["speed_multiplier"].provenance == "derived":
            values["speed_tier"] = speed_tier_for(values["speed_multiplier"], own.output_type, own.params_b)
            citations["speed_tier"] = Citation(provenance="derived", source="tier of the adjusted speed multiplier")
        gguf_child = own.variant.startswith("GGUF") and not entry.workload.variant.startswith("GGUF")
        if gguf_child and "quality_tier" in values:
            values["quality_tier"] = lower_quality(values["quality_tier"])
            citations["quality_tier"] = _GGUF_CITATION
        params = own.params_b if facts.params_from_definition else entry.params_b.value
        notes = f"Figures inherited from {parent} ({entry.name}). {entry.notes}".strip()
        return ModelMetrics(
            model_type=model_type, name=own.name, output_type=own.output_type, tasks=own.tasks,
            source=f"curated (from {parent})",
            basis=f"{parent}'s curated figures adjusted for {changes}; gaps estimated: {own.basis}",
            params_b=params, variant=own.variant, notes=notes,
            similar_faster=tuple(t for t in entry.similar_faster if t != model_type),
            similar_higher_quality=tuple(t for t in entry.similar_higher_quality if t != model_type),
            citations=citations, estimate=own, memory=own.memory, **values,
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


def _record_key(record: ModelRecord | None) -> _RecordKey:
    """What a scan adds to a definition: the picked variant, the experts, measured sizes and the parent."""
    if record is None:
        return None, None, None, None, ""
    main = [f for f in record.files if f.role in (FileRole.TRANSFORMER, FileRole.TRANSFORMER2)]
    variant = main[0].variant if main else None
    measured = sum(f.size_bytes or 0 for f in main) if main and all(f.present and f.size_bytes for f in main) else None
    text_encoder = next((f.size_bytes for f in record.files if f.role is FileRole.TEXT_ENCODER and f.present), None)
    return variant, len(main) or None, measured, text_encoder, record.parent_model_type


def _keep_vram_order(metrics: ModelMetrics) -> ModelMetrics:
    """Make the VRAM figures a reader sees ordered: minimum <= recommended <= maximum.

    Published figures are ordered by the schema, but figures scaled for a child can cross, and
    gap figures from the estimate can contradict documented neighbours; those are moved.
    """
    own = {name: getattr(metrics, name) for name in _VRAM_CHAIN}
    highest = 0.0
    for name in _VRAM_CHAIN:
        if own[name] is not None:
            own[name] = highest = max(own[name], highest)
    estimated = metrics.estimate
    filled = {name: getattr(estimated, name) for name in _VRAM_CHAIN
              if own[name] is None and estimated is not None and getattr(estimated, name) is not None}
    for position, name in enumerate(_VRAM_CHAIN):
        if name in filled:
            later = [own[n] for n in _VRAM_CHAIN[position + 1:] if own[n] is not None]
            earlier = [v for v in (own[n] if own[n] is not None else filled.get(n) for n in _VRAM_CHAIN[:position])
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


def _ratio(child: float | None, parent: float | None) -> float | None:
    if child is None or not parent:
        return None
    return child / parent


def _workload_changes(parent: DefinitionFacts, child: DefinitionFacts) -> str:
    """The differences that move the estimate, in words."""
    changes = []
    if (parent.steps, parent.passes) != (child.steps, child.passes):
        changes.append(f"{child.steps} steps x{child.passes} passes instead of {parent.steps} x{parent.passes}")
    if parent.variant != child.variant:
        changes.append(f"{child.variant or '16-bit'} weights instead of {parent.variant or '16-bit'}")
    if parent.experts != child.experts:
        changes.append(f"{child.experts} experts instead of {parent.experts}")
    if (parent.width, parent.height, parent.frames) != (child.width, child.height, child.frames):
        changes.append(f"{child.width}x{child.height}x{child.frames} instead of "
                       f"{parent.width}x{parent.height}x{parent.frames}")
    if parent.params_b != child.params_b:
        changes.append(f"{child.params_b:g}B instead of {parent.params_b:g}B")
    return "; ".join(changes) or "the same workload"


def _rank(order: tuple[str, ...], value: str | None) -> int:
    return order.index(value) if value in order else -1


_SORTERS: dict[str, Callable[[ModelMetrics], tuple[Any, ...]]] = {
    "name": lambda m: (m.name.casefold(), m.model_type),
    "speed": lambda m: (m.figure("speed_multiplier") is None, -(m.figure("speed_multiplier") or 0),
                        -_rank(SPEED_TIERS, m.figure("speed_tier")), m.name.casefold()),
    "vram": lambda m: (m.figure("vram_min_gb") is None, m.figure("vram_min_gb") or 0, m.name.casefold()),
    "quality": lambda m: (-_rank(QUALITY_TIERS, m.figure("quality_tier")), m.name.casefold()),
    "size": lambda m: (m.figure("disk_gb") is None, m.figure("disk_gb") or 0, m.name.casefold()),
}
SORT_KEYS = tuple(_SORTERS)


@dataclass(frozen=True, slots=True)
class EstimateError:
    """The estimator's figure next to the curated one for one model."""

    model_type: str
    figure: str
    curated: float
    estimated: float

    @property
    def error_pct(self) -> float:
        return 100.0 * (self.estimated - self.curated) / self.curated


@dataclass(frozen=True, slots=True)
class ErrorReport:
    rows: tuple[EstimateError, ...]

    def mean_abs_pct(self, figure: str | None = None) -> float | None:
        """Mean absolute percentage error, over one figure or all of them."""
        errors = [abs(r.error_pct) for r in self.rows if figure is None or r.figure == figure]
        return sum(errors) / len(errors) if errors else None

    def as_table(self) -> str:
        lines = [f"{'model':18} {'figure':20} {'curated':>8} {'estimated':>9} {'error':>8}"]
        lines += [f"{r.model_type:18} {r.figure:20} {r.curated:8.2f} {r.estimated:9.2f} {r.error_pct:+7.1f}%"
                  for r in self.rows]
        figures = dict.fromkeys(r.figure for r in self.rows)
        lines += [f"mean |error| {name}: {self.mean_abs_pct(name):.1f}%" for name in figures]
        overall = self.mean_abs_pct()
        if overall is not None:
            lines.append(f"mean |error| overall: {overall:.1f}%")
        return "\n".join(lines)


# Curated figure -> estimated figure it is compared with ("vram_max_gb" is the resident need).
_COMPARED = {"params_b": "params_b", "checkpoint_gb": "checkpoint_gb", "vram_min_gb": "vram_min_gb",
             "vram_recommended_gb": "vram_recommended_gb", "vram_max_gb": "vram_resident_gb", "ram_gb": "ram_gb"}


def estimator_error_report(defs: Mapping[str, Mapping[str, Any]] | None = None,
                           db: PerformanceDatabase | None = None) -> ErrorReport:
    """How far the estimator alone lands from every curated figure.

    Each curated model is estimated from its real definition when ``defs`` has it (else from
    the entry's documented workload), without seeing any curated number; a size is compared
    at the variant it was published for.
    """
    db = db or PerformanceDatabase.default()
    rows = []
    for model_type, entry in db.data.entries.items():
        definition = (defs or {}).get(model_type) or entry.definition(model_type)
        default = estimate(read_definition(definition, model_type, quantization=db.quantization, catalog=defs))
        for figure, counterpart in _COMPARED.items():
            curated = getattr(entry, figure)
            if not curated.value:
                continue
            estimated_metrics = default
            if isinstance(curated, SizeFigure) and curated.variant != default.variant:
                estimated_metrics = estimate(read_definition(definition, model_type, variant=curated.variant,
                                                             catalog=defs))
            estimated = getattr(estimated_metrics, counterpart)
            if estimated is not None:
                rows.append(EstimateError(model_type, figure, float(curated.value), float(estimated)))
    return ErrorReport(tuple(rows))
