"""VRAM and RAM per Wan2GP memory profile, for a model at a workload.

Wan2GP hands its models to mmgp with one of seven profiles (``wgp.py`` ``init_pipe``,
MODEL_FACTS.md section 6). What each keeps where, as modelled here:

========  ==========================================  =====================================
profile   VRAM                                        RAM
========  ==========================================  =====================================
1         every model of the pipeline resident        everything, all of it pinned
2         weights streamed block by block (async)     everything, all of it pinned
3         the transformer resident within 70% of VRAM everything, the transformer(s) pinned
3+        as 3                                        nothing pinned: only the working set
4         as 2 (Wan2GP's default)                     everything, the transformer(s) pinned
4+        as 4, one block in flight (sync transfers)  as 4
5         as 4+, smaller budgets (fail-safe)          nothing pinned: only the working set
========  ==========================================  =====================================

The VRAM need is the largest of the pipeline's phases (text encoding, denoising, VAE decoding):
mmgp unloads a finished stage before the next one. Denoising costs the CUDA overhead, the
weights in VRAM, and working memory proportional to the latent tokens of the workload (x the
model's width, x the batch). The constants are calibrated on Wan2GP's own statements and every
one names them; ``benchmarks/fit_claims.py`` checks each statement against this model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .workload import Workload

PROFILES: tuple[str, ...] = ("1", "2", "3", "3+", "4", "4+", "5")
# Fastest first (Wan2GP's profile descriptions, wgp.py memory_profile_choices).
SPEED_ORDER: tuple[str, ...] = ("1", "3", "3+", "2", "4", "4+", "5")
# Profiles a default setup runs at full speed; the others are a change the verdict names.
# Autoregressive audio models are "the slow way" on streamed profiles (CHANGELOG L367, L416; README 16 Aug 2026).
FAST_PROFILES = {"video": frozenset({"1", "3", "3+", "2", "4"}), "image": frozenset({"1", "3", "3+", "2", "4"}),
                 "audio": frozenset({"1", "3", "3+"})}
RESIDENT = frozenset({"1", "3", "3+"})
PROFILE_NAMES = {"1": "HighRAM_HighVRAM", "2": "HighRAM_LowVRAM", "3": "LowRAM_HighVRAM",
                 "3+": "VeryLowRAM_HighVRAM", "4": "LowRAM_LowVRAM", "4+": "LowRAM_LowVRAM+",
                 "5": "VerylowRAM_LowVRAM"}

CUDA_OVERHEAD_GB = 1.0  # CUDA context, kernels, allocator slack and the small always-resident layers
BLOCKS = 40  # transformer blocks a model is streamed in (Wan2.1 14B has 40)
PRELOAD_GB = 0.1  # mmgp's 100 MB transformer budget on profiles 2, 4 and 5 (wgp.py init_pipe)
PROFILE_3_SHARE = 0.7  # profile 3 budgets 70% of VRAM for the models it keeps resident
# RAM: the OS, Python, torch with its CUDA libraries and Wan2GP's own UI, before any model loads.
BASE_RAM_GB = 4.0
# Pinned (reserved) buffers cost more than their bytes (reservation pool, alignment); calibrated so that
# Wan2.1 14B int8 fits profile 4 in 32 GB and Wan2.2 A14B in 48 GB (wgp.py profile guidance; issue #596).
PINNED_OVERHEAD = 0.2
# mmgp pins at most this share of RAM (--perc-reserved-mem-max, "below 0.5", docs/CLI.md L136); past it,
# it pins only part of the weights and transfers slow down (issue #28). Hence profiles 1/2's "HighRAM" (64 GB).
PINNED_SHARE_MAX = 0.45
VAE_GB = {"video": 0.5, "image": 0.3, "audio": 0.3}
# Working memory of a tiled VAE decode (Wan2GP sizes the tiles to the VRAM it finds).
DECODE_GB = {"video": 1.5, "image": 0.5, "audio": 0.3}
AUDIO_WORKING_GB = 1.0  # autoregressive audio: KV cache and codec buffers, independent of a frame count
REFERENCE_WIDTH = 5120
# Reported RAM falls a little short of the nominal size (firmware and kernel reservations): "32 GB" is 31.3 GiB.
RAM_SLACK = 0.05  # Wan2.1 14B's width; working memory per token is quoted at this width

# Working memory per latent token at REFERENCE_WIDTH, batch 1 (GB), and the Wan2GP statement it is set by.
_DEFAULT_ACTIVATION = (1.45e-4, "Wan2.1 14B: more than 10 s of 720p on 24 GB and 10 s of 480p under 12 GB "
                                "(CHANGELOG L1316); MoviiGen's 720p above the 12 GB tier (old docs/MODELS.md)")
_FAMILY_ACTIVATION: dict[str, tuple[float, str]] = {
    "ltx2": (4.8e-5, "LTX-2: 10 s of 720p in 8 GB ... 10 s of 4K in 24 GB (CHANGELOG L491-495), 15 s of 4K "
                     "in 24 GB (L242)"),
    "hunyuan_1_5": (9.0e-5, "Hunyuan Video 1.5: 12 s of 720p under 20 GB (CHANGELOG L655)"),
    "hunyuan": (8.5e-5, "Hunyuan Custom: about 12 GB for 5 s (issue #248, author reply)"),
    "minimax_h3": (2.7e-5, "MiniMax H3: 5-6 GB for 5 s and 8-9 GB for 15 s at 832x480 (README, 5 Aug 2026)"),
}
_ARCHITECTURE_ACTIVATION: dict[str, tuple[float, str]] = {
    "ovi": (1.2e-4, "Ovi: 6 GB for 121 frames of 720p (CHANGELOG L718), 8 GB for 10 s (L690)"),
}
# Shortest clip worth offering when a default clip does not fit (about one second).
MIN_CLIP_FRAMES = 17
MAX_FRAMES = 4000


def activation_basis(family: str, architecture: str) -> tuple[float, str]:
    """Working memory per latent token for a model, and the statement that calibrates it."""
    return _ARCHITECTURE_ACTIVATION.get(architecture) or _FAMILY_ACTIVATION.get(family) or _DEFAULT_ACTIVATION


@dataclass(frozen=True, slots=True)
class MemoryInputs:
    """What the memory model needs to know about one model."""

    output_type: str
    family: str
    architecture: str
    variant: str
    weights_gb: float  # one transformer (one expert) at the selected format
    experts: int
    text_encoder_gb: float
    width_ratio: float  # model width / REFERENCE_WIDTH
    stride: tuple[int, int]  # pixels per latent token (spatial side, frames)
    workload: Workload
    activation_gb_per_token: float
    activation_basis: str
    resident_floor_gb: float | None = None  # a Wan2GP statement of the VRAM the resident profiles need
    resident_floor_basis: str = ""

    def tokens(self, workload: Workload | None = None) -> int:
        """Latent tokens the transformer attends over."""
        w = workload or self.workload
        if self.output_type == "audio":
            return 0
        spatial, temporal = self.stride
        latent_frames = 1 + max(w.frames - 1, 0) // temporal
        return math.ceil(w.width / spatial) * math.ceil(w.height / spatial) * latent_frames

    def working_gb(self, workload: Workload | None = None) -> float:
        w = workload or self.workload
        if self.output_type == "audio":
            return AUDIO_WORKING_GB * w.batch
        return self.activation_gb_per_token * self.tokens(w) * self.width_ratio * w.batch

    def with_variant(self, variant: str, weights_gb: float) -> MemoryInputs:
        return replace(self, variant=variant, weights_gb=weights_gb)


@dataclass(frozen=True, slots=True)
class ProfileNeed:
    """VRAM and RAM one profile needs, and what sets the VRAM peak."""

    profile: str
    vram_gb: float
    ram_gb: float
    peak: str


def profile_need(inputs: MemoryInputs, profile: str, workload: Workload | None = None) -> ProfileNeed:
    """The need of one profile (see the module docstring for what each keeps where)."""
    w = workload or inputs.workload
    kind = inputs.output_type if inputs.output_type in VAE_GB else "video"
    weights, experts, encoder = inputs.weights_gb, max(inputs.experts, 1), inputs.text_encoder_gb
    vae, decode = VAE_GB[kind], DECODE_GB[kind]
    working = inputs.working_gb(w)
    overhead = CUDA_OVERHEAD_GB
    if profile == "1":
        phases = {"every model resident": overhead + weights * experts + encoder + vae + max(working, decode)}
    elif profile in ("3", "3+"):
        phases = {"resident transformer and working memory": overhead + weights + max(working, decode),
                  "the 70% of VRAM profile 3 gives the resident transformer": weights / PROFILE_3_SHARE,
                  "text encoder": overhead + encoder}
    else:
        in_flight = 1 if profile in ("4+", "5") else 2
        streamed = weights * in_flight / BLOCKS + PRELOAD_GB
        phases = {"denoising working memory": overhead + streamed + working,
                  "text encoder": overhead + encoder * in_flight / BLOCKS + PRELOAD_GB,
                  "VAE decode": overhead + vae + decode}
    if profile in RESIDENT and inputs.resident_floor_gb is not None:
        phases[f"Wan2GP's figure ({inputs.resident_floor_basis})"] = inputs.resident_floor_gb
    peak = max(phases, key=lambda name: phases[name])
    return ProfileNeed(profile, round(phases[peak], 2), round(ram_need(inputs, profile), 2), peak)


def ram_need(inputs: MemoryInputs, profile: str) -> float:
    """System RAM a profile needs: what it holds (``loaded_ram_gb``); profiles 1 and 2 also need all their
    weights within mmgp's share of RAM (their point is pinning everything), while 3, 4 and 4+ fall back to
    pinning part of the transformer, a little slower (issue #28)."""
    loaded = loaded_ram_gb(inputs, profile)
    return max(loaded, pinned_gb(inputs, profile) / PINNED_SHARE_MAX) if profile in ("1", "2") else loaded


def loaded_ram_gb(inputs: MemoryInputs, profile: str) -> float:
    """RAM held: the base, every model loaded, plus the pinned buffers' overhead.

    Profiles 3+ and 5 pin nothing; mmgp then keeps only the stage at work in RAM and maps the
    rest from disk, so they hold the largest single model (Wan2GP: profile 5 for 24 GB of RAM).
    """
    kind = inputs.output_type if inputs.output_type in VAE_GB else "video"
    if profile in ("3+", "5"):
        return BASE_RAM_GB + max(inputs.weights_gb, inputs.text_encoder_gb) + VAE_GB[kind]
    everything = inputs.weights_gb * max(inputs.experts, 1) + inputs.text_encoder_gb + VAE_GB[kind]
    return BASE_RAM_GB + everything + PINNED_OVERHEAD * pinned_gb(inputs, profile)


def pinned_gb(inputs: MemoryInputs, profile: str) -> float:
    """Weights a profile pins: everything on 1 and 2, the transformer(s) on 3, 4 and 4+, nothing on 3+ and 5."""
    kind = inputs.output_type if inputs.output_type in VAE_GB else "video"
    transformers = inputs.weights_gb * max(inputs.experts, 1)
    if profile in ("1", "2"):
        return transformers + inputs.text_encoder_gb + VAE_GB[kind]
    return 0.0 if profile in ("3+", "5") else transformers


def profile_needs(inputs: MemoryInputs, workload: Workload | None = None) -> dict[str, ProfileNeed]:
    return {p: profile_need(inputs, p, workload) for p in PROFILES}


def fits(need: ProfileNeed, vram_gb: float, ram_gb: float | None) -> bool:
    """Whether a need fits a machine; RAM is compared with a "32 GB" machine's 31.3 GiB in mind."""
    return need.vram_gb <= vram_gb and (ram_gb is None or need.ram_gb <= ram_gb * (1 + RAM_SLACK))



def longest_clip(inputs: MemoryInputs, profile: str, vram_gb: float, workload: Workload | None = None) -> int | None:
    """The most frames (on the VAE's frame grid) that fit ``vram_gb`` on a profile; None if not even one."""
    w = workload or inputs.workload
    if inputs.output_type != "video":
        return None
    temporal = inputs.stride[1]

    def ok(latent: int) -> bool:
        return profile_need(inputs, profile, w.with_frames(1 + (latent - 1) * temporal)).vram_gb <= vram_gb

    if not ok(1):
        return None
    low, high = 1, (MAX_FRAMES - 1) // temporal + 1
    if ok(high):
        return 1 + (high - 1) * temporal
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if ok(middle) else (low, middle)
    return 1 + (low - 1) * temporal


def fastest_fitting(inputs: MemoryInputs, vram_gb: float, ram_gb: float | None,
                    profiles: Iterable[str] = SPEED_ORDER, workload: Workload | None = None) -> ProfileNeed | None:
    for profile in profiles:
        need = profile_need(inputs, profile, workload)
        if fits(need, vram_gb, ram_gb):
            return need
    return None
