"""Curated figures carried over to a finetune or variant that has no entry of its own.

Inherited VRAM, RAM and speed figures are multiplied by the ratio of the estimator's figure for
the child to its figure for the parent's documented workload, so a finetune that runs 8 instead
of 30 steps, loads a GGUF/NVFP4 file, renders 720p instead of 480p or drops classifier-free
guidance moves accordingly. A ratio within 5 % of one keeps the figure as published. Quality
drops one tier for a GGUF child of a non-GGUF parent (Wan2GP changelog L445).
"""

from __future__ import annotations

from typing import Any

from .curated import CuratedEntry, PerformanceData
from .definition_facts import DefinitionFacts
from .estimator import Citation, ModelMetrics, lower_quality, speed_tier_for

# Estimator ratios closer to 1 than this leave an inherited figure as published.
_UNCHANGED_RATIO = 0.05
# Inherited figures that follow the estimator's ratio, and the estimated figure each one follows.
SCALED_FIGURES = {
    "vram_min_gb": "vram_min_gb",
    "vram_recommended_gb": "vram_recommended_gb",
    "vram_max_gb": "vram_resident_gb",
    "ram_gb": "ram_gb",
    "speed_multiplier": "speed_multiplier",
}
_GGUF_CITATION = Citation(provenance="wan2gp", source="Wan2GP docs/CHANGELOG.md (snapshot 8681e9f7)",
                          url="https://github.com/deepbeepmeep/Wan2GP/blob/main/docs/CHANGELOG.md",
                          detail="L445, 20 Jan 2026: GGUF quality is below int8/fp8; one tier lower than the parent")


def inherited_metrics(model_type: str, parent: str, entry: CuratedEntry, facts: DefinitionFacts, own: ModelMetrics,
                      parent_view: tuple[DefinitionFacts, ModelMetrics], data: PerformanceData) -> ModelMetrics:
    """A child's metrics from its curated parent's figures, scaled by the estimator's child/parent ratio.

    ``parent_view`` is the estimator's facts and figures for the parent's documented workload.
    """
    parent_facts, parent_estimate = parent_view
    changes = _workload_changes(parent_facts, facts)
    inherited = f"inherited from {parent}"
    values: dict[str, Any] = {}
    citations: dict[str, Citation] = {}
    for name, counterpart in SCALED_FIGURES.items():
        figure = getattr(entry, name)
        if figure.value is None:
            continue
        ratio = _ratio(getattr(own, counterpart), getattr(parent_estimate, counterpart))
        if ratio is None or abs(ratio - 1) < _UNCHANGED_RATIO:
            values[name] = figure.value
            citations[name] = data.citation(figure, inherited)
        else:
            values[name] = round(figure.value * ratio, 2 if name == "speed_multiplier" else 1)
            cited = data.citation(figure)
            citations[name] = Citation(
                provenance="derived", source=cited.source, url=cited.url, conditions=cited.conditions,
                detail=f"{parent}'s {figure.value:g} x {ratio:.2f}, the estimator's ratio for {changes}")
    for name in ("speed_tier", "quality_tier", "best_for"):
        figure = getattr(entry, name)
        if figure.value is not None:
            values[name] = figure.value
            citations[name] = data.citation(figure, inherited)
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
