"""The fit verdict for one machine (VRAM budget and RAM), from the per-profile memory model.

``recommended``: the default workload runs on the fastest profile that fits VRAM and RAM, at full speed for
the model's output type, and the machine meets every minimum Wan2GP states (floors.py: VRAM per output type
and family, RAM per profile). ``compatible``: it runs only with a change the verdict names and checks on the
same model (a leaner profile, a shorter clip, a lower resolution, the int8 variant), or on a profile whose RAM
Wan2GP's text puts above this machine's. ``incompatible``: none of these fits, or the card is below Wan2GP's
stated minimum; the reason names the constraint with both figures, and the need it reports stays the model's
own (the floor is said beside it, never put in its place).

A peak measured on this machine for the same model, profile and a comparable workload (measured.comparable)
replaces that profile's modelled VRAM need (plus the CUDA context torch does not count) and its RAM need (the
process's real peak, when one was recorded). The verdict then picks a profile as usual: a faster profile the model
says fits stays first, a leaner one is named when the measured profile does not fit, and the reason always says
what was measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..records import MeasuredPeak
from ..scan.sizing import bytes_per_param
from .floors import RAM_FLOOR_SOURCE, Floor, ram_floor, vram_floor
from .measured import comparable, describe_peak
from .memory import (
    FAST_PROFILES,
    GIB_PER_GB,
    MIN_CLIP_FRAMES,
    PROFILE_NAMES,
    PROFILES,
    SPEED_ORDER,
    MemoryInputs,
    ProfileNeed,
    longest_clip,
    profile_need,
    ram_fits,
)
from .what_fits import IMAGE_RESOLUTIONS, VIDEO_RESOLUTIONS, WhatFits, what_fits
from .workload import Workload

_16_BIT = ("", "bf16", "fp16")
# torch's reserved peak leaves out the CUDA context, which the card also holds (0.51 GiB, MMGP_MEASURED.md).
CUDA_CONTEXT_GB = 0.5


@dataclass(frozen=True, slots=True)
class ProfileFit:
    """One profile on this machine: its needs (GB as the card and RAM report them) and its own verdict."""

    vram_gb: float
    ram_gb: float
    pinned_ram_gb: float
    verdict: str
    note: str = ""
    measured: bool = False


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: str
    profile: str
    vram_need_gb: float
    ram_need_gb: float
    reason: str
    limit: str
    what_fits: WhatFits | None
    measured: str = ""
    profiles: Mapping[str, ProfileFit] = field(default_factory=dict)


class _Machine:
    """One model on one machine: profile needs computed once, floors, the measured peak if it applies."""

    def __init__(self, inputs: MemoryInputs, vram_gb: float, ram_gb: float | None,
                 measured: MeasuredPeak | None) -> None:
        self.inputs, self.vram_gb, self.ram_gb = inputs, vram_gb, ram_gb
        self.kind = inputs.output_type if inputs.output_type in FAST_PROFILES else "video"
        self.vram_floor: Floor = vram_floor(inputs.output_type, inputs.family)
        self.measured = measured
        # The measured peak when it applies to this machine at the default workload: said in every reason.
        self.peak = self.measured_for(measured.profile, None) if measured is not None else None
        self._needs: dict[tuple[str, Workload | None, MemoryInputs | None], ProfileNeed] = {}

    def need(self, profile: str, workload: Workload | None = None, inputs: MemoryInputs | None = None) -> ProfileNeed:
        key = (profile, workload, inputs)
        if key not in self._needs:
            found = profile_need(inputs or self.inputs, profile, workload, self.vram_gb, self.ram_gb)
            peak = self.measured_for(profile, workload) if inputs is None else None
            if peak is not None:
                # The measured RAM is the process's real peak, so it replaces the model's figure; 0 means none.
                ram = round(peak.ram_peak_gb, 2) if peak.ram_peak_gb > 0 else found.ram_gb
                found = replace(found, vram_gb=round(peak.vram_peak_gb + CUDA_CONTEXT_GB, 2), ram_gb=ram,
                                peak="measured")
            self._needs[key] = found
        return self._needs[key]

    def measured_for(self, profile: str, workload: Workload | None) -> MeasuredPeak | None:
        """The measured peak when it is for this profile, a comparable workload and, on the profiles whose
        resident weights follow the card (1, 3, 3+), a card of this size."""
        m, w = self.measured, workload or self.inputs.workload
        if m is None or m.profile != profile or not comparable(m, w):
            return None
        if profile in ("1", "3", "3+") and abs(m.gpu_total_gb - self.vram_gb) > 1.0:
            return None
        return m

    def ram_floor_ok(self, profile: str) -> bool:
        return self.ram_gb is None or ram_fits(ram_floor(profile).gb, self.ram_gb)

    def ram_ok(self, profile: str) -> bool:
        """The model's RAM need and Wan2GP's stated RAM for the profile both fit."""
        return self.ram_floor_ok(profile) and ram_fits(self.need(profile).ram_gb, self.ram_gb)

    def runs(self, need: ProfileNeed) -> bool:
        """The model's own needs fit (VRAM and RAM), whatever Wan2GP's profile text says."""
        return need.vram_gb <= self.vram_gb and ram_fits(need.ram_gb, self.ram_gb)

    def runs_mapped(self, profile: str) -> bool:
        """It runs only with the unpinned weights mapped from disk (the least RAM of profiles 3+ and 5)."""
        need = self.need(profile)
        return need.vram_gb <= self.vram_gb and ram_fits(need.ram_min_gb, self.ram_gb)

    def ok(self, profile: str, workload: Workload | None = None, inputs: MemoryInputs | None = None) -> bool:
        return self.ram_floor_ok(profile) and self.runs(self.need(profile, workload, inputs))

    def fast(self, profile: str, inputs: MemoryInputs | None = None) -> bool:
        """Full speed: a fast profile for the output type; 3+ only when it holds the transformer whole, since it
        pins nothing and streams several times slower (MMGP_MEASURED.md finding 9)."""
        if profile not in FAST_PROFILES[self.kind]:
            return False
        if profile == "3+":
            weights = (inputs or self.inputs).weights_gb * GIB_PER_GB
            return weights <= (inputs or self.inputs).settings.vram_safety * self.vram_gb
        return True

    def floor_short(self) -> bool:
        return self.vram_gb < self.vram_floor.gb

    def profile_fit(self, profile: str) -> ProfileFit:
        need = self.need(profile)
        if self.floor_short():
            verdict, note = "incompatible", f"below Wan2GP's minimum of {self.vram_floor.gb:g} GB"
        elif not self.runs(need):
            mapped = self.runs_mapped(profile) and self.ram_floor_ok(profile)
            verdict = "compatible" if mapped else "incompatible"
            note = "weights mapped from disk (slow)" if mapped else "VRAM" if need.vram_gb > self.vram_gb else "RAM"
        elif not self.ram_floor_ok(profile):
            verdict, note = "compatible", f"below the {ram_floor(profile).gb:g} GB of RAM Wan2GP asks for it"
        elif not self.fast(profile):
            verdict, note = "compatible", "slower"
        else:
            verdict, note = "recommended", ""
        return ProfileFit(need.vram_gb, need.ram_gb, need.pinned_gb, verdict, note, need.peak == "measured")


def judge(inputs: MemoryInputs, vram_gb: float, ram_gb: float | None, host_profile: str | None = None,
          offered: tuple[tuple[int, int], ...] = (), *, profile: str | None = None,
          measured: MeasuredPeak | Mapping | None = None) -> Judgement:
    """The verdict of one model on one machine; with ``profile``, the verdict for that profile (the one the
    user runs Wan2GP with), else for the fastest profile that fits. ``host_profile`` is kept for callers that
    only report the host's profile (host_profile_note)."""
    machine = _Machine(inputs, vram_gb, ram_gb, as_measured(measured))
    result = _verdict(machine, profile, offered)
    return replace(result, profiles={p: machine.profile_fit(p) for p in PROFILES}, **_measured_note(machine, result))


