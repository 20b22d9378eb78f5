"""Which models to use on this machine, per output type and task, and how to make more of them fit.

Pure functions over an Inventory (from ModelAnalyzer.scan()) and each model's ModelMetrics:
nothing here touches the disk or the GPU. Within a task, models that fit comfortably come
before those that need a leaner setup; among equals, models already downloaded come first,
then higher quality, then faster ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..records import Inventory, MeasuredPeak, ModelRecord, ModelStatus, ScanSettings
from .estimator import QUALITY_TIERS, ModelMetrics
from .hardware import FitVerdict, assess_fit

_VERDICT_ORDER = {"recommended": 0, "compatible": 1}
_STATUS_ORDER = {ModelStatus.DOWNLOADED: 0, ModelStatus.PARTIAL: 1, ModelStatus.MISSING: 2, ModelStatus.ERROR: 3}
_OUTPUT_ORDER = ("video", "image", "audio")
# Latent tokens shrink with the pixel count: 1280x720 has 2.3 times the pixels of 832x480.
_HD_TO_480P = (1280 * 720) / (832 * 480)


@dataclass(frozen=True, slots=True)
class Pick:
    """One recommended model for a task, with what it would take to use it.

    ``download_gb`` is None when a missing file's size cannot even be estimated.
    """

    model_type: str
    name: str
    output_type: str
    task: str
    fit: FitVerdict
    status: ModelStatus
    download_gb: float | None
    download_is_estimate: bool
    quality_tier: str | None
    speed_tier: str | None
    metrics_source: str
    # Speed measured from this machine's outputs (usage.report.MeasuredSpeed), when there are any.
    measured: Any = None

    @property
    def downloaded(self) -> bool:
        return self.status is ModelStatus.DOWNLOADED


@dataclass(frozen=True, slots=True)
class TaskPicks:
    """The best models for one task of one output type, best first."""

    output_type: str
    task: str
    picks: tuple[Pick, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A setting change that lets more models run or run faster, with its source."""

    title: str
    detail: str
    source: str


@dataclass(frozen=True, slots=True)
class Recommendations:
    """Everything recommended for one budget: picks per task and setting suggestions."""

    vram_budget_gb: float
    ram_gb: float | None
    groups: tuple[TaskPicks, ...]
    suggestions: tuple[Suggestion, ...]
    # Per output type, the fastest downloaded model that fits: measured speed where any was measured.
    fastest: tuple[Pick, ...] = ()

    def for_output(self, output_type: str) -> tuple[TaskPicks, ...]:
        return tuple(g for g in self.groups if g.output_type == output_type)


def recommend(inventory: Inventory, metrics: Mapping[str, ModelMetrics], vram_budget_gb: float,
              ram_gb: float | None = None, per_task: int = 3,
              measured: Mapping[str, Any] | None = None,
              memory_profiles: Mapping[str, str] | None = None, profile: str | None = None,
              measured_peaks: Mapping[str, MeasuredPeak] | None = None) -> Recommendations:
    """The best ``per_task`` models per output type and task that run within the budget.

    ``measured`` maps model types to the speed measured on this machine (usage.report.MeasuredSpeed),
    ``measured_peaks`` to the memory peak measured there that their verdict uses (fit/measured.py);
    ``profile`` judges every model for that Wan2GP profile (default: the one Wan2GP is set to, if known).
    """
    measured = measured or {}
    by_task: dict[tuple[str, str], list[tuple[tuple[Any, ...], Pick]]] = {}
    fits: list[tuple[ModelMetrics, FitVerdict]] = []
    for record in inventory.models:
        model = metrics.get(record.model_type)
        if model is None or not record.visible or record.errors:
            continue
        host = (memory_profiles or {}).get(model.output_type)
        fit = assess_fit(model, vram_budget_gb, ram_gb, host, profile=profile or host,
                         measured=(measured_peaks or {}).get(record.model_type))
        fits.append((model, fit))
        if fit.verdict == "incompatible":
            continue
        for task in model.tasks:
            pick = _pick(record, model, task, fit, measured.get(record.model_type))
            by_task.setdefault((model.output_type, task), []).append((_rank(pick, model), pick))
    groups = [TaskPicks(output, task, tuple(p for _, p in sorted(ranked, key=lambda item: item[0])[:per_task]))
              for (output, task), ranked in sorted(by_task.items(), key=lambda item: _group_order(item[0]))]
    suggestions = optimization_suggestions(vram_budget_gb, ram_gb, inventory.settings, fits)
    ready = [p for ranked in by_task.values() for _, p in ranked if p.downloaded]
    return Recommendations(vram_budget_gb, ram_gb, tuple(groups), suggestions, fastest_ready(ready, metrics))


def fastest_ready(picks: Iterable[Pick], metrics: Mapping[str, ModelMetrics]) -> tuple[Pick, ...]:
    """Per output type, the fastest pick: by measured speed when any was measured, else by the theoretical one."""
    by_output: dict[str, dict[str, Pick]] = {}
    for pick in picks:
        by_output.setdefault(pick.output_type, {}).setdefault(pick.model_type, pick)
    fastest = []
    for output in sorted(by_output, key=lambda o: _group_order((o, ""))):
        candidates = list(by_output[output].values())
        timed = [p for p in candidates if p.measured is not None]
        if timed:
            fastest.append(min(timed, key=lambda p: (p.measured.rank_value, p.name.casefold())))
            continue
        speeds = [(metrics[p.model_type].figure("speed_multiplier"), p) for p in candidates]
        known = [(s, p) for s, p in speeds if s is not None]
        if known:
            fastest.append(max(known, key=lambda item: (item[0], item[1].name.casefold()))[1])
    return tuple(fastest)


