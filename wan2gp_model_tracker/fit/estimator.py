"""Figures for a model nobody has published numbers for, worked out from its definition alone.

Everything here is arithmetic on what a Wan2GP definition states (name, architecture, file
names, default settings, as definition_facts.py reads them) plus a few constants, each of which
says where it comes from. The results are labelled ``estimated`` and carry a one-line basis; curated figures
(performance_db.py) always win over them.

VRAM and RAM come from the per-profile memory model (memory.py): the weights of the variant
Wan2GP would load (parameters x bytes per parameter, sizing.py; a Wan2.2-style second expert in
``URLs2`` adds RAM, not VRAM, since one expert runs at a time, CHANGELOG L1020), the text encoder,
and working memory for the latent tokens of the definition's default workload (workload.py). The
figures shown are the leanest profile's (minimum), profile 4's (recommended, Wan2GP's default)
and profile 3's (the whole transformer resident).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..records import MemorySettings
from ..scan.sizing import bytes_per_param
from .definition_facts import DefinitionFacts, read_definition
from .floors import vram_floor
from .memory import MemoryInputs, profile_needs
from .pipeline import latent_tokens, memory_inputs, model_width
from .shapes import Split
from .workload import (  # the defaults are re-exported: callers and tests read them from here
    DEFAULT_FRAMES,
    DEFAULT_RESOLUTION,
    DEFAULT_STEPS,
    DISTILLED_STEPS,  # noqa: F401
    EMBEDDED_GUIDANCE_FAMILIES,
)

SpeedTier = Literal["fast", "medium", "slow"]
QualityTier = Literal["low", "medium", "high", "highest"]
Provenance = Literal["maker", "wan2gp", "user", "third_party", "derived", "measured", "estimated"]

SPEED_TIERS: tuple[str, ...] = ("slow", "medium", "fast")
QUALITY_TIERS: tuple[str, ...] = ("low", "medium", "high", "highest")
ESTIMATED = "estimated"
NOT_DOCUMENTED = "not documented"
# The figures a ModelMetrics carries, in display order.
FIGURES = ("params_b", "checkpoint_gb", "disk_gb", "weights_vram_gb", "vram_min_gb", "vram_recommended_gb",
           "vram_max_gb", "vram_resident_gb", "ram_gb", "speed_tier", "speed_multiplier", "quality_tier")

# Flux models use embedded (distilled) guidance, a single pass per step (flux_handler, MODEL_FACTS 1b).
_EMBEDDED_GUIDANCE_FAMILIES = EMBEDDED_GUIDANCE_FAMILIES

# Speed reference: Wan2.1 t2v 14B at Wan2GP's defaults, with classifier-free guidance (2 passes).
REFERENCE_MODEL = "t2v"
_REFERENCE_PARAMS_B = 14.0
_REFERENCE_PASSES = 2
# (fast, medium) lower bounds of the speed multiplier per output type. The reference (1x) is "Medium" in
# Wan2GP's own speed table (old docs/MODELS.md), so video is medium from 0.75x. Images are compared with
# the same 81-frame video reference, so their bounds are higher: Flux 1 Dev (about 39x) is "medium".
SPEED_TIER_BOUNDS = {"video": (4.0, 0.75), "image": (60.0, 20.0)}
_SPEED_TIER_BOUNDS = SPEED_TIER_BOUNDS
# Audio models have no frame workload to compare; their tier follows their size (assumed bounds, B).
_AUDIO_TIER_PARAMS = (1.0, 4.0)


# Quality heuristic: (high, medium) lower bounds in billions of parameters per output type.
# Audio models are ranked among audio models only (assumed bounds).
_QUALITY_PARAM_BOUNDS = {"video": (13.0, 5.0), "image": (12.0, 4.0), "audio": (4.0, 1.5)}
# GGUF quality is below int8/fp8 (Wan2GP changelog L445, 20 Jan 2026).
GGUF_QUALITY_NOTE = "GGUF quality is below int8/fp8 (Wan2GP docs/CHANGELOG.md L445, 20 Jan 2026)"


_LANGUAGE_MODEL_RE = re.compile(r"\bLM[_ ](\d{1,3}(?:[._]\d{1,3})?)B\b")


class Citation(BaseModel):
    """Where one figure comes from."""

    model_config = ConfigDict(frozen=True)

    provenance: Provenance
    source: str
    url: str = ""
    detail: str = ""
    conditions: str = ""


class ModelMetrics(BaseModel):
    """VRAM, RAM, size, speed and quality of one model, with where each figure comes from.

    Curated records hold None where the sources are silent ("not documented"); ``estimate``
    then carries the estimator's figures, and ``figure()`` falls back to them.
    """

    model_config = ConfigDict(frozen=True)

    model_type: str
    name: str
    output_type: str
    tasks: tuple[str, ...]
    source: str
    basis: str
    params_b: float | None = None
    variant: str = ""
    checkpoint_gb: float | None = None
    disk_gb: float | None = None
    weights_vram_gb: float | None = None
    vram_min_gb: float | None = None
    vram_recommended_gb: float | None = None
    vram_max_gb: float | None = None
    vram_resident_gb: float | None = None
    ram_gb: float | None = None
    speed_tier: SpeedTier | None = None
    speed_multiplier: float | None = None
    quality_tier: QualityTier | None = None
    best_for: str = ""
    notes: str = ""
    similar_faster: tuple[str, ...] = ()
    similar_higher_quality: tuple[str, ...] = ()
    citations: dict[str, Citation] = {}
    estimate: ModelMetrics | None = None
    # The per-profile memory model's inputs; the fit verdict is judged from them (fit/verdict.py).
    memory: MemoryInputs | None = None

    @property
    def is_estimate(self) -> bool:
        return self.source == ESTIMATED

    def figure(self, name: str) -> Any:
        """A figure, taken from the estimate when this record does not document it."""
        value = getattr(self, name)
        if value is None and self.estimate is not None:
            return getattr(self.estimate, name)
        return value

    def is_estimated(self, name: str) -> bool:
        return self.provenance_of(name) == ESTIMATED

    def provenance_of(self, name: str) -> str:
        """The provenance label a UI shows next to ``figure(name)``."""
        if getattr(self, name) is not None:
            citation = self.citations.get(name)
            return citation.provenance if citation else (ESTIMATED if self.is_estimate else "curated")
        if self.estimate is not None and getattr(self.estimate, name) is not None:
            return self.estimate.provenance_of(name)
        return NOT_DOCUMENTED

    def as_contract(self) -> dict[str, Any]:
        """The JSON contract form: every figure as a reader sees it, and where each one comes from."""
        data: dict[str, Any] = {name: self.figure(name) for name in FIGURES}
        data.update(
            # A multiplier worked out from parameters and workload, never timed on a GPU.
            speed_multiplier_theoretical=self.provenance_of("speed_multiplier") in ("derived", ESTIMATED),
            best_for=self.best_for, notes=self.notes, source=self.source, basis=self.basis,
            similar_faster=list(self.similar_faster), similar_higher_quality=list(self.similar_higher_quality),
            tasks=list(self.tasks), variant=self.variant,
            provenance={name: self.provenance_of(name) for name in FIGURES},
            citations={name: c.model_dump() for name, c in self.citations.items()},
        )
        return data

    def table_cells(self) -> dict[str, str]:
        """Short text cells for tables; "~" marks an estimated number and "*" an estimated tier."""
        return dict(self._table_cells)

    @cached_property
    def _table_cells(self) -> dict[str, str]:
        # Computed once per record: metrics are cached between refreshes and the table is rebuilt often.
        vram = _gb_range(self.figure("vram_min_gb"), self.figure("vram_recommended_gb"))
        estimated_vram = self.is_estimated("vram_min_gb") or self.is_estimated("vram_recommended_gb")
        ram = self.figure("ram_gb")
        return {
            "speed": self._tier_cell("speed_tier"),
            "vram (GB)": f"~{vram}" if estimated_vram and vram != NOT_DOCUMENTED else vram,
            "ram (GB)": NOT_DOCUMENTED if ram is None else f"{'~' if self.is_estimated('ram_gb') else ''}{ram:g}",
            "quality": self._tier_cell("quality_tier"),
            "best for": self.best_for or NOT_DOCUMENTED,
            "figures": self.source,
        }

    def _tier_cell(self, name: str) -> str:
        value = self.figure(name)
        if value is None:
            return NOT_DOCUMENTED
        return f"{value}*" if self.is_estimated(name) else str(value)


def _gb_range(low: float | None, high: float | None) -> str:
    if low is None:
        return NOT_DOCUMENTED if high is None else f"{high:g}"
    return f"{low:g}" if high is None or high == low else f"{low:g}-{high:g}"



def estimate_from_architecture(
    model_def: Mapping[str, Any] | None,
    model_type: str = "",
    *,
    variant: str | None = None,
    quantization: str = "int8",
    catalog: Mapping[str, dict] | None = None,
    measured_checkpoint_bytes: int | None = None,
    measured_text_encoder_bytes: int | None = None,
) -> ModelMetrics:
    """Estimated metrics for a definition (see the module docstring for the model)."""
    facts = read_definition(model_def, model_type, variant=variant, quantization=quantization, catalog=catalog)
    return estimate(facts, measured_checkpoint_bytes, measured_text_encoder_bytes)


def estimate(
    facts: DefinitionFacts,
    measured_checkpoint_bytes: int | None = None,
    measured_text_encoder_bytes: int | None = None,
    *,
    sizes_basis: str = "transformer file(s) on disk",
    split: Split | None = None,
    settings: MemorySettings | None = None,
) -> ModelMetrics:
    """Estimated metrics from collected facts; known file sizes (``sizes_basis`` says whence: never a damaged
    file, performance_db.py) replace computed ones; ``split`` is the transformer's from a header on disk."""
    citations: dict[str, Citation] = {}
    if measured_checkpoint_bytes:
        checkpoint = measured_checkpoint_bytes / 1e9
        weights = checkpoint / facts.experts
        citations["checkpoint_gb"] = Citation(provenance="measured", source=sizes_basis)
        weights_basis = sizes_basis
    else:
        weights = facts.params_b * bytes_per_param(facts.variant)
        checkpoint = weights * facts.experts
        weights_basis = f"the definition's estimate ({facts.params_b:g}B x {bytes_per_param(facts.variant):g} bytes)"
    # The text encoder as wgp_config.json's text_encoder_quantization picks it (Wan2GP's default int8, HOST.md 8).
    encoder_bytes = bytes_per_param((settings or MemorySettings()).text_encoder_quantization)
    text_encoder = 0.0
    if measured_text_encoder_bytes:
        text_encoder = measured_text_encoder_bytes / 1e9
    elif facts.text_encoder is not None:
        text_encoder = facts.text_encoder[1] * encoder_bytes

    # A language model that writes the audio codes first (ACE-Step "LM_1.7B") runs like a text encoder.
    language_model = _LANGUAGE_MODEL_RE.search(facts.name)
    prompt_models = text_encoder
    if language_model:
        prompt_models += float(language_model.group(1).replace("_", ".")) * encoder_bytes
    memory = memory_inputs(facts, weights, prompt_models, split=split, weights_basis=weights_basis,
                           settings=settings)
    needs = profile_needs(memory)
    leanest = min(needs.values(), key=lambda n: n.vram_gb)
    # The VRAM column is what a person filters by: below a minimum Wan2GP states, the modelled need is not an
    # answer (Flux streams in ~2 GB on profile 5, yet Wan2GP asks for 8 GB), so the stated minimum shows instead.
    floor = vram_floor(facts.output_type, facts.family)
    vram = {"vram_min_gb": (leanest.vram_gb, "leanest profile"),
            "vram_recommended_gb": (needs["4"].vram_gb, "profile 4"), "vram_max_gb": (needs["3"].vram_gb, "profile 3")}
    for name, (need, where) in vram.items():
        if need < floor.gb:
            citations[name] = Citation(provenance="wan2gp", source=floor.source,
                                       detail=f"the memory model's {where} needs about {need:.1f} GB")
    vram_min, vram_recommended, vram_max = (max(need, floor.gb) for need, _ in vram.values())
    multiplier = speed_multiplier(facts)
    return ModelMetrics(
        model_type=facts.model_type,
        name=facts.name,
        output_type=facts.output_type,
        tasks=facts.tasks,
        source=ESTIMATED,
        basis=_basis(facts),
        params_b=facts.params_b,
        variant=facts.variant,
        checkpoint_gb=_round(checkpoint),
        disk_gb=_round(checkpoint + text_encoder),
        weights_vram_gb=_round(weights),
        # The memory model's figures on a card that holds every model whole: the leanest profile, Wan2GP's default
        # profile 4 and profile 3 (the whole transformer resident), none below Wan2GP's stated minimum.
        vram_min_gb=_round(vram_min),
        vram_recommended_gb=_round(vram_recommended),
        vram_max_gb=_round(vram_max),
        vram_resident_gb=_round(needs["3"].vram_gb),
        ram_gb=_round(needs["4"].ram_gb),
        speed_tier=speed_tier_for(multiplier, facts.output_type, facts.params_b),
        speed_multiplier=None if multiplier is None else round(multiplier, 2),
        quality_tier=_quality_tier(facts),
        best_for=", ".join(facts.tasks),
        notes=GGUF_QUALITY_NOTE if facts.variant.startswith("GGUF") else "",
        citations=citations,
        memory=memory,
    )


