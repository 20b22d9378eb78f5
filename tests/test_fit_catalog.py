"""The memory model and verdicts over the real Wan2GP catalog, and offline against live."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from wan2gp_fixture import url

from wan2gp_model_tracker.catalog.live import HostGlobals, LiveCatalog
from wan2gp_model_tracker.fit.definition_facts import definition_from_file
from wan2gp_model_tracker.fit.hardware import assess_fit
from wan2gp_model_tracker.fit.memory import PROFILES, RAM_SLACK, profile_need
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer
from wan2gp_model_tracker.performance_db import PerformanceDatabase
from wan2gp_model_tracker.scan.sizing import bytes_per_param

BUDGETS = (6, 8, 12, 16, 24)
_QUANTIZED = re.compile(r"_(nvfp4|gguf_q\w+|nunchaku\w*|int4|fp4)$")


@pytest.fixture(scope="module")
def catalog(real_catalog_dir: Path) -> dict[str, dict]:
    return {p.stem: definition_from_file(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(real_catalog_dir.glob("*.json"))}


@pytest.fixture(scope="module")
def metrics(catalog: dict[str, dict]) -> dict:
    db = PerformanceDatabase.default()
    return {t: db.get_metrics(t, d, catalog=catalog) for t, d in catalog.items()}


def siblings_13b(catalog: dict[str, dict]) -> list[tuple[str, str]]:
    pairs = []
    for small in catalog:
        if "1.3B" not in small:
            continue
        for big in (small.replace("1.3B", "14B"), small.replace("_1.3B", "")):
            if big != small and big in catalog:
                pairs.append((small, big))
                break
    return pairs


def test_a_13b_model_never_needs_more_than_its_14b_sibling(catalog, metrics) -> None:
    pairs = siblings_13b(catalog)
    assert len(pairs) >= 4
    for small, big in pairs:
        # Compared at the same workload: the 14B's defaults.
        small_inputs = metrics[small].memory
        big_inputs = metrics[big].memory
        for profile in PROFILES:
            mine = profile_need(small_inputs, profile, big_inputs.workload)
            theirs = profile_need(big_inputs, profile)
            assert mine.vram_gb <= theirs.vram_gb, (small, big, profile)
            assert mine.ram_gb <= theirs.ram_gb, (small, big, profile)


def test_a_quantized_variant_never_needs_more_than_its_bf16_one(catalog, metrics) -> None:
    compared = 0
    for model_type in catalog:
        base = _QUANTIZED.sub("", model_type)
        if base == model_type or base not in catalog:
            continue
        quantized, original = metrics[model_type].memory, metrics[base].memory
        params = metrics[base].figure("params_b") or 1
        bf16 = original.with_variant("bf16", params * bytes_per_param("bf16"))
        for profile in PROFILES:
            assert profile_need(quantized, profile, bf16.workload).vram_gb <= profile_need(bf16, profile).vram_gb
            assert profile_need(quantized, profile).ram_gb <= profile_need(bf16, profile).ram_gb, model_type
        compared += 1
    assert compared >= 5


def test_more_frames_or_a_higher_resolution_never_needs_less(metrics) -> None:
    for model_type, model in metrics.items():
        inputs = model.memory
        workload = inputs.workload
        longer = workload.with_frames(workload.frames + 4 * inputs.stride[1])
        larger = workload.with_resolution(workload.width + 64, workload.height + 64)
        for profile in PROFILES:
            base = profile_need(inputs, profile).vram_gb
            assert profile_need(inputs, profile, longer).vram_gb >= base, model_type
            assert profile_need(inputs, profile, larger).vram_gb >= base, model_type


def test_no_verdict_claims_a_fit_above_its_budget(metrics) -> None:
    about = re.compile(r"in ([\d.]+) GB \(about ([\d.]+) GB\)")
    for budget in BUDGETS:
        for model_type, model in metrics.items():
            fit = assess_fit(model, budget, 32)
            for text in (fit.reason, fit.profile_hint, fit.limit):
                for stated, need in about.findall(text):
                    assert float(need) <= float(stated), (model_type, text)
            if fit.verdict != "incompatible":
                assert fit.vram_need_gb <= budget, (model_type, budget, fit.reason)
                assert fit.ram_need_gb <= 32 * (1 + RAM_SLACK), (model_type, budget, fit.reason)


def test_every_incompatible_verdict_names_the_constraint_with_both_figures(metrics) -> None:
    for budget in BUDGETS:
        for model_type, model in metrics.items():
            fit = assess_fit(model, budget, 32)
            if fit.verdict == "incompatible":
                pattern = r"(VRAM|RAM): needs at least [\d.]+ GB .*(budget is|machine has) [\d.]+ GB"
                assert re.match(pattern, fit.reason), (model_type, fit.reason)


def test_every_model_has_a_quality_tier_and_a_speed_tier_matching_its_multiplier(metrics) -> None:
    from wan2gp_model_tracker.fit.estimator import speed_tier_for

    for model_type, model in metrics.items():
        assert model.figure("quality_tier") is not None, model_type
        multiplier = model.figure("speed_multiplier")
        if multiplier is not None and model.output_type != "audio":
            assert model.figure("speed_tier") == speed_tier_for(multiplier, model.output_type), model_type


def test_the_reported_wan2gp_contradictions_are_gone(metrics) -> None:
    at_8 = {t: assess_fit(metrics[t], 8, 64).verdict for t in
            ("vace_14B", "minimax_h3_fl2va", "hunyuan_1_5_i2v", "ltx2_distilled")}
    assert "incompatible" not in at_8.values(), at_8
    assert assess_fit(metrics["kugelaudio_0_open"], 12, 32).verdict != "recommended"
    assert assess_fit(metrics["minimax_music3"], 12, 32).verdict != "recommended"
    assert assess_fit(metrics["moviigen"], 12, 32).verdict != "recommended"
    assert assess_fit(metrics["flux2_dev"], 24, 32).verdict != "recommended"


def test_the_real_catalog_offline_gets_the_figures_wan2gp_gets(catalog, real_catalog_dir, tmp_path) -> None:
    # Offline reading of the folder must cost every model like the host's definitions (settings under "settings").
    folder = tmp_path / "Wan2GP"
    folder.mkdir()
    (folder / "defaults").symlink_to(real_catalog_dir)
    (folder / "wgp.py").write_text("")
    from wan2gp_model_tracker.catalog.offline import OfflineCatalog

    state = OfflineCatalog(str(folder), bf16_supported=True, use_snapshot=False).load()
    db = PerformanceDatabase.default()
    different = [t for t, d in catalog.items()
                 if db.get_metrics(t, d, catalog=catalog).memory.workload
                 != PerformanceDatabase(db.data).get_metrics(t, state.defs[t], catalog=state.defs).memory.workload]
    assert different == []


def test_offline_and_live_give_the_same_figures_for_the_same_definition(wan, wgp, monkeypatch) -> None:
    model = {"name": "Clip 14B", "architecture": "t2v", "URLs": [url("clip_quanto_mbf16_int8.safetensors")]}
    settings = {"resolution": "1280x720", "video_length": 121, "num_inference_steps": 8, "batch_size": 2}
    wan.default("clip", settings, **model)
    # The host pops "model" and keeps the file's other keys as the definition's settings.
    wgp.models_def = {"clip": {**model, "path": "defaults/clip.json", "settings": dict(settings)}}
    monkeypatch.chdir(wan.root)

    results = []
    for catalog in (wan.catalog(), LiveCatalog(HostGlobals({}))):
        analyzer = ModelAnalyzer(catalog)
        inventory = analyzer.scan()
        metrics = PerformanceDatabase(PerformanceDatabase.default().data).metrics_for_inventory(
            inventory, analyzer.state.defs)["clip"]
        fit = assess_fit(metrics, 8, 32)
        results.append((metrics.memory.workload, metrics.vram_min_gb, metrics.ram_gb, fit.verdict, fit.profile,
                        fit.vram_need_gb, fit.limit))
    offline, live = results
    assert offline == live
    assert offline[0].resolution == "1280x720" and offline[0].frames == 121 and offline[0].batch == 2
