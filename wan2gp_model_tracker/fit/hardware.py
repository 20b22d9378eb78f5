"""Whether a model fits a machine's VRAM budget and RAM (the machine itself: ``machine/hardware.py``).

VRAM and RAM are in GiB: a "24 GB" card or "32 GB" of RAM, as model figures use the words,
means 24 or 32 GiB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..records import MeasuredPeak
from ..scan.sizing import bytes_per_param
from .estimator import ModelMetrics
from .memory import PROFILE_NAMES, RAM_SLACK
from .verdict import ProfileFit, as_measured, host_profile_note, judge
from .what_fits import WhatFits

Verdict = Literal["recommended", "compatible", "incompatible"]

# Reported sizes fall a little short of nominal ones (firmware and kernel reservations), so a
# "32 GB" machine showing 31.3 GiB still counts as 32.
_NOMINAL_SLACK = RAM_SLACK
# Profile 1 keeps every loaded model pinned in RAM: Wan2GP asks for 64 GB (glossary.md, wgp.py).
_PROFILE_1_RAM_GB = 64.0
_16_BIT = ("", "bf16", "fp16")


@dataclass(frozen=True, slots=True)
class FitVerdict:
    """Whether a model runs within a VRAM budget and RAM, on which profile, and what to change if needed.

    ``profile``, ``vram_need_gb`` and ``ram_need_gb`` are the memory model's (empty/None for a
    model judged from published figures alone); ``limit`` names the change a ``compatible``
    verdict needs, or what an ``incompatible`` one lacks; ``what_fits`` the largest workloads.
    """

    verdict: Verdict
    reason: str
    profile_hint: str
    ram_ok: bool
    ram_note: str
    profile: str = ""
    vram_need_gb: float | None = None
    ram_need_gb: float | None = None
    limit: str = ""
    what_fits: WhatFits | None = None
    # Every Wan2GP profile on this machine: VRAM, RAM, pinned RAM (GB as the card and RAM report them), verdict.
    profiles: Mapping[str, ProfileFit] = field(default_factory=dict)
    # "measured: peak ... (N runs)" when a peak measured on this machine counted in the verdict; which figures it
    # set: ``profiles[p].measured`` (the verdict's own figures are measured when ``profiles[profile].measured``).
    measured: str = ""

    def as_contract(self) -> dict[str, Any]:
        """The JSON form exports use."""
        data = asdict(self)
        data["profiles"] = {name: asdict(fit) for name, fit in self.profiles.items()}
        return data


def assess_fit(metrics: ModelMetrics, vram_budget_gb: float, ram_gb: float | None = None,
               host_profile: str | None = None, offered: tuple[tuple[int, int], ...] = (), *,
               profile: str | None = None, measured: MeasuredPeak | Mapping | None = None) -> FitVerdict:
    """Judge a model against a VRAM budget and the machine's RAM.

    ``measured``: a peak measured on this machine at the model's default workload
    (fit/measured.py); on its profile it replaces the modelled VRAM and RAM needs (verdict.py).

    With the memory model's inputs (every catalog model has them) the verdict is verdict.judge's,
    per Wan2GP profile; ``profile`` judges for that profile only (``--profile``, or the one Wan2GP is set to),
    ``host_profile`` (the profile Wan2GP is set to for this output type) adds a note when it differs from the
    verdict's; ``measured`` is a peak measured on this machine for this model (records.MeasuredPeak).
    A record without them (published figures only) is judged from its figures: recommended when
    the weights fit resident or the budget reaches the recommended VRAM, compatible above the
    minimum, incompatible below it.
    """
    if metrics.memory is not None:
        return _judged(metrics, vram_budget_gb, ram_gb, host_profile, offered, profile, measured)
    minimum = metrics.figure("vram_min_gb")
    recommended = metrics.figure("vram_recommended_gb")
    resident = metrics.figure("vram_resident_gb")
    budget = vram_budget_gb  # NVML and torch report VRAM in exact GiB: no slack, or "fits in 8 GB (about 8.3)"
    ram_ok, ram_note = _ram_check(metrics, ram_gb)
    if minimum is None:
        return FitVerdict("compatible", "no VRAM figure is known for this model", "profile 4 (default)",
                          ram_ok, ram_note)
    if resident is not None and budget >= resident:
        profile = ("profile 1 or 3" if ram_gb is not None and ram_gb * (1 + _NOMINAL_SLACK) >= _PROFILE_1_RAM_GB
                   else "profile 3")
        return FitVerdict("recommended", f"the whole model fits in {vram_budget_gb:g} GB (about {resident:g} GB)",
                          f"{profile}: the weights stay in VRAM (fastest)", ram_ok, ram_note)
    if recommended is not None and budget >= recommended:
        return FitVerdict("recommended", f"{vram_budget_gb:g} GB reaches the recommended {recommended:g} GB",
                          "profile 4 (default): weights streamed from RAM", ram_ok, ram_note)
    quantized = _int8_resident(metrics, resident)
    if quantized is not None and budget >= quantized:
        return FitVerdict("compatible", f"with the int8 variant the model fits in VRAM (about {quantized:g} GB)",
                          "set transformer quantization to int8, then profile 3", ram_ok, ram_note)
    if budget >= minimum:
        target = f" of the recommended {recommended:g} GB" if recommended is not None else ""
        return FitVerdict("compatible", f"{vram_budget_gb:g} GB is above the {minimum:g} GB minimum but short{target}",
                          "profile 4+ (saves up to about 1 GB) or 5; lower the resolution or frame count",
                          ram_ok, ram_note)
    return FitVerdict("incompatible", f"needs at least {minimum:g} GB of VRAM; the budget is {vram_budget_gb:g} GB",
                      "", ram_ok, ram_note)


def _judged(metrics: ModelMetrics, vram_gb: float, ram_gb: float | None, host_profile: str | None,
            offered: tuple[tuple[int, int], ...], profile: str | None,
            measured: MeasuredPeak | Mapping | None) -> FitVerdict:
    inputs = metrics.memory
    assert inputs is not None
    peak = as_measured(measured)
    if peak is not None and peak.model_type != metrics.model_type:
        peak = None
    result = judge(inputs, vram_gb, ram_gb, host_profile, offered, profile=profile, measured=peak)
    ram_ok = ram_gb is None or result.ram_need_gb <= ram_gb * (1 + RAM_SLACK)
    if ram_gb is None:
        ram_note = f"needs about {result.ram_need_gb:g} GB of RAM on profile {result.profile}; this machine's RAM " \
                   "is unknown"
    elif not ram_ok:
        ram_note = f"needs about {result.ram_need_gb:g} GB of RAM, this machine has {ram_gb:g} GB"
    else:
        ram_note = ""
    hint = f"profile {result.profile} ({PROFILE_NAMES[result.profile]})"
    if result.what_fits is not None and result.verdict != "incompatible":
        hint += f"; fits: {result.what_fits.describe()}"
    host = host_profile_note(inputs, result, host_profile, vram_gb, ram_gb, peak)
    if host:
        hint += f"; {host}"
    return FitVerdict(result.verdict, result.reason, hint, ram_ok, ram_note,  # type: ignore[arg-type]
                      profile=result.profile, vram_need_gb=round(result.vram_need_gb, 1),
                      ram_need_gb=round(result.ram_need_gb, 1), limit=result.limit, what_fits=result.what_fits,
                      profiles=result.profiles, measured=result.measured)


def _int8_resident(metrics: ModelMetrics, resident: float | None) -> float | None:
    """The resident need with int8 weights, for a model whose expected file is 16-bit."""
    weights = metrics.figure("weights_vram_gb")
    if resident is None or weights is None or metrics.variant not in _16_BIT:
        return None
    return round(resident - weights + weights * bytes_per_param("int8") / bytes_per_param(metrics.variant), 1)


def _ram_check(metrics: ModelMetrics, ram_gb: float | None) -> tuple[bool, str]:
    need = metrics.figure("ram_gb")
    if need is None:
        return True, "RAM need not documented"
    if ram_gb is None:
        return True, f"needs about {need:g} GB of RAM; this machine's RAM is unknown"
    if ram_gb * (1 + _NOMINAL_SLACK) >= need:
        return True, ""
    # NVFP4: up to 30 % less RAM (Wan2GP changelog L478); GGUF: less RAM at a quality cost (L445).
    return False, (f"needs about {need:g} GB of RAM on profile 4, this machine has {ram_gb:g} GB: use profile 5 "
                   "(nothing pinned), an int8/NVFP4/GGUF variant, or expect swapping")
