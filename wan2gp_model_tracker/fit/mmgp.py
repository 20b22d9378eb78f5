"""What mmgp keeps in VRAM for one model under one Wan2GP memory profile, on one card.

The closed form of MMGP_MEASURED.md ("A formula per profile"), which reproduces all 112 measured
configurations of mmgp 3.7.12 (Wan2GP's pin) within 0.03 GiB of a per-pipeline activation constant:

* the budget Wan2GP sets per model (``wgp.py`` ``init_pipe`` 3849-3883): none on profiles 1, 3, 3+ (profile
  3's ``"70%"`` is parsed as 70 x the card and reset, offload.py 3508-3510, 3653-3654); 100 MB for
  ``transformer``/``transformer2``/``text_encoder`` and 3000 MB (1000 on profile 5) for every other model on
  2, 4, 4+, 5; ``--preload``/``preload_in_VRAM`` replaces these on 2, 4, 5 (wgp.py 3864);
* mmgp then drops a budget larger than the model, and gives a model larger than 80 % of the card
  (``vram_safety_coefficient``) a budget of 80 % of the card (offload.py 3653-3663);
* a model without a budget is loaded whole; a budgeted one keeps its base, the blocks the budget preloads
  and two blocks in flight (``tune_preloading`` offload.py 3377-3451, ``gpu_load_blocks`` 2684-2776); on
  profile 4+ (no async transfers) its base and one block, nothing preloaded (offload.py 3384, 2766-2770).

Sizes in: GB (1e9 bytes, as files are sized); out: GiB, as a card reports its memory.
"""

from __future__ import annotations

import math

from ..records import MemorySettings
from .shapes import Split

GIB_PER_GB = 1e9 / 2**30
# Budgets in mmgp MB (MiB), wgp.py 3859-3866.
STREAMED_BUDGET_MB = 100
OTHER_BUDGET_MB = 3000
OTHER_BUDGET_PROFILE_5_MB = 1000
# The models init_pipe gives the 100 MB budget; every other key falls under "*".
NAMED_BUDGET_KEYS = frozenset({"transformer", "transformer2", "text_encoder"})
UNBUDGETED = frozenset({"1", "3", "3+"})


def budget_mb(profile: str, key: str, settings: MemorySettings) -> float:
    """The budget Wan2GP asks mmgp for, for the model under ``key`` (0 = none)."""
    if profile in UNBUDGETED:
        return 0.0
    preload = settings.preload_mb if profile in ("2", "4", "5") else 0
    if key in NAMED_BUDGET_KEYS:
        return float(preload or STREAMED_BUDGET_MB)
    return float(max(OTHER_BUDGET_PROFILE_5_MB if profile == "5" else OTHER_BUDGET_MB, preload))


def resident_gib(size_gb: float, split: Split, profile: str, key: str, card_gib: float | None,
                 settings: MemorySettings) -> float:
    """GiB of this model's weights in VRAM while it runs (``card_gib`` None: a card larger than any model)."""
    size = max(size_gb, 0.0) * GIB_PER_GB
    budget = budget_mb(profile, key, settings) / 1024
    if budget > size:
        budget = 0.0
    if card_gib is not None:
        cap = settings.vram_safety * card_gib
        if (size > cap and budget == 0) or budget > cap:
            budget = cap
    if budget == 0:
        return size
    base, block = size * split.base_share, size * split.block_share
    if profile == "4+":
        return min(size, base + block)
    mean = size * split.mean_block_share
    preloaded = math.floor(max(budget - base - 2 * block, 0.0) / mean) * mean if mean > 0 else 0.0
    return min(size, base + preloaded + 2 * block)
