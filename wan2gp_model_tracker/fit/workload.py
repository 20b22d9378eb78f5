"""A definition's default workload (resolution, frames, steps, guidance, experts, batch), read as Wan2GP reads it.

Wan2GP builds a model's defaults in layers (MODEL_FACTS.md, "SET"; ``wgp.py`` L3161-3179): its
global ``models/_settings.json`` (832x480, 81 frames, 30 steps, CFG 5), 1280x720 when the model
type's name contains "720", the family handler's ``update_default_settings``, then the settings
block of the definition file (the keys beside ``"model"``), which the host keeps under the
definition's ``settings`` key. Both catalogs hand this module that same dict, so the command line
and the tab cost a model at the same workload.

Values come from user-written files: anything that is not a finite number in a sane range is
replaced by the layer below and noted, never raised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_RESOLUTION = (832, 480)
HD_RESOLUTION = (1280, 720)  # wgp.get_factory_settings, when the model type's name contains "720"
DEFAULT_FRAMES = 81
DEFAULT_STEPS = 30  # with CFG 5, hence two transformer passes per step
DEFAULT_GUIDANCE = 5.0
# Assumed for a distilled model whose definition names no step count: the FusioniX finetune's
# 8 steps (Wan2GP changelog L1162, 12 Jun 2025) is typical of the accelerated Wan finetunes.
DISTILLED_STEPS = 8
DISTILLED_MARKERS = ("distill", "lightning", "turbo", "fastwan", "lightx2v", "self-forcing", "schnell",
                     "accvideo", "fusionix", "fasthunyuan", "causvid", "4-step", "twinflow")
# Flux models use embedded (distilled) guidance, a single pass per step (flux_handler, MODEL_FACTS 1b).
EMBEDDED_GUIDANCE_FAMILIES = frozenset({"flux", "flux2"})

# Family handler defaults that the definition files do not repeat (handler update_default_settings).
_HANDLER_DEFAULTS: dict[str, dict[str, Any]] = {
    "ltx2": {"video_length": 241},  # models/ltx2/ltx2_handler.py L315, L524
}
_ARCHITECTURE_DEFAULTS: dict[str, dict[str, Any]] = {
    "ltx2_25_22B": {"resolution": "1280x704", "video_length": 241},  # ltx2_handler.py L276-280
}

# Accepted ranges; anything outside is clamped (a note says so) so no arithmetic can overflow.
_SIDE = (16, 16384)
_FRAMES = (1, 100_000)
_STEPS = (1, 10_000)
_BATCH = (1, 64)
_PHASES = (1, 3)
# At most 7 digits per side: longer strings are refused before int() ever sees them.
_RESOLUTION_RE = re.compile(r"\s*(\d{1,7})\s*[xX]\s*(\d{1,7})\s*")


@dataclass(frozen=True, slots=True)
class Workload:
    """What one default generation of a model asks of it."""

    width: int
    height: int
    frames: int  # 1 for images; 0 means no frame workload (audio)
    steps: int
    passes: int  # transformer passes per step: 2 with classifier-free guidance, 1 without
    guidance_phases: int
    batch: int
    experts: int
    distilled: bool
    notes: tuple[str, ...] = ()

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"

    def with_frames(self, frames: int) -> Workload:
        return _replace(self, frames=frames)

    def with_resolution(self, width: int, height: int) -> Workload:
        return _replace(self, width=width, height=height)


def _replace(workload: Workload, **changes: Any) -> Workload:
    values = {name: getattr(workload, name) for name in Workload.__slots__}
    values.update(changes)
    return Workload(**values)


def settings_of(model_def: Mapping[str, Any]) -> Mapping[str, Any]:
    """Default generation settings: the host's ``settings`` dict, else keys set on the definition itself."""
    settings = model_def.get("settings")
    return settings if isinstance(settings, Mapping) else model_def


def layered_settings(model_def: Mapping[str, Any], model_type: str, architecture: str,
                     family: str) -> dict[str, Any]:
    """Wan2GP's default settings for a model, lowest layer first, the definition's own on top."""
    layers: dict[str, Any] = {"resolution": f"{DEFAULT_RESOLUTION[0]}x{DEFAULT_RESOLUTION[1]}",
                              "video_length": DEFAULT_FRAMES}
    if "720" in model_type:
        layers["resolution"] = f"{HD_RESOLUTION[0]}x{HD_RESOLUTION[1]}"
    layers.update(_HANDLER_DEFAULTS.get(family, {}))
    layers.update(_ARCHITECTURE_DEFAULTS.get(architecture, {}))
    own = settings_of(model_def)
    layers.update({k: v for k, v in own.items() if isinstance(k, str)})
    return layers


