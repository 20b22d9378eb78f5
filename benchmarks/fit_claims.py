"""Wan2GP's own VRAM/RAM statements, and what the tracker's memory model says about each.

    python benchmarks/fit_claims.py [--catalog DIR] [--json] [--measured DATABASE]

Every statement below is Wan2GP's (README, docs/CHANGELOG.md, docs, the author's posts; compiled in
shared/wan2gp/MODEL_FACTS.md section 2), with the model, budget, workload and source. Each is checked
against the memory model (wan2gp_model_tracker/fit/memory.py) on the real catalog's definition:

* runs:      "X runs in B GB of VRAM (at workload W)": some profile's VRAM need <= B (RAM as stated, else
             ample); the error is (need - B) / B.
* ram:       "X runs with B GB of RAM": the profile's (else the leanest) RAM need <= B, and above `below`.
* profile:   "profile P needs B GB": P's VRAM need <= B, and P does not fit the next smaller card (`below`).
* not_recommended: "X needs more than B" (a tier, a "HighRAM" guidance): the verdict at B is not recommended.
* lighter:   "variant X needs less than Y": X's VRAM and RAM needs on profile 4 <= Y's.
* more_ram:  "X needs much more RAM than Y": X's profile-4 RAM need > 1.2 x Y's.
* te_ram:    "the quantized text encoder saves B GB of RAM": the saving within 30 % of B.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wan2gp_model_tracker.fit.definition_facts import definition_from_file  # noqa: E402
from wan2gp_model_tracker.fit.memory import (  # noqa: E402
    SPEED_ORDER,
    MemoryInputs,
    fastest_fitting,
    loaded_ram_gb,
    profile_need,
)
from wan2gp_model_tracker.fit.verdict import judge  # noqa: E402
from wan2gp_model_tracker.performance_db import PerformanceDatabase  # noqa: E402
from wan2gp_model_tracker.scan.sizing import bytes_per_param  # noqa: E402

DEFAULT_CATALOG = REPO.parent / "shared" / "wan2gp" / "catalog" / "defaults"
AMPLE_RAM_GB = 128.0  # a VRAM statement says nothing about RAM: judge it with plenty
AMPLE_VRAM_GB = 96.0

CL = "Wan2GP docs/CHANGELOG.md"
RM = "Wan2GP README.md"
OLD_DOCS = "Wan2GP docs/MODELS.md (commit 4010f66)"


@dataclass(frozen=True)
class Claim:
    model_type: str
    kind: str
    statement: str
    source: str
    budget_gb: float = 0.0
    resolution: tuple[int, int] | None = None
    frames: int | None = None
    variant: str | None = None  # the weight format the statement is for, when it names one
    profile: str | None = None
    ram_gb: float | None = None
    below_gb: float | None = None  # "profile" claims: a smaller card the profile must not fit
    other: str = ""  # "lighter"/"more_ram": the model compared with
    note: str = ""


CLAIMS: tuple[Claim, ...] = (
    Claim("t2v", "runs", "about 8 GB of VRAM for 5 s of 480p", "Wan2.1 issue #142 (author post, 2 Mar 2025)", 8,
          (832, 480), 81, "int8"),
    Claim("t2v", "runs", "12 GB for up to 8 s at 480p, quantized or not", "Wan2.1 issue #142 (2 Mar 2025)", 12,
          (832, 480), 129),
    Claim("t2v", "runs", "10 s of 480p under 12 GB", f"{CL} L1316 (2 Mar 2025)", 12, (832, 480), 161),
    Claim("t2v", "runs", "more than 10 s of 720p on an RTX 4090", f"{CL} L1316 (2 Mar 2025)", 24, (1280, 720), 161),
    Claim("i2v", "runs", "about 8 GB of VRAM for 5 s of 480p (Wan2.1 14B t2v and i2v)",
          "Wan2.1 issue #142 (2 Mar 2025)", 8, (832, 480), 81),
    Claim("t2v", "profile", "profile 3 needs 24 GB of VRAM for a 14B model", "Wan2GP docs/CLI.md L128", 24,
          profile="3", below_gb=16),
    Claim("t2v", "profile", "profile 4: LowRAM_LowVRAM, 12 GB of VRAM", "wgp.py memory_profile_choices", 12,
          profile="4", ram_gb=32),
    Claim("t2v", "ram", "profile 4 with 32 GB of RAM", "wgp.py memory_profile_choices", 32, profile="4"),
    Claim("t2v", "ram", "profile 5 (fail-safe) with 24 GB of RAM", "wgp.py memory_profile_choices", 24,
          profile="5"),
    Claim("t2v", "ram", "profile 2 is HighRAM_LowVRAM: 64 GB of RAM", "wgp.py memory_profile_choices", 64,
          profile="2", below_gb=32),
    Claim("t2v_1.3B", "runs", "Wan 1.3B: 6 GB minimum", f"{OLD_DOCS}; docs/GETTING_STARTED.md", 6),
    Claim("vace_1.3B", "runs", "Vace 1.3B: 6 GB minimum", f"{OLD_DOCS}; docs/GETTING_STARTED.md", 6),
    Claim("vace_14B", "runs", "Vace 14B: 12 GB+ recommended", OLD_DOCS, 12),
    Claim("t2v_2_2", "runs", "Wan2.2 needs no extra VRAM versus Wan2.1 (8 GB at 480p, 81 frames)",
          f"{CL} L1020 (29 Jul 2025)", 8, (832, 480), 81),
    Claim("i2v_2_2", "runs", "Wan2.2 needs no extra VRAM versus Wan2.1 (8 GB at 480p, 81 frames)",
          f"{CL} L1020 (29 Jul 2025)", 8, (832, 480), 81),
    Claim("t2v_2_2", "more_ram", "Wan2.2 needs much more RAM than Wan2.1 (two experts)",
          f"{CL} L1020 (29 Jul 2025)", other="t2v"),
    Claim("moviigen", "not_recommended", "MoviiGen sits in the 20 GB+ tier", f"{OLD_DOCS} (quoted in issue 9)", 12,
          note="checked as: not 'recommended' on a 12 GB card (the tier below)"),
    Claim("hunyuan_1_5_t2v", "runs", "Hunyuan Video 1.5 in as low as 6 GB", "HunyuanVideo-1.5 issue #13 "
          "(author post, 25 Nov 2025)", 6, (832, 480), 97, note="workload not stated: 480p, 97 frames assumed"),
    Claim("hunyuan_1_5_i2v", "runs", "Hunyuan Video 1.5 on 8 GB (the author post's title)",
          "HunyuanVideo-1.5 issue #13 (25 Nov 2025)", 8, note="at the definition's default workload"),
    Claim("hunyuan_1_5_t2v", "runs", "12 s of 720p under 20 GB", f"{CL} L655 (24 Nov 2025)", 20, (1280, 720), 289),
    Claim("hunyuan_custom", "runs", "about 12 GB for 5 s", "Wan2GP issue #248 (author reply, 18 May 2025)", 12,
          (1280, 720), 129),
    Claim("ltxv_distilled", "runs", "1800 frames (1 min) in one window in 22 GB", f"{CL} L1050 (21 Jul 2025)", 22,
          frames=1801),
    Claim("ltx2_distilled", "runs", "10 s of 720p with only 8 GB of VRAM", f"{CL} L491 (13 Jan 2026)", 8,
          (1280, 720), 241),
    Claim("ltx2_distilled", "runs", "10 s of 1080p with 12 GB", f"{CL} L492 (13 Jan 2026)", 12, (1920, 1088), 241),
    Claim("ltx2_distilled", "runs", "20 s of 1080p with 16 GB", f"{CL} L493 (13 Jan 2026)", 16, (1920, 1088), 481),
    Claim("ltx2_distilled", "runs", "10 s of 4K with 24 GB", f"{CL} L494 (13 Jan 2026)", 24, (3840, 2176), 241),
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
    Claim("flux2_dev", "not_recommended", "Flux 2 Dev needs at least 64 GB of RAM", f"{CL} L618 (4 Dec 2025)", 24,
          ram_gb=32, note="checked as: not 'recommended' with 24 GB VRAM and 32 GB RAM"),
    Claim("qwen_image_20B", "te_ram", "the quantized text encoder cuts RAM by 10 GB", f"{CL} L970 (8 Aug 2025)", 10),
    Claim("ovi", "runs", "Ovi: 121 frames of 720p in 6 GB", f"{CL} L718 (29 Oct 2025)", 6, (1280, 720), 121),
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
          f"{RM} (16 Aug 2026)", 16, profile="3+", below_gb=12),
    Claim("kugelaudio_0_open", "profile", "16 GB for profile 3, otherwise the slow way",
          "Wan2GP guidance as quoted in tracker issue 9", 16, profile="3+", below_gb=12),
)


@dataclass
class Result:
    claim: Claim
    tracker: str
    agrees: bool
    error_pct: float | None = None
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


def check(claim: Claim, defs: Mapping[str, dict], db: PerformanceDatabase) -> Result:
    inputs = at_workload(memory_of(claim.model_type, defs, db), claim)
    budget = claim.budget_gb
    if claim.kind == "runs":
        ram = claim.ram_gb or AMPLE_RAM_GB
        found = fastest_fitting(inputs, budget, ram, sorted(SPEED_ORDER, key=lambda p: profile_need(inputs, p).vram_gb))
        need = min(profile_need(inputs, p).vram_gb for p in SPEED_ORDER)
        where = f"profile {found.profile}" if found else "no profile"
        return Result(claim, f"{need:.1f} GB VRAM at least ({where} fits)", found is not None,
                      100 * (need - budget) / budget)
    if claim.kind == "ram":
        profiles = [claim.profile] if claim.profile else list(SPEED_ORDER)
        need = min(profile_need(inputs, p).ram_gb for p in profiles)
        below_ok = claim.below_gb is None or need > claim.below_gb * 1.05
        where = f"profile {claim.profile}" if claim.profile else "the leanest profile"
        return Result(claim, f"{need:.1f} GB RAM on {where}", need <= budget * 1.05 and below_ok,
                      100 * (need - budget) / budget)
    if claim.kind == "profile":
        need = profile_need(inputs, claim.profile or "4")
        ram_ok = claim.ram_gb is None or need.ram_gb <= claim.ram_gb * 1.05
        below_ok = claim.below_gb is None or need.vram_gb > claim.below_gb
        text = f"profile {need.profile}: {need.vram_gb:.1f} GB VRAM, {need.ram_gb:.1f} GB RAM"
        return Result(claim, text, need.vram_gb <= budget and ram_ok and below_ok,
                      100 * (need.vram_gb - budget) / budget)
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
        int8 = loaded_ram_gb(inputs, "4")
        bf16 = loaded_ram_gb(replace(inputs, text_encoder_gb=inputs.text_encoder_gb * 2), "4")
        saving = bf16 - int8
        return Result(claim, f"saves {saving:.1f} GB of RAM", abs(saving - budget) <= 0.3 * budget,
                      100 * (saving - budget) / budget)
    raise ValueError(f"unknown claim kind {claim.kind!r}")


def run(catalog: Path) -> list[Result]:
    defs = load_catalog(catalog)
    db = PerformanceDatabase.default()
    return [check(claim, defs, db) for claim in CLAIMS]


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
    if args.json:
        print(json.dumps([{**dataclasses.asdict(r.claim), "tracker": r.tracker, "agrees": r.agrees,
                           "error_pct": r.error_pct} for r in results], indent=2))
        return 0
    print(f"{'model':26} {'kind':15} {'budget':>6}  {'agrees':6} {'error':>7}  statement | tracker | source")
    for r in results:
        c = r.claim
        error = f"{r.error_pct:+6.0f}%" if r.error_pct is not None else "      -"
        workload = ""
        if c.resolution or c.frames:
            workload = f" [{c.resolution[0]}x{c.resolution[1]}" if c.resolution else " ["
            workload += f", {c.frames} frames]" if c.frames else "]"
        print(f"{c.model_type:26} {c.kind:15} {c.budget_gb:6g}  {'yes' if r.agrees else 'NO':6} {error}  "
              f"{c.statement}{workload} | {r.tracker} | {c.source}" + (f" | note: {c.note}" if c.note else ""))
    agreeing = sum(r.agrees for r in results)
    print(f"\n{agreeing} of {len(results)} statements agree with the tracker")
    for r in results:
        if not r.agrees:
            print(f"disagrees: {r.claim.model_type}: {r.claim.statement} ({r.tracker})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