def _measured_note(machine: _Machine, result: Judgement) -> dict[str, str]:
    """The measured peak said in the reason of every verdict it counted in, whichever profile was picked."""
    if machine.peak is None:
        return {}
    said = describe_peak(machine.peak)
    if machine.peak.profile != result.profile:
        said += f"; the profile {result.profile} figures are modelled"
    return {"reason": f"{result.reason}; {said}", "measured": describe_peak(machine.peak)}


def _verdict(machine: _Machine, profile: str | None, offered: tuple[tuple[int, int], ...]) -> Judgement:
    ram_gb = machine.ram_gb
    order = [profile] if profile in PROFILES else list(SPEED_ORDER)
    # A profile the user runs is judged as such: it is recommended when it runs the model, slow or not.
    fast = order if profile in PROFILES else [p for p in order if machine.fast(p)]
    lean = [p for p in order if p not in fast]
    if machine.floor_short():
        return _incompatible_floor(machine)
    best = next((p for p in fast if machine.ok(p)), None)
    if best is not None:
        need = machine.need(best)
        slow = "" if machine.fast(best) else " (slower than the profiles that pin or keep it whole)"
        return _judgement(machine, "recommended", need, offered, f"profile {best} runs the default workload{slow}: "
                          f"{_need(machine, need)}; {_machine_text(machine)}", "")
    other = next((p for p in lean if machine.ok(p)), None)
    if other is not None:
        need = machine.need(other)
        why = _why_not(machine, fast or order)
        saving = f"profile {other} ({PROFILE_NAMES[other]})"
        if other == "5" and "4" in order and not machine.ram_ok("4"):
            saving = "profile 5's RAM saving"
        if machine.kind == "audio" and other not in FAST_PROFILES["audio"]:
            saving += ", the slow way for an audio model"
        return _judgement(machine, "compatible", need, offered, f"{why}; {saving} fits: {_need(machine, need)}",
                          f"use {saving}")
    change = _smaller_workload(machine, order) or _int8(machine, order, offered)
    if change is not None:
        return change
    if profile in PROFILES and any(machine.ok(p) for p in SPEED_ORDER):
        switch = next(p for p in SPEED_ORDER if machine.ok(p))
        need = machine.need(switch)
        return _judgement(machine, "compatible", need, offered,
                          f"profile {profile} does not run it ({_why_not(machine, [profile])}); profile {switch} does: "
                          f"{_need(machine, need)}", f"use profile {switch} ({PROFILE_NAMES[switch]})")
    mapped = next((p for p in ("5", "3+") if p in order and machine.ram_floor_ok(p) and machine.runs_mapped(p)), None)
    if mapped is not None:
        need = machine.need(mapped)
        need = replace(need, ram_gb=need.ram_min_gb)
        return _judgement(machine, "compatible", need, offered,
                          f"every model's bytes need about {need.ram_gb:.1f} GB of RAM, this machine has {ram_gb:g} "
                          f"GB; "
                          f"profile {mapped} pins nothing and maps the weights from disk, keeping about "
                          f"{need.ram_min_gb:.1f} GB resident (slow: evicted weights are read again)",
                          f"use profile {mapped}'s RAM saving (weights mapped from disk, slow)")
    # Short of every profile's stated RAM: the profile whose statement misses by least, the faster on a tie.
    below_floor = min((p for p in SPEED_ORDER if machine.runs(machine.need(p))), default=None,
                      key=lambda p: (ram_floor(p).gb, SPEED_ORDER.index(p)))
    if below_floor is not None:
        need = machine.need(below_floor)
        floor = ram_floor(below_floor)
        return _judgement(machine, "compatible", need, offered,
                          f"profile {below_floor} runs it in about {need.ram_gb:.1f} GB of RAM by this model, but "
                          f"{floor.source}; this machine has {ram_gb:g} GB",
                          f"profile {below_floor}, below the {floor.gb:g} GB of RAM Wan2GP asks for it")
    return _incompatible(machine)


