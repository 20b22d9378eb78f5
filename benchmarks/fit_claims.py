"""Wan2GP's own VRAM/RAM statements in both directions, and mmgp's measured tables, against the memory model.

    python benchmarks/fit_claims.py [--catalog DIR] [--json] [--measured DATABASE]

Part 1: every statement is Wan2GP's (README, docs/CHANGELOG.md, docs, wgp.py's profile texts, the author's
posts; compiled in shared/wan2gp/MODEL_FACTS.md section 2), with the model, figure, workload and source,
checked against the memory model (wan2gp_model_tracker/fit/memory.py) on the real catalog's definition.
The figure printed beside each is the model's, Wan2GP's, and the signed error (model - Wan2GP) / Wan2GP.

"Runs at X" statements:
* runs:      "X runs in B GB of VRAM (at workload W)": some profile's VRAM need on a B GB card <= B.
* ram:       "X runs with B GB of RAM": the profile's (else the leanest) RAM need <= B.
* profile:   "profile P runs it in B GB": P's VRAM need on a B GB card <= B.
* guidance:  a profile text's card size ("profile 4: 12 GB of VRAM"): P fits it; the card a profile is meant
             for, not a minimum, so its error is printed but not counted.
* lighter:   "variant X needs less than Y": X's VRAM and RAM needs on profile 4 <= Y's.
* te_ram:    "the quantized text encoder saves B GB of RAM": the saving within 30 % of B.
"Does not run / needs more / needs at least" statements:
* not_fit:   "X needs B GB": it does not fit the smaller card `below` (need > below) on the profile named, else
             on any profile.
* ram_at_least: "profile P needs at least B GB of RAM": P's RAM need (on profiles 1 and 2: RAM that lets mmgp pin
             everything within its reserved share) is above the smaller tier `below`.
* not_recommended: "X needs more than B" (a tier, a minimum): the verdict at B is not recommended.
* more_ram:  "X needs much more RAM than Y": X's profile-4 RAM need > 1.2 x Y's.

Part 2: the resident weights per profile and card size (plus the measured activation constant) and the pinned
RAM of mmgp 3.7.12, measured on a GPU (shared/wan2gp/MMGP_MEASURED.md), against the closed form in fit/mmgp.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wan2gp_model_tracker.fit.definition_facts import definition_from_file  # noqa: E402
from wan2gp_model_tracker.fit.floors import vram_floor  # noqa: E402
from wan2gp_model_tracker.fit.memory import (  # noqa: E402
    PROFILES,
    MemoryInputs,
    fastest_fitting,
    models_gb,
    pinned_gb,
    profile_need,
    ram_need,
)
from wan2gp_model_tracker.fit.mmgp import GIB_PER_GB, resident_gib  # noqa: E402
from wan2gp_model_tracker.fit.shapes import FLUX, T5, UMT5, WAN_14B, Split  # noqa: E402
from wan2gp_model_tracker.fit.verdict import judge  # noqa: E402
from wan2gp_model_tracker.performance_db import PerformanceDatabase  # noqa: E402
from wan2gp_model_tracker.records import MemorySettings  # noqa: E402
from wan2gp_model_tracker.scan.sizing import bytes_per_param  # noqa: E402

DEFAULT_CATALOG = Path(os.environ.get("WAN2GP_REAL_CATALOG")
                       or REPO.parent / "shared" / "wan2gp" / "catalog" / "defaults")
AMPLE_RAM_GB = 128.0  # a VRAM statement says nothing about RAM: judge it with plenty
MEDIAN_VRAM_ERROR_TARGET = 15.0

CL = "Wan2GP docs/CHANGELOG.md"
RM = "Wan2GP README.md"
OLD_DOCS = "Wan2GP docs/MODELS.md (commit 4010f66)"
PROFILE_TEXT = "wgp.py memory_profile_choices L10961-10967"
NEGATIVE_KINDS = ("not_fit", "ram_at_least", "not_recommended", "more_ram")


@dataclass(frozen=True)
class Claim:
    model_type: str
    kind: str
    statement: str
    source: str
    budget_gb: float = 0.0  # Wan2GP's figure
    resolution: tuple[int, int] | None = None
    frames: int | None = None
    variant: str | None = None  # the weight format the statement is for, when it names one
    profile: str | None = None
    ram_gb: float | None = None
    below_gb: float | None = None  # the smaller card or RAM the statement says is not enough
    other: str = ""  # "lighter"/"more_ram": the model compared with
    note: str = ""


CLAIMS: tuple[Claim, ...] = (
    # --- "runs at X" ------------------------------------------------------------------------------------------
    Claim("t2v", "runs", "about 8 GB of VRAM for 5 s of 480p", "Wan2.1 issue #142 (author post, 2 Mar 2025)", 8,
          (832, 480), 81, "int8"),
    Claim("t2v", "runs", "12 GB for up to 8 s at 480p, quantized or not", "Wan2.1 issue #142 (2 Mar 2025)", 12,
          (832, 480), 129),
    Claim("t2v", "runs", "10 s of 480p under 12 GB", f"{CL} L1316 (2 Mar 2025)", 12, (832, 480), 161),
    Claim("t2v", "runs", "more than 10 s of 720p on an RTX 4090", f"{CL} L1316 (2 Mar 2025)", 24, (1280, 720), 161),
    Claim("i2v", "runs", "about 8 GB of VRAM for 5 s of 480p (Wan2.1 14B t2v and i2v)",
          "Wan2.1 issue #142 (2 Mar 2025)", 8, (832, 480), 81),
    Claim("t2v", "profile", "profile 3 needs 24 GB of VRAM for a 14B model", "Wan2GP docs/CLI.md L128", 24,
          profile="3"),
    Claim("t2v", "guidance", "profile 4: LowRAM_LowVRAM, 12 GB of VRAM", PROFILE_TEXT, 12, profile="4", ram_gb=32,
          note="the card a profile is meant for, not a minimum: checked as fitting, not counted in the error"),
    Claim("t2v", "ram", "profile 4 with 32 GB of RAM", PROFILE_TEXT, 32, profile="4"),
    Claim("t2v", "ram", "profile 5 (fail-safe) with 24 GB of RAM", PROFILE_TEXT, 24, profile="5"),
    Claim("t2v_1.3B", "runs", "Wan 1.3B: 6 GB minimum", f"{OLD_DOCS}; docs/GETTING_STARTED.md", 6),
    Claim("vace_1.3B", "runs", "Vace 1.3B: 6 GB minimum", f"{OLD_DOCS}; docs/GETTING_STARTED.md", 6),
    Claim("vace_14B", "runs", "Vace 14B: 12 GB+ recommended", OLD_DOCS, 12),
    Claim("t2v_2_2", "runs", "Wan2.2 needs no extra VRAM versus Wan2.1 (8 GB at 480p, 81 frames)",
          f"{CL} L1020 (29 Jul 2025)", 8, (832, 480), 81),
    Claim("i2v_2_2", "runs", "Wan2.2 needs no extra VRAM versus Wan2.1 (8 GB at 480p, 81 frames)",
          f"{CL} L1020 (29 Jul 2025)", 8, (832, 480), 81),
    Claim("hunyuan_1_5_t2v", "runs", "Hunyuan Video 1.5 in as low as 6 GB", "HunyuanVideo-1.5 issue #13 "
          "(author post, 25 Nov 2025)", 6, (832, 480), 97, note="workload not stated: 480p, 97 frames assumed"),
    Claim("hunyuan_1_5_i2v", "runs", "Hunyuan Video 1.5 on 8 GB (the author post's title)",
          "HunyuanVideo-1.5 issue #13 (25 Nov 2025)", 8, note="at the definition's default workload"),
    Claim("hunyuan_1_5_t2v", "runs", "12 s of 720p under 20 GB", f"{CL} L655 (24 Nov 2025)", 20, (1280, 720), 289),
    Claim("hunyuan_custom", "runs", "about 12 GB for 5 s", "Wan2GP issue #248 (author reply, 18 May 2025)", 12,
          (1280, 720), 129),
    Claim("hunyuan_avatar", "runs", "just 10 GB of VRAM for up to 15 s of speech-driven video",
          f"{CL} L1180 (28 May 2025)", 10, frames=129,
          note="generated in 128-frame segments (the definition's description): one segment at a time"),
    Claim("ltxv_distilled", "runs", "1800 frames (1 min) in one window in 22 GB", f"{CL} L1050 (21 Jul 2025)", 22,
          frames=1801),
    Claim("ltx2_distilled", "runs", "10 s of 720p with only 8 GB of VRAM", f"{CL} L492 (13 Jan 2026)", 8,
          (1280, 720), 241),
    Claim("ltx2_distilled", "runs", "10 s of 1080p with 12 GB", f"{CL} L493 (13 Jan 2026)", 12, (1920, 1088), 241),
    Claim("ltx2_distilled", "runs", "20 s of 1080p with 16 GB", f"{CL} L494 (13 Jan 2026)", 16, (1920, 1088), 481),
    Claim("ltx2_distilled", "runs", "10 s of 4K with 24 GB", f"{CL} L495 (13 Jan 2026)", 24, (3840, 2176), 241),
    Claim("ltx2_distilled", "runs", "15 s of 4K with 24 GB", f"{CL} L242 (17 Mar 2026)", 24, (3840, 2176), 361),
    Claim("ltx2_distilled", "runs", "20 s of 720p in one window on a 24 GB card", f"{CL} L515 (9 Jan 2026)", 24,
          (1280, 720), 481),
    Claim("ltx2_19B_nvfp4", "lighter", "NVFP4: slightly less VRAM and up to 30% less RAM", f"{CL} L478 (15 Jan 2026)",
          other="ltx2_19B"),
    Claim("ltx2_distilled_gguf_q6_k", "lighter", "GGUF: a small VRAM saving and less RAM", f"{CL} L445 (20 Jan 2026)",
          other="ltx2_distilled", note="GGUF Q8_0 (8.5 bits) is 6% above the fp8 file Wan2GP loads by default"),
    Claim("ltx2_distilled_gguf_q4_k_m", "lighter", "GGUF: a small VRAM saving and less RAM",
          f"{CL} L445 (20 Jan 2026)", other="ltx2_distilled"),
    Claim("flux_chroma", "profile", "Flux Chroma fits fully in 16 GB", f"{CL} L925 (24 Aug 2025)", 16, profile="3"),
    Claim("flux2_dev", "runs", "Flux 2 Dev in 8 GB of VRAM with 8-bit weights", f"{CL} L618 (4 Dec 2025)", 8,
          variant="int8"),
    Claim("flux2_dev", "runs", "Flux 2 Dev in 9 GB of VRAM at full precision", f"{CL} L618 (4 Dec 2025)", 9,
          variant="bf16"),
    Claim("flux2_dev", "ram", "Flux 2 Dev needs at least 64 GB of RAM", f"{CL} L618 (4 Dec 2025)", 64),
    Claim("qwen_image_20B", "te_ram", "the quantized text encoder cuts RAM by 10 GB", f"{CL} L970 (8 Aug 2025)", 10),
    Claim("ovi", "runs", "Ovi: 121 frames of 720p in 6 GB", f"{CL} L718 (29 Oct 2025)", 6, (1280, 720), 121),
    Claim("ovi", "profile", "Ovi: with 16 GB, the whole model in VRAM with profile 3", f"{CL} L718 (29 Oct 2025)", 16,
          profile="3"),
    Claim("ovi_1_1_10s", "runs", "Ovi 1.1: 10 s in 8 GB", f"{CL} L690 (12 Nov 2025)", 8, (1280, 720), 241),
    Claim("qwen3_tts_base", "runs", "Qwen3 TTS in 6 GB of VRAM at int8", f"{CL} L318 (16 Feb 2026)", 6,
          variant="int8"),
    Claim("ace_step_v1_5", "runs", "Ace Step: 6 GB of VRAM", f"{CL} L326 (16 Feb 2026)", 6),
    Claim("ace_step_v1_5", "ram", "Ace Step: 10 GB of RAM", f"{CL} L326 (16 Feb 2026)", 10, profile="3+"),
    Claim("bernini", "runs", "Bernini 14B: 12 GB for video-to-video, 81 frames", f"{RM} (4 Jun 2026)", 12,
          (832, 480), 81),
    Claim("bernini", "runs", "Bernini 14B: 16 GB with reference images, 81 frames", f"{RM} (4 Jun 2026)", 16,
          (832, 480), 81),
    Claim("minimax_h3_fl2va", "runs", "MiniMax H3: 5-6 GB for 5 s (124 frames) at 832x480", f"{RM} (5 Aug 2026)", 6,
          (832, 480), 125),
    Claim("minimax_h3_fl2va", "runs", "MiniMax H3: 8-9 GB for 15 s at 832x480", f"{RM} (5 Aug 2026)", 9,
          (832, 480), 373),
    Claim("minimax_music3", "profile", "16 GB of VRAM so that profile 3/3+ can be used (much faster)",
          f"{RM} (16 Aug 2026)", 16, profile="3+"),
    Claim("kugelaudio_0_open", "profile", "16 GB for profile 3, otherwise the slow way",
          "Wan2GP guidance as quoted in tracker issue 9", 16, profile="3+"),
    # --- "does not run / needs more than X / needs at least X RAM" -------------------------------------------
    Claim("t2v", "not_fit", "profile 3 needs 24 GB of VRAM for a 14B model", "Wan2GP docs/CLI.md L128", 24,
          profile="3", below_gb=16, note="checked as: profile 3 does not fit a 16 GB card"),
    Claim("t2v", "not_fit", "up to 8 s at 480p needs 12 GB (5 s: 8 GB)", "Wan2.1 issue #142 (2 Mar 2025)", 12,
          (832, 480), 129, below_gb=8, note="checked as: 8 s of 480p does not fit 8 GB"),
    # The January tiers (L492-495) are not read as "does not run on the tier below": in March (L242) Wan2GP cut
    # LTX-2's VRAM again and put 15 s of 4K, half as much again as the January 24 GB tier's 10 s, in 24 GB.
    Claim("ltx2_distilled", "not_fit", "15 s of 4K needs 24 GB", f"{CL} L242 (17 Mar 2026)", 24, (3840, 2176), 361,
          below_gb=16),
    Claim("hunyuan_1_5_t2v", "not_fit", "12 s of 720p needs less than 20 GB, more than the 16 GB tier",
          f"{CL} L655 (24 Nov 2025)", 20, (1280, 720), 289, below_gb=16),
    Claim("ltxv_distilled", "not_fit", "1800 frames in one window: you will need 22 GB of VRAM though",
          f"{CL} L1050 (21 Jul 2025)", 22, frames=1801, below_gb=16),
    Claim("minimax_h3_fl2va", "not_fit", "15 s at 832x480 needs 8-9 GB (5 s: 5-6 GB)", f"{RM} (5 Aug 2026)", 8.5,
          (832, 480), 373, below_gb=6),
    Claim("minimax_h3_fl2va", "not_fit", "5 s (124 frames) at 832x480 needs 5-6 GB", f"{RM} (5 Aug 2026)", 5.5,
          (832, 480), 125, below_gb=4),
    Claim("minimax_music3", "not_fit", "16 GB of VRAM so that profile 3/3+ can be used", f"{RM} (16 Aug 2026)", 16,
          profile="3+", below_gb=12, note="checked as: profile 3+ (the whole model resident) does not fit 12 GB"),
    Claim("kugelaudio_0_open", "not_fit", "16 GB for profile 3, otherwise the slow way",
          "Wan2GP guidance as quoted in tracker issue 9", 16, profile="3+", below_gb=12),
    Claim("flux2_dev", "ram_at_least", "Flux 2 Dev: you will need at least 64 GB of RAM", f"{CL} L618 (4 Dec 2025)",
          64, profile="4", below_gb=32),
    Claim("flux2_dev", "not_recommended", "Flux 2 Dev needs at least 64 GB of RAM", f"{CL} L618 (4 Dec 2025)", 24,
          ram_gb=32, note="checked as: not 'recommended' with 24 GB VRAM and 32 GB RAM"),
    Claim("moviigen", "not_recommended", "MoviiGen sits in the 20 GB+ tier", f"{OLD_DOCS} (quoted in issue 9)", 12,
          note="checked as: not 'recommended' on a 12 GB card (the tier below)"),
    Claim("t2v_1.3B", "not_recommended", "at least 6GB of VRAM for basic models", "Wan2GP docs/GETTING_STARTED.md L10",
          4, ram_gb=32, note="checked as: not 'recommended' on a 4 GB card (floors.py)"),
    Claim("t2v_2_2", "more_ram", "Wan2.2 needs much more RAM than Wan2.1 (two experts)",
          f"{CL} L1020 (29 Jul 2025)", other="t2v"),
    Claim("t2v_2_2", "ram_at_least", "Profile 1: at least 64 GB of RAM", PROFILE_TEXT, 64, profile="1", below_gb=32,
          note="RAM for mmgp to pin everything within its reserved half of RAM"),
    Claim("t2v_2_2", "ram_at_least", "Profile 2: at least 64 GB of RAM", PROFILE_TEXT, 64, profile="2", below_gb=32,
          note="RAM for mmgp to pin everything within its reserved half of RAM"),
    Claim("t2v_2_2", "ram_at_least", "Profile 3: at least 32 GB of RAM", PROFILE_TEXT, 32, profile="3", below_gb=24),
    Claim("t2v_2_2", "ram_at_least", "Profile 3+: at least 32 GB of RAM", PROFILE_TEXT, 32, profile="3+",
          below_gb=24),
    Claim("t2v_2_2", "ram_at_least", "Profile 4: at least 32 GB of RAM", PROFILE_TEXT, 32, profile="4", below_gb=24),
    Claim("t2v_2_2", "ram_at_least", "Profile 4+: at least 32 GB of RAM", PROFILE_TEXT, 32, profile="4+",
          below_gb=24),
    Claim("t2v", "ram_at_least", "Profile 5: at least 24 GB of RAM", PROFILE_TEXT, 24, profile="5", below_gb=16),
)


@dataclass
class Result:
    claim: Claim
    tracker: str
    agrees: bool
    modelled_gb: float | None = None
    error_pct: float | None = None  # (modelled - Wan2GP's figure) / Wan2GP's figure
    vram: bool = False  # a VRAM figure: counts for the median error
    raw_gb: float | None = None  # the memory model's own figure, before Wan2GP's stated minimum
    extra: dict[str, Any] = field(default_factory=dict)


def load_catalog(folder: Path) -> dict[str, dict]:
    return {p.stem: definition_from_file(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(folder.glob("*.json"))}


def memory_of(model_type: str, defs: Mapping[str, dict], db: PerformanceDatabase) -> MemoryInputs:
    memory = db.get_metrics(model_type, defs[model_type], catalog=defs).memory
    if memory is None:
        raise ValueError(f"{model_type} has no memory model")
    return memory


def at_workload(inputs: MemoryInputs, claim: Claim) -> MemoryInputs:
    workload = inputs.workload
    if claim.resolution is not None:
        workload = workload.with_resolution(*claim.resolution)
    if claim.frames is not None:
        workload = workload.with_frames(claim.frames)
    inputs = replace(inputs, workload=workload)
    if claim.variant is not None and claim.variant != inputs.variant:
        scale = bytes_per_param(claim.variant) / bytes_per_param(inputs.variant)
        inputs = inputs.with_variant(claim.variant, inputs.weights_gb * scale)
    return inputs


def _error(modelled: float, stated: float) -> float:
    return 100 * (modelled - stated) / stated


def _leanest_vram(inputs: MemoryInputs, card_gb: float, profiles: list[str]) -> tuple[float, str]:
    need = min((profile_need(inputs, p, card_gb=card_gb) for p in profiles), key=lambda n: n.vram_gb)
    return need.vram_gb, need.profile


def check(claim: Claim, defs: Mapping[str, dict], db: PerformanceDatabase) -> Result:
    inputs = at_workload(memory_of(claim.model_type, defs, db), claim)
    budget = claim.budget_gb
    if claim.kind == "runs":
        ram = claim.ram_gb or AMPLE_RAM_GB
        found = fastest_fitting(inputs, budget, ram, sorted(PROFILES, key=lambda p: profile_need(
            inputs, p, card_gb=budget).vram_gb))
        need, leanest = _leanest_vram(inputs, budget, list(PROFILES))
        # What the tracker states as the model's least VRAM: the modelled need, never below Wan2GP's minimum.
        floor = vram_floor(inputs.output_type, inputs.family).gb
        stated = max(need, floor)
        where = f"profile {found.profile}" if found else "no profile"
        floor_text = f", Wan2GP's minimum {floor:g} GB" if floor > need else ""
        return Result(claim, f"{need:.1f} GB VRAM on profile {leanest}{floor_text} ({where} fits)", found is not None,
                      stated, _error(stated, budget), vram=True, raw_gb=need)
    if claim.kind == "guidance":
        need = profile_need(inputs, claim.profile or "4", card_gb=budget)
        ram_ok = claim.ram_gb is None or need.ram_gb <= claim.ram_gb * 1.05
        return Result(claim, f"profile {need.profile}: {need.vram_gb:.1f} GB VRAM, {need.ram_gb:.1f} GB RAM",
                      need.vram_gb <= budget and ram_ok, need.vram_gb, _error(need.vram_gb, budget))
    if claim.kind == "profile":
        need = profile_need(inputs, claim.profile or "4", card_gb=budget)
        ram_ok = claim.ram_gb is None or need.ram_gb <= claim.ram_gb * 1.05
        text = f"profile {need.profile}: {need.vram_gb:.1f} GB VRAM, {need.ram_gb:.1f} GB RAM"
        return Result(claim, text, need.vram_gb <= budget and ram_ok, need.vram_gb, _error(need.vram_gb, budget),
                      vram=True)
    if claim.kind == "not_fit":
        below = claim.below_gb or 0.0
        profiles = [claim.profile] if claim.profile else (["4"] if claim.variant else list(PROFILES))
        need, profile = _leanest_vram(inputs, below, profiles)
        # The need on a card of Wan2GP's figure: what the model says that card holds.
        stated_card, _ = _leanest_vram(inputs, budget, profiles)
        return Result(claim, f"{need:.1f} GB VRAM on a {below:g} GB card (profile {profile}), {stated_card:.1f} GB "
                      f"on a {budget:g} GB card", need > below, stated_card, _error(stated_card, budget), vram=True)
    if claim.kind == "ram":
        profiles = [claim.profile] if claim.profile else list(PROFILES)
        need = min(profile_need(inputs, p).ram_gb for p in profiles)
        where = f"profile {claim.profile}" if claim.profile else "the leanest profile"
        return Result(claim, f"{need:.1f} GB RAM on {where}", need <= budget * 1.05, need, _error(need, budget))
    if claim.kind == "ram_at_least":
        profile = claim.profile or "4"
        need = ram_need(inputs, profile)
        if profile in ("1", "2"):
            need = max(need, pinned_gb(inputs, profile) / 0.5)  # mmgp reserves at most half of RAM (Linux)
        return Result(claim, f"{need:.1f} GB RAM on profile {profile}", need > (claim.below_gb or 0) * 1.05, need,
                      _error(need, budget))
    if claim.kind == "not_recommended":
        result = judge(inputs, budget, claim.ram_gb if claim.ram_gb is not None else 32.0)
        return Result(claim, f"{result.verdict} (profile {result.profile}, {result.vram_need_gb:.1f} GB VRAM, "
                      f"{result.ram_need_gb:.1f} GB RAM)", result.verdict != "recommended")
    if claim.kind in ("lighter", "more_ram"):
        other = memory_of(claim.other, defs, db)
        mine, theirs = profile_need(inputs, "4"), profile_need(other, "4")
        text = (f"profile 4: {mine.vram_gb:.1f} vs {theirs.vram_gb:.1f} GB VRAM, {mine.ram_gb:.1f} vs "
                f"{theirs.ram_gb:.1f} GB RAM ({claim.other} {other.variant or '16-bit'})")
        if claim.kind == "lighter":
            return Result(claim, text, mine.vram_gb <= theirs.vram_gb and mine.ram_gb < theirs.ram_gb)
        return Result(claim, text, mine.ram_gb > 1.2 * theirs.ram_gb)
    if claim.kind == "te_ram":
        int8 = ram_need(inputs, "4")
        bf16 = ram_need(replace(inputs, text_encoder_gb=inputs.text_encoder_gb * 2), "4")
        saving = bf16 - int8
        return Result(claim, f"saves {saving:.1f} GB of RAM", abs(saving - budget) <= 0.3 * budget, saving,
                      _error(saving, budget))
    raise ValueError(f"unknown claim kind {claim.kind!r}")


def run(catalog: Path) -> list[Result]:
    defs = load_catalog(catalog)
    db = PerformanceDatabase.default()
    return [check(claim, defs, db) for claim in CLAIMS]


def median_vram_error(results: list[Result], raw: bool = False) -> float:
    """The median |error| of the VRAM figures against Wan2GP's stated ones (percent); ``raw``: the memory model's
    own figures, before the tracker applies Wan2GP's stated minimums."""
    errors = [abs(_error(r.raw_gb, r.claim.budget_gb) if raw and r.raw_gb is not None else r.error_pct)
              for r in results if r.vram and r.error_pct is not None]
    return statistics.median(errors)


