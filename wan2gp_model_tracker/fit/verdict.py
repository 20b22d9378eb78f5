"""The fit verdict for one machine (VRAM budget and RAM), from the per-profile memory model.

``recommended``: the default workload runs on the fastest profile that fits both VRAM and RAM,
and that profile runs at full speed for the model's output type. ``compatible``: it runs only
with a change the verdict names (a leaner profile, profile 5's RAM saving, a shorter clip, a
lower resolution, the int8 variant). ``incompatible``: none of these fits; the reason names the
constraint that failed with both figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..scan.sizing import bytes_per_param
from .memory import (
    FAST_PROFILES,
    MIN_CLIP_FRAMES,
    PROFILE_NAMES,
    RAM_SLACK,
    SPEED_ORDER,
    MemoryInputs,
    ProfileNeed,
    fastest_fitting,
    fits,
    longest_clip,
    profile_need,
)

_16_BIT = ("", "bf16", "fp16")
# Resolutions Wan2GP offers video models (its resolution choices), lowest first; LTX-2 also goes to 4K.
VIDEO_RESOLUTIONS = ((832, 480), (1280, 720), (1920, 1088))
_4K = (3840, 2176)  # LTX-2's 4K (CHANGELOG L491-495)
IMAGE_RESOLUTIONS = ((1024, 1024), (1280, 720), (1536, 1536), (2048, 2048))


@dataclass(frozen=True, slots=True)
class WhatFits:
    """The largest workloads this machine runs on ``profile`` (None where nothing of that kind fits)."""

    profile: str
    resolution: str
    max_frames: int | None
    highest_resolution: str | None
    highest_resolution_frames: int | None

    def describe(self) -> str:
        parts = [f"profile {self.profile}"]
        if self.max_frames is not None:
            parts.append(f"up to {self.max_frames} frames at {self.resolution}")
        if self.highest_resolution is not None and self.highest_resolution != self.resolution:
            frames = f" up to {self.highest_resolution_frames} frames" if self.highest_resolution_frames else ""
            parts.append(f"{_label(self.highest_resolution)}{frames}")
        elif self.highest_resolution is not None and self.max_frames is None:
            parts.append(f"up to {self.highest_resolution}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: str
    profile: str
    vram_need_gb: float
    ram_need_gb: float
    reason: str
    limit: str
    what_fits: WhatFits | None


def judge(inputs: MemoryInputs, vram_gb: float, ram_gb: float | None, host_profile: str | None = None,
          offered: tuple[tuple[int, int], ...] = ()) -> Judgement:
    """The verdict of one model on one machine; ``host_profile`` is the profile Wan2GP is set to, if known."""
    kind = inputs.output_type if inputs.output_type in FAST_PROFILES else "video"
    fast = [p for p in SPEED_ORDER if p in FAST_PROFILES[kind]]
    lean = [p for p in SPEED_ORDER if p not in FAST_PROFILES[kind]]
    machine = _machine(vram_gb, ram_gb)
    best = fastest_fitting(inputs, vram_gb, ram_gb, fast)
    if best is not None:
        return _judgement("recommended", inputs, best, vram_gb, ram_gb, offered,
                          f"profile {best.profile} runs the default workload: {_need(best)}; {machine}", "")
    other = fastest_fitting(inputs, vram_gb, ram_gb, lean)
    if other is not None:
        why = _why_not(inputs, fast, vram_gb, ram_gb)
        saving = "profile 5's RAM saving" if other.profile == "5" and _ram_short(inputs, fast, ram_gb) else \
            f"profile {other.profile} ({PROFILE_NAMES[other.profile]})"
        if kind == "audio":
            saving += ", the slow way for an audio model"
        return _judgement("compatible", inputs, other, vram_gb, ram_gb, offered,
                          f"{why}; {saving} fits: {_need(other)}", f"use {saving}")
    # No profile runs the default workload: the longest shorter clip any profile allows (the smallest change to
    # what was asked; the faster profile on a tie), else a lower resolution, then int8 weights.
    usable = [p for p in SPEED_ORDER
              if ram_gb is None or profile_need(inputs, p).ram_gb <= ram_gb * (1 + RAM_SLACK)]
    clips = [(frames, -position, profile) for position, profile in enumerate(usable)
             if (frames := longest_clip(inputs, profile, vram_gb)) is not None
             and frames >= min(MIN_CLIP_FRAMES, inputs.workload.frames)]
    if clips:
        frames, _, profile = max(clips)
        need = profile_need(inputs, profile)
        short = profile_need(inputs, profile, inputs.workload.with_frames(frames))
        return _judgement("compatible", inputs, short, vram_gb, ram_gb, offered,
                          f"the default {inputs.workload.frames} frames need {need.vram_gb:.1f} GB of VRAM on "
                          f"profile {profile}, the budget is {vram_gb:g} GB; up to {frames} frames fit",
                          f"a shorter clip: up to {frames} frames at {inputs.workload.resolution} on profile {profile}")
    for profile in usable:
        need = profile_need(inputs, profile)
        lower = _lower_resolution(inputs, profile, vram_gb)
        if lower is not None:
            workload, text = lower
            smaller = profile_need(inputs, profile, workload)
            return _judgement("compatible", inputs, smaller, vram_gb, ram_gb, offered,
                              f"{inputs.workload.resolution} needs {need.vram_gb:.1f} GB of VRAM on profile "
                              f"{profile}, the budget is {vram_gb:g} GB; {text} fits ({smaller.vram_gb:.1f} GB)",
                              f"a lower resolution: {text} on profile {profile}")
    if inputs.variant in _16_BIT:
        int8 = inputs.with_variant("int8", inputs.weights_gb * bytes_per_param("int8") / bytes_per_param(
            inputs.variant))
        found = fastest_fitting(int8, vram_gb, ram_gb)
        if found is not None:
            return _judgement("compatible", int8, found, vram_gb, ram_gb, offered,
                              f"the 16-bit weights do not fit; with int8 weights profile {found.profile} does: "
                              f"{_need(found)}", "set transformer quantization to int8")
    leanest = min((profile_need(inputs, p) for p in SPEED_ORDER), key=lambda n: (n.vram_gb, n.ram_gb))
    least_ram = min((profile_need(inputs, p) for p in SPEED_ORDER), key=lambda n: (n.ram_gb, n.vram_gb))
    if ram_gb is not None and least_ram.ram_gb > ram_gb * (1 + RAM_SLACK):
        reason = (f"RAM: needs at least {least_ram.ram_gb:.1f} GB (profile {least_ram.profile}), this machine has "
                  f"{ram_gb:g} GB")
        return Judgement("incompatible", least_ram.profile, least_ram.vram_gb, least_ram.ram_gb, reason,
                         "more system RAM", None)
    shortest = profile_need(inputs, leanest.profile, inputs.workload.with_frames(1)) \
        if inputs.output_type == "video" else leanest
    reason = (f"VRAM: needs at least {shortest.vram_gb:.1f} GB even on profile {leanest.profile}"
              f"{' with the shortest clip' if inputs.output_type == 'video' else ''}, the budget is {vram_gb:g} GB")
    return Judgement("incompatible", leanest.profile, leanest.vram_gb, leanest.ram_gb, reason,
                     "a GPU with more VRAM", None)


def host_profile_note(inputs: MemoryInputs, judgement: Judgement, host_profile: str | None, vram_gb: float,
                      ram_gb: float | None) -> str:
    """What the profile Wan2GP is set to does on this machine, when it differs from the verdict's."""
    if host_profile is None or host_profile == judgement.profile or judgement.verdict == "incompatible":
        return ""
    need = profile_need(inputs, host_profile)
    if fits(need, vram_gb, ram_gb):
        return f"Wan2GP is set to profile {host_profile}, which also fits ({_need(need)})"
    return f"Wan2GP is set to profile {host_profile}, which needs {_need(need)}: switch to {judgement.profile}"