def as_measured(measured: MeasuredPeak | Mapping | None) -> MeasuredPeak | None:
    """A measured peak as the record, from the record itself or a mapping of its fields; None if unusable."""
    if measured is None or isinstance(measured, MeasuredPeak):
        return measured
    try:
        return MeasuredPeak(**{name: measured[name] for name in MeasuredPeak.__slots__})  # type: ignore[attr-defined]
    except (KeyError, TypeError):
        return None


def _smaller_workload(machine: _Machine, order: list[str]) -> Judgement | None:
    """The longest shorter clip any usable profile allows (the faster profile on a tie), else a lower resolution."""
    inputs = machine.inputs
    usable = [p for p in order if machine.ram_floor_ok(p) and ram_fits(machine.need(p).ram_gb, machine.ram_gb)]
    clips = [(frames, -position, p) for position, p in enumerate(usable)
             if (frames := longest_clip(inputs, p, machine.vram_gb)) is not None
             and frames >= min(MIN_CLIP_FRAMES, inputs.workload.frames)
             # a measured peak in the same frame band overrules the model's shorter clip
             and machine.need(p, inputs.workload.with_frames(frames)).vram_gb <= machine.vram_gb]
    if clips:
        frames, _, profile = max(clips)
        need = machine.need(profile)
        short = machine.need(profile, inputs.workload.with_frames(frames))
        return _judgement(machine, "compatible", short, (),
                          f"the default {inputs.workload.frames} frames need {_vram(need)} of VRAM on "
                          f"profile {profile}, the budget is {machine.vram_gb:g} GB; up to {frames} frames fit",
                          f"a shorter clip: up to {frames} frames at {inputs.workload.resolution} on profile {profile}")
    for profile in usable:
        need = machine.need(profile)
        lower = _lower_resolution(machine, profile)
        if lower is not None:
            workload, text = lower
            smaller = machine.need(profile, workload)
            return _judgement(machine, "compatible", smaller, (),
                              f"{inputs.workload.resolution} needs {_vram(need)} of VRAM on profile "
                              f"{profile}, the budget is {machine.vram_gb:g} GB; {text} fits "
                              f"({smaller.vram_gb:.1f} GB)",
                              f"a lower resolution: {text} on profile {profile}")
    return None