# --- part 2: mmgp 3.7.12 measured per profile and card size (MMGP_MEASURED.md) --------------------------------

@dataclass(frozen=True)
class Pipeline:
    """One synthetic pipeline of MMGP_MEASURED.md: its models (GB, split, mmgp key) and the measured figures."""

    name: str
    transformer: tuple[float, Split]
    text_encoders: tuple[tuple[str, float, Split], ...]
    vae_gb: float
    activation_gib: float  # the pipeline's measured activation constant (4096 tokens)
    text_activation_gib: float
    transformer_phase: dict[str, tuple[float, float, float, float]]  # profile -> peak GiB at 8/12/16/24 GiB
    overall: dict[str, float]  # profile -> overall peak GiB where the text phase sets it (same on every card)
    pinned_mmgp: dict[str, float]  # profile -> mmgp's pinned GiB


CARDS = (8, 12, 16, 24)
CLIP = Split(12, 0.076 / 0.25, 0.014 / 0.25, "CLIP-like (MMGP_MEASURED.md)")
PIPELINES = (
    Pipeline("wan21_14B", (16.0, WAN_14B), (("text_encoder", 6.0, UMT5),), 0.5, 0.33, 0.05,
             {"1": (6.43, 9.37, 13.04, 15.24), "2": (1.29,) * 4, "3": (6.43, 9.37, 13.04, 15.24),
              "3+": (6.43, 9.37, 13.04, 15.24), "4": (1.29,) * 4, "4+": (0.92,) * 4, "5": (1.29,) * 4},
             {"2": 1.41, "4": 1.41, "4+": 1.22, "5": 1.41},
             {"1": 20.95, "2": 20.95, "3": 14.90, "3+": 0.0, "4": 14.90, "4+": 14.90, "5": 0.0}),
    Pipeline("flux", (12.0, FLUX), (("text_encoder", 0.25, CLIP), ("text_encoder_2", 9.5, T5)), 0.2, 0.46, 0.08,
             {"1": (6.31, 9.19, 11.66, 11.66), "2": (1.17,) * 4, "3": (6.31, 9.19, 11.66, 11.66),
              "3+": (6.31, 9.19, 11.66, 11.66), "4": (1.17,) * 4, "4+": (0.85,) * 4, "5": (1.17,) * 4},
             {"2": 2.83, "4": 2.83},
             {"1": 20.44, "2": 20.44, "3": 11.18, "3+": 0.0, "4": 11.18, "4+": 11.18, "5": 0.0}),
)


