"""How a model's bytes split into what mmgp streams (blocks) and what stays whole (the base).

mmgp keeps a budgeted model's non-block tensors resident and moves its blocks one or two at a time
(MMGP_MEASURED.md, findings 3-6): the base and the largest block decide the VRAM of the streamed
profiles. The split comes from the safetensors header of a file on disk when there is one (header
only, never the tensors), else from the family's known shape below. Shares are fractions of the
model's bytes, so one split serves every weight format of the model.
"""

from __future__ import annotations

import os
import re
import threading
from collections import defaultdict
from dataclasses import dataclass

from ..scan.file_checks import HeaderError, declared_size, read_safetensors_header, tensor_bytes

# Block tensors as the diffusion transformers and language models Wan2GP loads name them; the first
# group is the tower ("blocks", "single_blocks", ...), the second the block number.
_BLOCK_RE = re.compile(r"(?:^|\.)((?:\w+_)?(?:blocks|layers|layer|block|h))\.(\d+)\.")


@dataclass(frozen=True, slots=True)
class Split:
    """Shares of a model's bytes: outside the blocks, and its largest block; how many blocks."""

    blocks: int
    base_share: float
    block_share: float  # the largest block
    basis: str

    @property
    def mean_block_share(self) -> float:
        return (1 - self.base_share) / max(self.blocks, 1)


def _even(blocks: int, base_share: float, largest_over_mean: float, basis: str) -> Split:
    return Split(blocks, base_share, (1 - base_share) / blocks * largest_over_mean, basis)


# Transformers. Wan2.1 14B and Flux's shares are the synthetic pipelines' of MMGP_MEASURED.md (built on
# Wan2GP's byte sizes): 14B: 0.25 GB base and 40 blocks of 0.394 GB in 16 GB; 1.3B: 30 blocks, 0.22 GiB
# resident on profile 2 (base 0.05 GB); Flux: 0.08 GB base, 19 double + 38 single blocks, largest 0.342 GB.
WAN_14B = Split(40, 0.25 / 16, 0.394 / 16, "Wan2.1 14B's shape (40 blocks; MMGP_MEASURED.md)")
WAN_1_3B = Split(30, 0.053 / 2.8, 0.0916 / 2.8, "Wan2.1 1.3B's shape (30 blocks; MMGP_MEASURED.md)")
FLUX = Split(57, 0.08 / 12, 0.342 / 12, "Flux 1's shape (19 double + 38 single blocks; MMGP_MEASURED.md)")
# Other families: block counts from the models' published configs; base 2 % and blocks of equal size
# (assumed: these transformers hold little outside their blocks), two-tower models' largest block 1.6x the
# mean like Flux's.
_FAMILY_TRANSFORMER: dict[str, Split] = {
    "flux": FLUX,
    "flux2": _even(56, 0.02, 1.6, "Flux 2's shape (8 double + 48 single blocks, transformer config)"),
    "ltx2": _even(48, 0.02, 1.0, "LTX-2's shape (48 blocks, transformer config)"),
    "ltxv": _even(48, 0.02, 1.0, "LTX Video 13B's shape (48 blocks, transformer config)"),
    "hunyuan_1_5": _even(54, 0.02, 1.0, "Hunyuan Video 1.5's shape (54 blocks, transformer config)"),
    "hunyuan": _even(60, 0.02, 1.6, "Hunyuan Video's shape (20 double + 40 single blocks, config)"),
    "qwen": _even(60, 0.02, 1.0, "Qwen Image's shape (60 blocks, transformer config)"),
}
_DEFAULT_TRANSFORMER = _even(40, 0.02, 1.0, "assumed: 40 equal blocks, 2 % outside them (Wan-like)")

# Text encoders: umT5-XXL as measured (6 GB int8 with its 1.05 GB embedding as the base, 24 blocks of
# 0.206 GB); T5-XXL 1.1 as measured (0.263 GB base, 24 blocks, largest 0.385 GB in 9.5 GB); language models
# as their configs give them (embedding, and output head where loaded, as the base).
UMT5 = Split(24, 1.05 / 6, 0.206 / 6, "umT5-XXL's shape (24 blocks, 1.05 GB embedding; MMGP_MEASURED.md)")
T5 = Split(24, 0.263 / 9.5, 0.385 / 9.5, "T5-XXL's shape (24 blocks; MMGP_MEASURED.md)")
_LANGUAGE_MODEL = _even(32, 0.10, 1.0, "assumed: a language model of 32 layers, 10 % embedding")
_TEXT_ENCODER_BY_FAMILY: dict[str, Split] = {"wan": UMT5, "wan2_2": UMT5, "longcat": UMT5, "magi_human": UMT5,
                                             "flux": T5, "ltxv": T5}


def transformer_split(family: str, params_b: float) -> Split:
    """The family's known shape for a transformer of ``params_b`` billion parameters."""
    if family in ("wan", "wan2_2"):
        return WAN_1_3B if params_b < 3 else WAN_14B
    return _FAMILY_TRANSFORMER.get(family, _DEFAULT_TRANSFORMER)


def text_encoder_split(family: str) -> Split:
    return _TEXT_ENCODER_BY_FAMILY.get(family, _LANGUAGE_MODEL)


def split_of(header: dict, basis: str) -> Split | None:
    """The split a safetensors header declares; None when it names no blocks."""
    sizes = tensor_bytes(header)
    total = sum(sizes.values())
    blocks: dict[tuple[str, int], int] = defaultdict(int)
    base = 0
    for name, size in sizes.items():
        match = _BLOCK_RE.search(name)
        if match is None:
            base += size
        else:
            blocks[(match.group(1), int(match.group(2)))] += size
    if not blocks or total <= 0:
        return None
    return Split(len(blocks), base / total, max(blocks.values()) / total, basis)


@dataclass(frozen=True, slots=True)
class HeaderFacts:
    """What a safetensors header on disk tells: the bytes it declares and the split."""

    declared_bytes: int | None
    split: Split | None


_cache: dict[tuple[str, int], HeaderFacts] = {}
_lock = threading.Lock()
_NOTHING = HeaderFacts(None, None)


def header_facts(path: str, size: int) -> HeaderFacts:
    """The header of a safetensors file on disk (never its tensors) of ``size`` bytes as the scan found it, cached
    by path and size: a refresh opens no file it has read before (the scan's own header check keys by mtime too)."""
    if not path.lower().endswith(".safetensors"):
        return _NOTHING
    key = (path, size)
    with _lock:
        if key in _cache:
            return _cache[key]
    try:
        header_len, header = read_safetensors_header(path, size)
        found = HeaderFacts(declared_size(header_len, header),
                            split_of(header, f"the safetensors header of {os.path.basename(path)}"))
    except HeaderError:
        found = _NOTHING
    with _lock:
        _cache[key] = found
    return found
