"""VRAM and RAM per Wan2GP memory profile, for a model at a workload, on a card.

Wan2GP hands its models to mmgp with one of seven profiles (``wgp.py`` ``init_pipe`` 3849-3883). How mmgp
then behaves was measured (MMGP_MEASURED.md); this module follows it point by point:

* one model is on the GPU at a time (``coTenantsMap={}``, wgp.py 4077): the VRAM need is the largest phase
  (text encoding, denoising on each expert, VAE decoding), never a sum; two experts cost one expert's VRAM;
* each phase holds the resident weights of the model running (mmgp.py: the budgets and the closed form) plus
  that phase's working memory at the workload, plus the CUDA context and allocator slack;
* RAM holds every model's bytes, plus the pinned-memory overhead of what the profile pins: everything on 1
  and 2 (up to the reserved share of RAM, then partly), the transformer(s) on 3 and 4, the first expert only
  on 4+, nothing on 3+ and 5 (MMGP_MEASURED.md findings 7-8).

Constants name their source; the working memory per latent token is calibrated on Wan2GP's statements and
``benchmarks/fit_claims.py`` checks each statement against this model in both directions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..records import MemorySettings
from .mmgp import GIB_PER_GB, resident_gib
from .shapes import UMT5, WAN_14B, Split
from .workload import Workload

PROFILES: tuple[str, ...] = ("1", "2", "3", "3+", "4", "4+", "5")
# Fastest first (Wan2GP's profile descriptions, wgp.py memory_profile_choices; MMGP_MEASURED.md finding 9).
SPEED_ORDER: tuple[str, ...] = ("1", "3", "3+", "2", "4", "4+", "5")
# Profiles a default setup runs at full speed; the others are a change the verdict names. 3+ pins nothing and
# is several times slower per step for a model it streams (finding 9), so it counts only when the model fits.
# Autoregressive audio models are "the slow way" on streamed profiles (CHANGELOG L367, L416; README 16 Aug 2026).
FAST_PROFILES = {"video": frozenset({"1", "3", "3+", "2", "4"}), "image": frozenset({"1", "3", "3+", "2", "4"}),
                 "audio": frozenset({"1", "3", "3+"})}
RESIDENT = frozenset({"1", "3", "3+"})
UNPINNED = frozenset({"3+", "5"})
PROFILE_NAMES = {"1": "HighRAM_HighVRAM", "2": "HighRAM_LowVRAM", "3": "LowRAM_HighVRAM",
                 "3+": "VeryLowRAM_HighVRAM", "4": "LowRAM_LowVRAM", "4+": "LowRAM_LowVRAM+",
                 "5": "VerylowRAM_LowVRAM"}

# The CUDA context (0.51 GiB measured, MMGP_MEASURED.md) and the allocator's slack over the allocated peak
# (0.02-0.2 GiB measured): outside what torch allocates, inside what the card has.
OVERHEAD_GB = 0.7
# Text-encoder working memory: 0.05-0.09 GiB measured on 512 tokens; longer prompts of language-model encoders.
TEXT_WORKING_GB = 0.1
# RAM: the OS, Python, torch with its CUDA libraries and Wan2GP's own UI, before any model loads (assumed).
BASE_RAM_GB = 4.0
# torch's pinned allocator holds 10-15 % more than the bytes mmgp pins (chunks rounded up to a power of two,
# offload.py 481; MMGP_MEASURED.md finding 8: 24.0 vs 20.95 GiB).
PINNED_OVERHEAD = 0.15
# mmgp pins at most this share of RAM by default (offload.py 231-238), then pins partly (3669-3672).
RESERVED_SHARE = 0.5
RESERVED_SHARE_WINDOWS = 0.4
# VAE weights: Wan's 0.5 GB as the measured pipelines carry it (MMGP_MEASURED.md); image and audio VAEs assumed.
VAE_GB = {"video": 0.5, "image": 0.3, "audio": 0.3}
# Working memory of a VAE decode. Wan2GP tiles the decode by the card's size when vae_config is 0 (automatic,
# e.g. models/wan/modules/vae.py get_VAE_tile_size), so the automatic choice fits the card; a tile size the
# user forces costs what the tile costs (assumed figures, 1.5 GB for Wan's 256-pixel tiles).
DECODE_GB = {"video": 1.5, "image": 0.5, "audio": 0.3}
FORCED_TILE_DECODE_GB = {1: 3.0, 2: 1.5, 3: 1.0}  # vae_config 1/2/3: 512/256/128-pixel tiles (vae.py 985-997)
AUDIO_WORKING_GB = 1.0  # autoregressive audio: KV cache and codec buffers, independent of a frame count (assumed)
REFERENCE_WIDTH = 5120  # Wan2.1 14B's width; working memory per token is quoted at this width
# Reported RAM falls a little short of the nominal size (firmware and kernel reservations): "32 GB" is 31.3 GiB.
RAM_SLACK = 0.05

# Working memory per latent token at REFERENCE_WIDTH, batch 1 (GB), and the Wan2GP statement it is set by.
_DEFAULT_ACTIVATION = (1.45e-4, "Wan2.1 14B: more than 10 s of 720p on 24 GB and 10 s of 480p under 12 GB "
                                "(CHANGELOG L1316); MoviiGen's 720p above the 12 GB tier (old docs/MODELS.md)")
_FAMILY_ACTIVATION: dict[str, tuple[float, str]] = {
    "ltx2": (4.8e-5, "LTX-2: 10 s of 720p in 8 GB ... 10 s of 4K in 24 GB (CHANGELOG L491-495), 15 s of 4K "
                     "in 24 GB (L242)"),
    "hunyuan_1_5": (9.0e-5, "Hunyuan Video 1.5: 12 s of 720p under 20 GB (CHANGELOG L655)"),
    "hunyuan": (8.5e-5, "Hunyuan Custom: about 12 GB for 5 s (issue #248, author reply)"),
    "ltxv": (2.1e-4, "LTX Video 0.9.8: 1800 frames in one window need 22 GB (CHANGELOG L1050)"),
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
    transformer_split: Split = WAN_14B
    text_encoder_split: Split = UMT5
    # The key the family handler gives its big text encoder: mmgp budgets by key (Flux's T5 is text_encoder_2).
    text_encoder_key: str = "text_encoder"
    weights_basis: str = ""
    settings: MemorySettings = field(default_factory=MemorySettings)

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

    @property
    def kind(self) -> str:
        return self.output_type if self.output_type in VAE_GB else "video"


@dataclass(frozen=True, slots=True)
class ProfileNeed:
    """VRAM and RAM one profile needs on one card, what sets the VRAM peak, and the RAM it pins."""

    profile: str
    vram_gb: float
    ram_gb: float
    peak: str
    pinned_gb: float = 0.0
    weights_gb: float = 0.0  # resident weights in the peak phase
    # The least RAM it can run in: on profiles that pin nothing the weights are mapped from their files
    # (mmgp safetensors2.py create_tensors_with_mmap), so only the model at work must stay resident, re-read
    # from disk as the others are evicted (slow); elsewhere the RAM need itself.
    ram_min_gb: float = 0.0


def phases(inputs: MemoryInputs, profile: str, workload: Workload | None = None,
           card_gb: float | None = None) -> dict[str, tuple[float, float]]:
    """Per phase: (resident weights, working memory) in GiB; the CUDA overhead comes on top."""
    w = workload or inputs.workload
    settings = inputs.settings
    transformer = resident_gib(inputs.weights_gb, inputs.transformer_split, profile, "transformer", card_gb,
                               settings)
    if inputs.text_encoder_gb > 0:
        text = ("text encoding", resident_gib(inputs.text_encoder_gb, inputs.text_encoder_split, profile,
                                              inputs.text_encoder_key, card_gb, settings))
    else:  # no separate encoder: a unified model (HiDream O1, hidream_handler.py L125) reads the prompt itself
        text = ("text encoding (in the transformer)", transformer)
    found = {
        text[0]: (text[1], TEXT_WORKING_GB),
        "denoising" + (" (each expert)" if inputs.experts > 1 else ""): (transformer, inputs.working_gb(w)),
        "VAE decode": (VAE_GB[inputs.kind] * GIB_PER_GB, _decode_gb(inputs, settings)),
    }
    if profile in RESIDENT and inputs.resident_floor_gb is not None:
        found[f"Wan2GP's figure ({inputs.resident_floor_basis})"] = (inputs.resident_floor_gb - OVERHEAD_GB, 0.0)
    return found


def _decode_gb(inputs: MemoryInputs, settings: MemorySettings) -> float:
    if inputs.kind == "video" and settings.vae_config in FORCED_TILE_DECODE_GB:
        return FORCED_TILE_DECODE_GB[settings.vae_config]
    return DECODE_GB[inputs.kind]


def profile_need(inputs: MemoryInputs, profile: str, workload: Workload | None = None,
                 card_gb: float | None = None, ram_total_gb: float | None = None) -> ProfileNeed:
    """The need of one profile on a card of ``card_gb`` (None: a card that holds every model whole)."""
    found = phases(inputs, profile, workload, card_gb)
    peak = max(found, key=lambda name: sum(found[name]))
    weights, working = found[peak]
    pinned = pinned_gb(inputs, profile, ram_total_gb)
    ram = ram_need(inputs, profile, ram_total_gb)
    ram_min = BASE_RAM_GB + mapped_working_set_gb(inputs) if profile in UNPINNED else ram
    return ProfileNeed(profile, round(OVERHEAD_GB + weights + working, 2), round(ram, 2), peak, round(pinned, 2),
                       round(weights, 2), round(ram_min, 2))


def mapped_working_set_gb(inputs: MemoryInputs) -> float:
    """GiB that must stay in RAM when nothing is pinned: the largest single model, the one at work."""
    return max(inputs.weights_gb, inputs.text_encoder_gb, VAE_GB[inputs.kind]) * GIB_PER_GB


def models_gb(inputs: MemoryInputs) -> float:
    """GiB of every model of the pipeline: the transformer(s), the text encoder, the VAE."""
    transformers = inputs.weights_gb * max(inputs.experts, 1)
    return (transformers + inputs.text_encoder_gb + VAE_GB[inputs.kind]) * GIB_PER_GB


def ram_need(inputs: MemoryInputs, profile: str, ram_total_gb: float | None = None) -> float:
    """System RAM a profile holds: the base, every model's bytes, and the pinned buffers' overhead."""
    return BASE_RAM_GB + models_gb(inputs) + PINNED_OVERHEAD * pinned_gb(inputs, profile, ram_total_gb)


def pinned_gb(inputs: MemoryInputs, profile: str, ram_total_gb: float | None = None) -> float:
    """GiB a profile pins: everything on 1 and 2 (at most the reserved share of RAM), the transformer(s) on 3
    and 4, the first expert on 4+ (wgp.py 3871-3873), nothing on 3+ and 5."""
    one = inputs.weights_gb * GIB_PER_GB
    if profile in ("1", "2"):
        everything = models_gb(inputs)
        if ram_total_gb is None:
            return everything
        settings = inputs.settings
        share = settings.reserved_ram_share or (RESERVED_SHARE_WINDOWS if settings.windows else RESERVED_SHARE)
        return min(everything, share * ram_total_gb)
    if profile in ("3", "4"):
        return one * max(inputs.experts, 1)
    return one if profile == "4+" else 0.0


def profile_needs(inputs: MemoryInputs, workload: Workload | None = None, card_gb: float | None = None,
                  ram_total_gb: float | None = None) -> dict[str, ProfileNeed]:
    return {p: profile_need(inputs, p, workload, card_gb, ram_total_gb) for p in PROFILES}


def ram_fits(need_gb: float, ram_gb: float | None) -> bool:
    """RAM is compared with a "32 GB" machine's 31.3 GiB in mind."""
    return ram_gb is None or need_gb <= ram_gb * (1 + RAM_SLACK)


