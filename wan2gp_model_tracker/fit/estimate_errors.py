"""How far the estimator alone lands from every curated figure (the benchmark behind its constants)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .curated import PerformanceData, SizeFigure, load_performance_data
from .definition_facts import read_definition
from .estimator import estimate


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


def estimator_error_report(defs: Mapping[str, Mapping[str, Any]] | None = None, data: PerformanceData | None = None,
                           quantization: str = "int8") -> ErrorReport:
    """How far the estimator alone lands from every curated figure.

    Each curated model is estimated from its real definition when ``defs`` has it (else from
    the entry's documented workload), without seeing any curated number; a size is compared
    at the variant it was published for.
    """
    data = data or load_performance_data()
    rows = []
    for model_type, entry in data.entries.items():
        definition = (defs or {}).get(model_type) or entry.definition(model_type)
        default = estimate(read_definition(definition, model_type, quantization=quantization, catalog=defs))
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