def _int8(machine: _Machine, order: list[str], offered: tuple[tuple[int, int], ...]) -> Judgement | None:
    inputs = machine.inputs
    if inputs.variant not in _16_BIT:
        return None
    int8 = inputs.with_variant("int8", inputs.weights_gb * bytes_per_param("int8") / bytes_per_param(inputs.variant))
    found = next((p for p in order if machine.ok(p, inputs=int8)), None)
    if found is None:
        return None
    need = machine.need(found, inputs=int8)
    return Judgement("compatible", found, need.vram_gb, need.ram_gb,
                     f"the 16-bit weights do not fit; with int8 weights profile {found} does: {_need(machine, need)}",
                     "set transformer quantization to int8", what_fits(int8, found, machine.vram_gb, offered))


def _incompatible_floor(machine: _Machine) -> Judgement:
    floor = machine.vram_floor
    leanest = min((machine.need(p) for p in PROFILES), key=lambda n: (n.vram_gb, n.ram_gb))
    # The need stays the model's (or the measured) figure; Wan2GP's minimum is said beside it.
    least = max(floor.gb, leanest.vram_gb)
    return Judgement("incompatible", leanest.profile, leanest.vram_gb, leanest.ram_gb,
                     f"VRAM: needs at least {least:.1f} GB ({floor.source}), the budget is {machine.vram_gb:g} GB; "
                     f"the model itself needs {_vram(leanest)} on profile {leanest.profile}",
                     "a GPU with more VRAM", None)


def _incompatible(machine: _Machine) -> Judgement:
    inputs, ram_gb = machine.inputs, machine.ram_gb
    needs = [machine.need(p) for p in SPEED_ORDER]
    leanest = min(needs, key=lambda n: (n.vram_gb, n.ram_gb))
    least_ram = min(needs, key=lambda n: (n.ram_gb, n.vram_gb))
    if not ram_fits(least_ram.ram_gb, ram_gb):
        measured = ", measured" if _ram_measured(machine, least_ram) else ""
        reason = (f"RAM: needs at least {least_ram.ram_gb:.1f} GB (profile {least_ram.profile}{measured}), this "
                  f"machine has {ram_gb:g} GB")
        return Judgement("incompatible", least_ram.profile, least_ram.vram_gb, least_ram.ram_gb, reason,
                         "more system RAM", None)
    shortest = machine.need(leanest.profile, inputs.workload.with_frames(1)) \
        if inputs.output_type == "video" else leanest
    reason = (f"VRAM: needs at least {_vram(shortest)} even on profile {leanest.profile}"
              f"{' with the shortest clip' if inputs.output_type == 'video' else ''}, the budget is "
              f"{machine.vram_gb:g} GB")
    return Judgement("incompatible", leanest.profile, leanest.vram_gb, leanest.ram_gb, reason,
                     "a GPU with more VRAM", None)