def fits(need: ProfileNeed, vram_gb: float, ram_gb: float | None) -> bool:
    return need.vram_gb <= vram_gb and ram_fits(need.ram_gb, ram_gb)


def longest_clip(inputs: MemoryInputs, profile: str, vram_gb: float, workload: Workload | None = None) -> int | None:
    """The most frames (on the VAE's frame grid) that fit ``vram_gb`` on a profile; None if not even one.

    Only the denoising phase grows with the clip, linearly in its latent frames, so the answer is solved for
    rather than searched.
    """
    w = workload or inputs.workload
    if inputs.output_type != "video":
        return None
    temporal = inputs.stride[1]
    one = w.with_frames(1)
    found = phases(inputs, profile, one, vram_gb)
    denoising = next(name for name in found if name.startswith("denoising"))
    weights, per_latent = found.pop(denoising)
    if OVERHEAD_GB + max(sum(v) for v in found.values()) > vram_gb:
        return None
    room = vram_gb - OVERHEAD_GB - weights
    if per_latent <= 0:
        return MAX_FRAMES if room >= 0 else None
    latent = math.floor(room / per_latent + 1e-9)
    if latent < 1:
        return None
    return min(1 + (latent - 1) * temporal, 1 + (MAX_FRAMES - 1) // temporal * temporal)


def fastest_fitting(inputs: MemoryInputs, vram_gb: float, ram_gb: float | None,
                    profiles: Iterable[str] = SPEED_ORDER, workload: Workload | None = None) -> ProfileNeed | None:
    for profile in profiles:
        need = profile_need(inputs, profile, workload, vram_gb, ram_gb)
        if fits(need, vram_gb, ram_gb):
            return need
    return None