def what_fits(inputs: MemoryInputs, profile: str, vram_gb: float,
              offered: tuple[tuple[int, int], ...] = ()) -> WhatFits | None:
    """The longest clip at the default resolution and the highest offered resolution that fit on ``profile``."""
    if inputs.output_type == "audio":
        return None
    w = inputs.workload
    max_frames = longest_clip(inputs, profile, vram_gb)
    candidates = set(offered) | set(IMAGE_RESOLUTIONS if inputs.output_type == "image" else VIDEO_RESOLUTIONS)
    if inputs.family == "ltx2":
        candidates.add(_4K)
    candidates.add((w.width, w.height))
    best: tuple[int, int] | None = None
    best_frames: int | None = None
    for width, height in sorted(candidates, key=lambda wh: (wh[0] * wh[1], wh)):
        workload = w.with_resolution(width, height)
        if inputs.output_type == "video":
            frames = longest_clip(inputs, profile, vram_gb, workload)
            if frames is None or frames < min(MIN_CLIP_FRAMES, w.frames):
                continue
            best, best_frames = (width, height), frames
        elif profile_need(inputs, profile, workload).vram_gb <= vram_gb:
            best = (width, height)
    return WhatFits(profile=profile, resolution=w.resolution, max_frames=max_frames,
                    highest_resolution=f"{best[0]}x{best[1]}" if best else None, highest_resolution_frames=best_frames)