def speed_multiplier(facts: DefinitionFacts) -> float | None:
    """How many times faster than Wan2.1 t2v 14B at Wan2GP's defaults; None for audio.

    Cost = parameters x tokens x (1 + tokens / (6 x width)) x steps x guidance passes: the
    linear layers plus attention of a transformer, per denoising step.
    """
    if facts.output_type == "audio":
        return None
    cost = _step_cost(facts.params_b, latent_tokens(facts)) * facts.steps * facts.passes
    return _REFERENCE_COST / cost if cost else None


def speed_tier_for(multiplier: float | None, output_type: str, params_b: float | None = None) -> SpeedTier | None:
    """The tier for a speed multiplier (audio: for a parameter count)."""
    if output_type == "audio":
        if params_b is None:
            return None
        small, medium = _AUDIO_TIER_PARAMS
        return "fast" if params_b <= small else "medium" if params_b <= medium else "slow"
    if multiplier is None:
        return None
    fast, medium = _SPEED_TIER_BOUNDS.get(output_type, _SPEED_TIER_BOUNDS["video"])
    return "fast" if multiplier >= fast else "medium" if multiplier >= medium else "slow"


def lower_quality(tier: QualityTier | None) -> QualityTier | None:
    """One quality tier down (the lowest stays)."""
    if tier is None:
        return None
    return QUALITY_TIERS[max(QUALITY_TIERS.index(tier) - 1, 0)]  # type: ignore[return-value]