@dataclass
class MmgpRow:
    pipeline: str
    profile: str
    what: str
    modelled: tuple[float, ...]
    measured: tuple[float, ...]

    @property
    def worst_error_pct(self) -> float:
        errors = [abs(_error(m, x)) for m, x in zip(self.modelled, self.measured, strict=True) if x]
        return max(errors, default=0.0)


def mmgp_rows() -> list[MmgpRow]:
    """Modelled resident weights (+ the measured activation constant) and pinned RAM against mmgp's tables."""
    settings = MemorySettings()
    rows = []
    for pipe in PIPELINES:
        size, split = pipe.transformer
        for profile in PROFILES:
            modelled = tuple(round(resident_gib(size, split, profile, "transformer", card, settings)
                                   + pipe.activation_gib, 2) for card in CARDS)
            rows.append(MmgpRow(pipe.name, profile, "transformer phase, GiB at 8/12/16/24", modelled,
                                pipe.transformer_phase[profile]))
            if profile in pipe.overall:
                text = max(resident_gib(gb, s, profile, key, 8, settings) for key, gb, s in pipe.text_encoders)
                rows.append(MmgpRow(pipe.name, profile, "text phase (overall peak), GiB", (round(
                    text + pipe.text_activation_gib, 2),), (pipe.overall[profile],)))
            inputs = _pipeline_inputs(pipe)
            rows.append(MmgpRow(pipe.name, profile, "pinned RAM (mmgp), GiB",
                                (round(pinned_gb(inputs, profile, 64), 2),), (pipe.pinned_mmgp[profile],)))
    return rows


