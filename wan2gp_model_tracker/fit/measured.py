"""Peaks measured on this machine (records.MeasuredPeak, recorded by the plugin's hook) in the fit verdict.

A peak counts for a model when it was measured at the model's default workload: the same
resolution and frame band (``records.frames_bucket``). The verdict (fit/verdict.py) then takes it as
the model's need on its profile, in place of the modelled one, and says "measured" in its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..records import MeasuredPeak, frames_bucket
from .estimator import ModelMetrics
from .workload import Workload


def comparable_peak(peaks: Sequence[MeasuredPeak], workload: Workload | None,
                    profile: str | None = None) -> MeasuredPeak | None:
    """The peak measured at ``workload`` (same resolution, same frame band): the one on ``profile`` (the profile
    Wan2GP is set to) first, else the one with the most runs; None when none is comparable."""
    if workload is None:
        return None
    same = [p for p in peaks if comparable(p, workload)]
    pool = [p for p in same if p.profile == profile] or same
    return max(pool, key=lambda p: (p.runs, p.vram_peak_gb), default=None)


def comparable(peak: MeasuredPeak, workload: Workload) -> bool:
    """The peak was measured at this workload: the same resolution and frame band. The one rule both the choice
    of a model's peak (here) and the verdict (verdict.py) apply, so a peak shown beside a verdict is the one it
    used."""
    return ((peak.width, peak.height) == (workload.width, workload.height)
            and frames_bucket(peak.frames) == frames_bucket(workload.frames * workload.batch))


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


def _gb(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"