def optimization_suggestions(vram_budget_gb: float, ram_gb: float | None, settings: ScanSettings | None,
                             fits: Iterable[tuple[ModelMetrics, FitVerdict]]) -> tuple[Suggestion, ...]:
    """Settings worth changing for this budget, given how the models fit."""
    fits = list(fits)
    suggestions = [_profile_suggestion(vram_budget_gb, ram_gb)]
    quantization = settings.transformer_quantization if settings else "int8"
    if quantization not in ("int8", "fp8") and any(f.verdict != "recommended" or not f.ram_ok for _, f in fits):
        suggestions.append(Suggestion(
            "Use int8 transformer quantization",
            "quanto int8 files hold about one byte per parameter instead of two, halving the pinned RAM and the "
            "VRAM needed to keep the weights resident",
            "Wan2GP issue #293 (deepbeepmeep on quanto int8 files)"))
    if settings is not None and settings.text_encoder_quantization != "int8" and ram_gb is not None and ram_gb < 64:
        suggestions.append(Suggestion(
            "Use the int8 text encoder",
            "a quantized text encoder saves RAM; Qwen Image's saves 10 GB",
            "Wan2GP docs/CHANGELOG.md L970 (8 Aug 2025)"))
    if any(m.output_type == "video" and f.verdict == "compatible" for m, f in fits):
        suggestions.append(Suggestion(
            "Generate video at 480p",
            f"832x480 has {_HD_TO_480P:.1f} times fewer pixels than 1280x720, so fewer latent tokens: less "
            "activation memory and faster steps for the models that only just fit",
            "Wan2GP global defaults (models/_settings.json: 832x480)"))
    if any(not f.ram_ok for _, f in fits):
        suggestions.append(Suggestion(
            "Prefer NVFP4 or GGUF checkpoints when RAM is short",
            "NVFP4 uses up to 30% less RAM (faster only on RTX 50); GGUF saves RAM and disk but not time, at some "
            "quality cost",
            "Wan2GP docs/CHANGELOG.md L478 (15 Jan 2026) and L445 (20 Jan 2026)"))
    if vram_budget_gb <= 12:
        suggestions.append(Suggestion(
            "Keep the browser off the GPU",
            "browser GPU acceleration can take 1-5 GB of VRAM",
            "Wan2GP README (1 Jul 2026)"))
    return tuple(suggestions)


def _profile_suggestion(vram_budget_gb: float, ram_gb: float | None) -> Suggestion:
    """Wan2GP's profile guidance (wgp.py memory_profile_choices; glossary.md) for this machine."""
    ram = ram_gb if ram_gb is not None else 32.0
    source = "Wan2GP wgp.py memory_profile_choices (L10961-10967)"
    if vram_budget_gb >= 24:
        if ram >= 64:
            return Suggestion("Memory profile 1", "HighRAM_HighVRAM: the fastest for short videos with 24 GB VRAM "
                              "and 64 GB RAM; profile 3 keeps models in VRAM with less RAM", source)
        return Suggestion("Memory profile 3", "LowRAM_HighVRAM: models stay in VRAM; profile 3+ (no pinned RAM) "
                          "uses the least RAM when the model fits entirely", source)
    if vram_budget_gb >= 12:
        if ram >= 64:
            return Suggestion("Memory profile 2 or 4", "HighRAM_LowVRAM (2) is the most versatile with lots of RAM; "
                              "4 (the default) needs 32 GB RAM", source)
        return Suggestion("Memory profile 4", "LowRAM_LowVRAM, Wan2GP's default and recommended profile for "
                          "12 GB VRAM and 32 GB RAM", source)
    if ram < 32:
        return Suggestion("Memory profile 5", "VerylowRAM_LowVRAM, the fail-safe profile: nothing pinned, "
                          "for 24 GB RAM and 10 GB VRAM; slowest", source)
    return Suggestion("Memory profile 4+", "profile 4 with synchronous transfers saves up to about 1 GB of VRAM "
                      "at a small speed cost", "Wan2GP docs/CHANGELOG.md L628 (4 Dec 2025); docs/CLI.md L131")


def _pick(record: ModelRecord, model: ModelMetrics, task: str, fit: FitVerdict, measured: Any = None) -> Pick:
    unknown_size = any(f.size_bytes is None for f in record.missing_files)
    return Pick(
        model_type=record.model_type, name=record.name, output_type=model.output_type, task=task, fit=fit,
        status=record.status, download_gb=None if unknown_size else round(record.download_bytes / 1e9, 1),
        download_is_estimate=record.download_is_estimate, quality_tier=model.figure("quality_tier"),
        speed_tier=model.figure("speed_tier"), metrics_source=model.source, measured=measured,
    )


def _rank(pick: Pick, model: ModelMetrics) -> tuple[Any, ...]:
    quality = QUALITY_TIERS.index(pick.quality_tier) if pick.quality_tier in QUALITY_TIERS else -1
    speed = model.figure("speed_multiplier")
    return (_VERDICT_ORDER[pick.fit.verdict], not pick.fit.ram_ok, _STATUS_ORDER[pick.status], -quality,
            speed is None, -(speed or 0), pick.download_gb is None, pick.download_gb or 0, pick.name.casefold())


def _group_order(key: tuple[str, str]) -> tuple[int, str]:
    output, task = key
    return (_OUTPUT_ORDER.index(output) if output in _OUTPUT_ORDER else len(_OUTPUT_ORDER), task)
