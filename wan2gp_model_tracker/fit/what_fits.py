"""The largest workloads a machine runs on one profile: the longest clip, the highest resolution offered."""

from __future__ import annotations

from dataclasses import dataclass

from .memory import MIN_CLIP_FRAMES, MemoryInputs, longest_clip, profile_need

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
        elif profile_need(inputs, profile, workload, vram_gb).vram_gb <= vram_gb:
            best = (width, height)
    return WhatFits(profile=profile, resolution=w.resolution, max_frames=max_frames,
                    highest_resolution=f"{best[0]}x{best[1]}" if best else None, highest_resolution_frames=best_frames)


def _label(resolution: str) -> str:
    height = int(resolution.split("x")[1])
    names = {480: "480p", 704: "720p", 720: "720p", 1088: "1080p", 1080: "1080p", 2176: "4K", 2160: "4K"}
    return f"{names.get(height, resolution)} ({resolution})" if height in names else resolution
