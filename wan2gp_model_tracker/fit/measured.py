"""Peaks measured on this machine (records.MeasuredPeak, recorded by the plugin's hook) in the fit verdict.

A peak counts for a model when it was measured at the model's default workload: the same
resolution and frame band (``records.frames_bucket``). On its profile the measured peak is the
model's VRAM need, in place of the modelled one:

- it fits the budget (and the RAM): the model runs on that profile, ``recommended`` when the
  profile runs at full speed for the output type, else ``compatible`` with that profile as the
  change; the modelled verdict stays only when it is better, or recommended on a faster profile;
- it does not fit and the modelled verdict chose that same profile: ``recommended`` becomes
  ``compatible``, and the reason gives both figures.

Every verdict the measurement decides says "measured" in its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..records import MeasuredPeak, frames_bucket
from .estimator import ModelMetrics
from .memory import FAST_PROFILES, RAM_SLACK, SPEED_ORDER
from .workload import Workload

if TYPE_CHECKING:
    from .hardware import FitVerdict

_RANK = {"recommended": 2, "compatible": 1, "incompatible": 0}


def comparable_peak(peaks: Sequence[MeasuredPeak], workload: Workload | None,
                    profile: str | None = None) -> MeasuredPeak | None:
    """The peak measured at ``workload`` (same resolution, same frame band): the one on ``profile`` (the profile
    Wan2GP is set to) first, else the one with the most runs; None when none is comparable."""
    if workload is None:
        return None
    frames = workload.frames * workload.batch
    same = [p for p in peaks if (p.width, p.height) == (workload.width, workload.height)
            and frames_bucket(p.frames) == frames_bucket(frames)]
    pool = [p for p in same if p.profile == profile] or same
    return max(pool, key=lambda p: (p.runs, p.vram_peak_gb), default=None)


def peak_for(metrics: ModelMetrics, peaks: Sequence[MeasuredPeak],
             memory_profiles: Mapping[str, str]) -> MeasuredPeak | None:
    """The peak that counts in a model's verdict: measured at its default workload, on the profile Wan2GP is set
    to for its output type when there is one (``memory_profiles``: output type → profile)."""
    if not peaks or metrics.memory is None:
        return None
    return comparable_peak(peaks, metrics.memory.workload, memory_profiles.get(metrics.output_type))


def measured_for_inventory(metrics: Mapping[str, ModelMetrics], peaks: Mapping[str, Sequence[MeasuredPeak]],
                           memory_profiles: Mapping[str, str]) -> dict[str, MeasuredPeak]:
    """``peak_for`` for every model that has one."""
    found = {t: peak_for(m, peaks.get(t, ()), memory_profiles) for t, m in metrics.items() if t in peaks}
    return {t: p for t, p in found.items() if p is not None}


def describe_peak(peak: MeasuredPeak) -> str:
    """ "measured: peak 9.8 GB VRAM / 41 GB RAM on profile 4 at 832×480×81 (5 runs)"."""
    ram = f" / {_gb(peak.ram_peak_gb)} GB RAM" if peak.ram_peak_gb > 0 else ""
    where = ""
    if peak.width and peak.height:
        where = f" at {peak.width}×{peak.height}" + (f"×{peak.frames}" if peak.frames > 1 else "")
    runs = f"{peak.runs} run{'' if peak.runs == 1 else 's'}"
    return f"measured: peak {_gb(peak.vram_peak_gb)} GB VRAM{ram} on profile {peak.profile}{where} ({runs})"


def with_measured(fit: FitVerdict, peak: MeasuredPeak, vram_budget_gb: float, ram_gb: float | None,
                  output_type: str) -> FitVerdict:
    """The verdict once the peak measured on this machine replaces the modelled need on its profile."""
    text = describe_peak(peak)
    ram_ok = ram_gb is None or peak.ram_peak_gb <= ram_gb * (1 + RAM_SLACK)
    if peak.vram_peak_gb <= vram_budget_gb and ram_ok:
        fast = peak.profile in FAST_PROFILES.get(output_type, FAST_PROFILES["video"])
        verdict = "recommended" if fast else "compatible"
        # A modelled "compatible" may need a shorter clip; the measured run did the whole default workload.
        if _RANK[fit.verdict] > _RANK[verdict] or (
                fit.verdict == verdict == "recommended" and _faster(fit.profile, peak.profile)):
            return fit
        ram_need = peak.ram_peak_gb if peak.ram_peak_gb > 0 else fit.ram_need_gb
        return replace(fit, verdict=verdict, reason=f"{text}, within {vram_budget_gb:g} GB", profile=peak.profile,
                       vram_need_gb=peak.vram_peak_gb, ram_need_gb=ram_need,
                       limit="" if fast else f"use profile {peak.profile}",
                       what_fits=fit.what_fits if fit.profile == peak.profile else None)
    if fit.profile != peak.profile or fit.verdict == "incompatible":
        return fit
    short = "VRAM" if peak.vram_peak_gb > vram_budget_gb else "RAM"
    budget = f"{vram_budget_gb:g} GB of VRAM" if short == "VRAM" else f"{ram_gb:g} GB of RAM"
    modelled = f" (modelled {fit.vram_need_gb:g} GB)" if fit.vram_need_gb is not None else ""
    return replace(fit, verdict="compatible", reason=f"{text}, more than the {budget}{modelled}",
                   vram_need_gb=peak.vram_peak_gb,
                   limit=fit.limit or f"a leaner profile than {peak.profile}, fewer frames or a lower resolution")


def _faster(profile: str, than: str) -> bool:
    order = {p: i for i, p in enumerate(SPEED_ORDER)}
    return order.get(profile, len(order)) < order.get(than, len(order))


def _gb(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"