def _step_cost(params_b: float, tokens: int) -> float:
    return params_b * tokens * (1 + tokens / (6 * model_width(params_b)))


def _reference_facts() -> DefinitionFacts:
    width, height = DEFAULT_RESOLUTION
    return DefinitionFacts(
        model_type=REFERENCE_MODEL, name="Wan2.1 Text2video 14B", architecture=REFERENCE_MODEL, family="wan",
        output_type="video", description="", params_b=_REFERENCE_PARAMS_B, params_basis="",
        params_from_definition=True,
        experts=1, variant="int8", variant_basis="", width=width, height=height, frames=DEFAULT_FRAMES,
        steps=DEFAULT_STEPS, passes=_REFERENCE_PASSES, distilled=False, text_encoder=None, tasks=("text-to-video",),
    )


_REFERENCE = _reference_facts()
_REFERENCE_COST = _step_cost(_REFERENCE.params_b, latent_tokens(_REFERENCE)) * _REFERENCE.steps * _REFERENCE.passes



def _quality_tier(facts: DefinitionFacts) -> QualityTier | None:
    bounds = _QUALITY_PARAM_BOUNDS.get(facts.output_type)
    if bounds is None:
        return None
    high, medium = bounds
    tier: QualityTier = "high" if facts.params_b >= high else "medium" if facts.params_b >= medium else "low"
    return lower_quality(tier) if facts.variant.startswith("GGUF") else tier


def _basis(facts: DefinitionFacts) -> str:
    weights = f"{facts.variant or '16-bit'} weights ({facts.variant_basis})"
    if facts.experts > 1:
        weights += f" x{facts.experts} experts"
    if facts.output_type == "audio":
        workload = "no frame workload (audio)"
    else:
        frames = f", {facts.frames} frames" if facts.output_type == "video" else ""
        workload = f"{facts.width}x{facts.height}{frames}, {facts.steps} steps x{facts.passes} passes"
        if facts.batch > 1:
            workload += f", batch of {facts.batch}"
    # Settings the definition got wrong are named here, on that model, instead of raising.
    problems = f"; settings ignored: {', '.join(facts.workload_notes)}" if facts.workload_notes else ""
    return f"{facts.params_basis}; {weights}; {workload}{problems}"


def _round(value: float) -> float:
    return round(value, 1)


ModelMetrics.model_rebuild()