def _pipeline_inputs(pipe: Pipeline) -> MemoryInputs:
    """The memory model's inputs for a synthetic pipeline (its VAE folded into the text encoder's bytes so that
    every model's bytes add up to the pipeline's)."""
    from wan2gp_model_tracker.fit.memory import VAE_GB
    from wan2gp_model_tracker.fit.workload import Workload

    size, split = pipe.transformer
    others = sum(gb for _, gb, _ in pipe.text_encoders) + pipe.vae_gb - VAE_GB["video"]
    workload = Workload(832, 480, 81, 30, 2, 1, 1, 1, False)
    inputs = MemoryInputs("video", "wan", "t2v", "bf16", size, 1, others, 1.0, (16, 4), workload, 0.0, "",
                          transformer_split=split)
    assert abs(models_gb(inputs) - (size + others + VAE_GB["video"]) * GIB_PER_GB) < 1e-6
    return inputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", default=str(DEFAULT_CATALOG), help="folder of real definition files")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--measured", metavar="DATABASE", help="instead, the memory model against the peaks the "
                        "plugin measured (benchmarks/measured_vs_modelled.py)")
    args = parser.parse_args(argv)
    catalog = Path(args.catalog)
    if args.measured:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from measured_vs_modelled import run as measured_report

        return measured_report(args.measured, catalog)
    if not catalog.is_dir():
        print(f"no catalog at {catalog}", file=sys.stderr)
        return 2
    results = run(catalog)
    rows = mmgp_rows()
    if args.json:
        print(json.dumps({"claims": [{**dataclasses.asdict(r.claim), "tracker": r.tracker, "agrees": r.agrees,
                                      "modelled_gb": r.modelled_gb, "error_pct": r.error_pct} for r in results],
                          "median_vram_error_pct": median_vram_error(results),
                          "mmgp": [dataclasses.asdict(row) for row in rows]}, indent=2))
        return 0
    print(f"{'model':26} {'kind':15} {'model':>6} {'Wan2GP':>6} {'error':>6}  {'agrees':6} "
          "statement | tracker | source")
    for r in results:
        c = r.claim
        error = f"{r.error_pct:+5.0f}%" if r.error_pct is not None else "     -"
        modelled = f"{r.modelled_gb:6.1f}" if r.modelled_gb is not None else "     -"
        workload = ""
        if c.resolution or c.frames:
            workload = f" [{c.resolution[0]}x{c.resolution[1]}" if c.resolution else " ["
            workload += f", {c.frames} frames]" if c.frames else "]"
        print(f"{c.model_type:26} {c.kind:15} {modelled} {c.budget_gb:6g} {error}  {'yes' if r.agrees else 'NO':6} "
              f"{c.statement}{workload} | {r.tracker} | {c.source}" + (f" | note: {c.note}" if c.note else ""))
    agreeing = sum(r.agrees for r in results)
    negative = [r for r in results if r.claim.kind in NEGATIVE_KINDS]
    print(f"\n{agreeing} of {len(results)} statements agree with the tracker "
          f"({sum(r.agrees for r in negative)} of {len(negative)} of the 'does not run / needs more' kind)")
    print(f"median |VRAM error| against Wan2GP's figures: {median_vram_error(results):.1f}% "
          f"(target <= {MEDIAN_VRAM_ERROR_TARGET:g}%); the memory model alone, before Wan2GP's minimums: "
          f"{median_vram_error(results, raw=True):.1f}%")
    for r in results:
        if not r.agrees:
            print(f"disagrees: {r.claim.model_type}: {r.claim.statement} ({r.tracker})")
    print("\nmmgp 3.7.12 measured (MMGP_MEASURED.md) vs the closed form in fit/mmgp.py")
    print(f"{'pipeline':10} {'profile':7} {'what':34} {'modelled':>26} {'measured':>26} {'worst':>6}")
    for row in rows:
        print(f"{row.pipeline:10} {row.profile:7} {row.what:34} {_cells(row.modelled):>26} {_cells(row.measured):>26} "
              f"{row.worst_error_pct:5.1f}%")
    errors = [abs(_error(m, x)) for row in rows for m, x in zip(row.modelled, row.measured, strict=True) if x]
    print(f"mmgp cells: {len(errors)}, median |error| {statistics.median(errors):.1f}%, worst {max(errors):.1f}%")
    return 0


def _cells(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