def _judgement(verdict: str, inputs: MemoryInputs, need: ProfileNeed, vram_gb: float, ram_gb: float | None,
               offered: tuple[tuple[int, int], ...], reason: str, limit: str) -> Judgement:
    return Judgement(verdict, need.profile, need.vram_gb, need.ram_gb, reason, limit,
                     what_fits(inputs, need.profile, vram_gb, offered))


def _lower_resolution(inputs: MemoryInputs, profile: str, vram_gb: float):
    w = inputs.workload
    pixels = w.width * w.height
    options = IMAGE_RESOLUTIONS if inputs.output_type == "image" else VIDEO_RESOLUTIONS
    for width, height in sorted((o for o in options if o[0] * o[1] < pixels), key=lambda o: -o[0] * o[1]):
        workload = w.with_resolution(width, height)
        if profile_need(inputs, profile, workload).vram_gb <= vram_gb:
            return workload, f"{width}x{height}"
    return None


def _why_not(inputs: MemoryInputs, fast: list[str], vram_gb: float, ram_gb: float | None) -> str:
    """Why Wan2GP's default profile for this output type (4, or 3+ for audio) does not run the model."""
    default = "4" if "4" in fast else "3+"
    need = profile_need(inputs, default)
    short = []
    if need.vram_gb > vram_gb:
        short.append(f"VRAM: profile {default} needs {need.vram_gb:.1f} GB, the budget is {vram_gb:g} GB")
    if ram_gb is not None and need.ram_gb > ram_gb * (1 + RAM_SLACK):
        short.append(f"RAM: profile {default} needs {need.ram_gb:.1f} GB, this machine has {ram_gb:g} GB")
    return "; ".join(short) or f"profile {default} does not fit"


def _ram_short(inputs: MemoryInputs, fast: list[str], ram_gb: float | None) -> bool:
    """Whether Wan2GP's default profile for this output type lacks the RAM."""
    default = "4" if "4" in fast else "3+"
    return ram_gb is not None and profile_need(inputs, default).ram_gb > ram_gb * (1 + RAM_SLACK)


def _need(need: ProfileNeed) -> str:
    return f"about {need.vram_gb:.1f} GB VRAM and {need.ram_gb:.1f} GB RAM"


def _machine(vram_gb: float, ram_gb: float | None) -> str:
    return f"this machine: {vram_gb:g} GB VRAM, " + (f"{ram_gb:g} GB RAM" if ram_gb is not None else "RAM unknown")


def _label(resolution: str) -> str:
    height = int(resolution.split("x")[1])
    names = {480: "480p", 704: "720p", 720: "720p", 1088: "1080p", 1080: "1080p", 2176: "4K", 2160: "4K"}
    return f"{names.get(height, resolution)} ({resolution})" if height in names else resolution
