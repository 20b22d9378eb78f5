"""The curated figures file: its pydantic schema, and loading it with errors that name the entry.

``performance_data.json`` (a contributor extends that file, not the code) holds, per model type,
figures with their provenance and source key, and the Wan2GP workload they refer to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..scan.sizing import BYTES_PER_PARAM
from .estimator import Citation, QualityTier, SpeedTier

DATA_FILE = "performance_data.json"
# The data file ships with the top-level package, next to the PerformanceDatabase that reads it.
_DATA_PACKAGE = __package__.rpartition(".")[0]
VRAM_CHAIN = ("vram_min_gb", "vram_recommended_gb", "vram_max_gb")
_CURATED_FIGURES = ("params_b", "checkpoint_gb", "vram_min_gb", "vram_recommended_gb", "vram_max_gb", "ram_gb",
                    "speed_multiplier", "speed_tier", "quality_tier", "best_for")

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
        present = [(n, getattr(self, n).value) for n in VRAM_CHAIN if getattr(self, n).value is not None]
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
        text = resources.files(_DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
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


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in exc.errors())