def is_distilled(model_type: str, name: str) -> bool:
    lowered = f"{model_type} {name}".lower()
    return any(marker in lowered for marker in DISTILLED_MARKERS) or model_type.endswith("_sf")


def read_workload(model_def: Mapping[str, Any], model_type: str, architecture: str, family: str,
                  output_type: str, name: str = "") -> Workload:
    """The default workload of one definition; never raises, whatever the settings hold."""
    settings = layered_settings(model_def, model_type, architecture, family)
    notes: list[str] = []
    distilled = is_distilled(model_type, name)

    fallback = HD_RESOLUTION if "720" in model_type else DEFAULT_RESOLUTION
    width, height = parse_resolution(settings.get("resolution"), fallback, notes)

    if output_type == "audio":
        frames = 0
    elif family_output(family) != "video" or (output_type == "image" and "video_length" not in settings_of(model_def)):
        # An image editor of a video family (Chrono Edit) renders frames only when its settings ask for them.
        frames = 1
    else:
        frames = _bounded_int(settings.get("video_length"), DEFAULT_FRAMES, _FRAMES, "video_length", notes,
                              zero_means_default=True)
    steps_default = DISTILLED_STEPS if distilled else DEFAULT_STEPS
    steps = _bounded_int(settings.get("num_inference_steps"), steps_default, _STEPS, "num_inference_steps", notes,
                         zero_means_default=True)
    batch = _bounded_int(settings.get("batch_size"), 1, _BATCH, "batch_size", notes, zero_means_default=True)
    phases = _bounded_int(settings.get("guidance_phases"), 1, _PHASES, "guidance_phases", notes,
                          zero_means_default=True)
    experts = 2 if "URLs2" in model_def else 1
    return Workload(width=width, height=height, frames=frames, steps=steps,
                    passes=_passes(settings, distilled, family, notes), guidance_phases=phases, batch=batch,
                    experts=experts, distilled=distilled, notes=tuple(notes))


def family_output(family: str) -> str:
    from ..catalog.families import FAMILY_LABELS

    return FAMILY_LABELS.get(family, FAMILY_LABELS["unknown"])[1]


def parse_resolution(value: Any, fallback: tuple[int, int], notes: list[str] | None = None) -> tuple[int, int]:
    """``"WxH"`` as two sides within range; anything else is the fallback (noted)."""
    notes = notes if notes is not None else []
    if value is None:
        return fallback
    match = _RESOLUTION_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        notes.append(f"resolution {_shown(value)} is not WIDTHxHEIGHT; {fallback[0]}x{fallback[1]} assumed")
        return fallback
    sides = [int(match.group(1)), int(match.group(2))]
    clamped = [min(max(side, _SIDE[0]), _SIDE[1]) for side in sides]
    if clamped != sides:
        notes.append(f"resolution {_shown(value)} clamped to {clamped[0]}x{clamped[1]}")
    return clamped[0], clamped[1]


def _bounded_int(value: Any, default: int, bounds: tuple[int, int], key: str, notes: list[str],
                 zero_means_default: bool = False) -> int:
    if value is None:
        return default
    number = _as_number(value)
    if number is None:
        notes.append(f"{key} {_shown(value)} is not a number; {default} assumed")
        return default
    if number == 0 and zero_means_default:
        return default
    low, high = bounds
    if number < low or number > high:
        clamped = min(max(number, low), high)
        notes.append(f"{key} {_shown(value)} is out of range; clamped to {int(clamped)}")
        return int(clamped)
    return int(number)


def _as_number(value: Any) -> float | int | None:
    """An int or a finite float; bools, strings, NaN and infinities are not numbers here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value  # Python ints never overflow; comparisons with the bounds are exact
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _passes(settings: Mapping[str, Any], distilled: bool, family: str, notes: list[str]) -> int:
    """Transformer passes per step: two with classifier-free guidance, one without."""
    guidance = _as_number(settings.get("guidance_scale"))
    if guidance is not None:
        return 1 if guidance <= 1 else 2
    if settings.get("guidance_scale") is not None:
        notes.append(f"guidance_scale {_shown(settings.get('guidance_scale'))} is not a number")
    return 1 if distilled or family in EMBEDDED_GUIDANCE_FAMILIES else 2


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