def host_profile_note(inputs: MemoryInputs, judgement: Judgement, host_profile: str | None, vram_gb: float,
                      ram_gb: float | None, measured: MeasuredPeak | None = None) -> str:
    """What the profile Wan2GP is set to does on this machine, when it differs from the verdict's."""
    if host_profile not in PROFILES or host_profile == judgement.profile or judgement.verdict == "incompatible":
        return ""
    machine = _Machine(inputs, vram_gb, ram_gb, measured)
    need = machine.need(host_profile)  # type: ignore[arg-type]
    if machine.ok(host_profile):  # type: ignore[arg-type]
        return f"Wan2GP is set to profile {host_profile}, which also fits ({_need(machine, need)})"
    return f"Wan2GP is set to profile {host_profile}, which needs {_need(machine, need)}: switch to {judgement.profile}"


def _judgement(machine: _Machine, verdict: str, need: ProfileNeed, offered: tuple[tuple[int, int], ...],
               reason: str, limit: str) -> Judgement:
    return Judgement(verdict, need.profile, need.vram_gb, need.ram_gb, reason, limit,
                     what_fits(machine.inputs, need.profile, machine.vram_gb, offered))


def _lower_resolution(machine: _Machine, profile: str) -> tuple[Workload, str] | None:
    w = machine.inputs.workload
    pixels = w.width * w.height
    options = IMAGE_RESOLUTIONS if machine.inputs.output_type == "image" else VIDEO_RESOLUTIONS
    for width, height in sorted((o for o in options if o[0] * o[1] < pixels), key=lambda o: -o[0] * o[1]):
        workload = w.with_resolution(width, height)
        if machine.need(profile, workload).vram_gb <= machine.vram_gb:
            return workload, f"{width}x{height}"
    return None


def _why_not(machine: _Machine, fast: list[str]) -> str:
    """Why Wan2GP's default profile for this output type (4, or 3+ for audio; else the one asked for) does not
    run the model."""
    default = "4" if "4" in fast else "3+" if "3+" in fast else fast[0]
    need = machine.need(default)
    short = []
    if need.vram_gb > machine.vram_gb:
        short.append(f"VRAM: profile {default} needs {_vram(need)}, the budget is {machine.vram_gb:g} GB")
    if not ram_fits(need.ram_gb, machine.ram_gb):
        measured = " (measured)" if _ram_measured(machine, need) else ""
        short.append(f"RAM: profile {default} needs {need.ram_gb:.1f} GB{measured}, this machine has "
                     f"{machine.ram_gb:g} GB")
    elif not machine.ram_floor_ok(default):
        short.append(f"RAM: profile {default} needs at least {ram_floor(default).gb:g} GB ({RAM_FLOOR_SOURCE}), "
                     f"this machine has {machine.ram_gb:g} GB")
    return "; ".join(short) or f"profile {default} does not fit"


def _need(machine: _Machine, need: ProfileNeed) -> str:
    if need.peak != "measured":
        return f"about {need.vram_gb:.1f} GB VRAM and {need.ram_gb:.1f} GB RAM"
    if _ram_measured(machine, need):
        return f"about {need.vram_gb:.1f} GB VRAM and {need.ram_gb:.1f} GB RAM (measured)"
    return f"about {need.vram_gb:.1f} GB VRAM (measured) and {need.ram_gb:.1f} GB RAM"


def _vram(need: ProfileNeed) -> str:
    """A VRAM need as the reason says it: a measured one is torch's peak plus the CUDA context."""
    if need.peak == "measured":
        return f"{need.vram_gb:.1f} GB (measured: peak plus {CUDA_CONTEXT_GB:g} GB of CUDA context)"
    return f"{need.vram_gb:.1f} GB"


def _ram_measured(machine: _Machine, need: ProfileNeed) -> bool:
    return need.peak == "measured" and machine.peak is not None and machine.peak.ram_peak_gb > 0


def _machine_text(machine: _Machine) -> str:
    ram = f"{machine.ram_gb:g} GB RAM" if machine.ram_gb is not None else "RAM unknown"
    return f"this machine: {machine.vram_gb:g} GB VRAM, {ram}"
