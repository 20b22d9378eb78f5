"""The estimator, and every definition of the real Wan2GP catalog run through the database."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wan2gp_model_tracker.fit.definition_facts import definition_from_file, derive_tasks, read_definition
from wan2gp_model_tracker.fit.estimator import (
    DEFAULT_FRAMES,
    DEFAULT_RESOLUTION,
    DEFAULT_STEPS,
    DISTILLED_STEPS,
    estimate_from_architecture,
)
from wan2gp_model_tracker.fit.floors import vram_floor
from wan2gp_model_tracker.fit.memory import profile_needs
from wan2gp_model_tracker.performance_db import PerformanceDatabase

HF = "https://huggingface.co/DeepBeepMeep/Wan2.1/resolve/main"
T2V_URLS = [f"{HF}/wan2.1_text2video_14B_mbf16.safetensors",
            f"{HF}/wan2.1_text2video_14B_quanto_mbf16_int8.safetensors"]


@pytest.fixture(scope="module")
def catalog(real_catalog_dir: Path) -> dict[str, dict]:
    """The real catalog's definitions, shaped as the host holds them (settings under "settings")."""
    return {path.stem: definition_from_file(json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(real_catalog_dir.glob("*.json"))}


@pytest.fixture(scope="module")
def catalog_metrics(catalog: dict[str, dict]) -> dict:
    db = PerformanceDatabase.default()
    return {t: db.get_metrics(t, d, catalog=catalog) for t, d in catalog.items()}


def wan(name: str = "Test 14B", **extra: object) -> dict:
    return {"name": name, "architecture": "t2v", "URLs": T2V_URLS, **extra}


# --- estimates of single definitions --------------------------------------------------------

def test_an_estimate_says_estimated_and_gives_a_one_line_basis() -> None:
    metrics = estimate_from_architecture(wan("Wan2.1 Text2video 14B"), "t2v")

    assert metrics.source == "estimated"
    assert metrics.basis and "\n" not in metrics.basis
    assert "14B from the name" in metrics.basis


def test_wan_14b_at_its_defaults_stays_within_the_wan2gp_author_figure() -> None:
    # Wan2.1 14B int8 at 832x480, 81 frames runs in about 8 GB on the default profile (Wan2.1 issue #142).
    metrics = estimate_from_architecture(wan(), "t2v")

    assert metrics.vram_min_gb <= metrics.vram_recommended_gb <= 8.0


def test_parameters_come_from_the_last_size_in_the_name() -> None:
    facts = read_definition({"name": "Music ACE-Step v1.5 Turbo LM_0.6B 2B", "architecture": "ace_step_v1_5"})

    assert facts.params_b == 2.0


def test_parameters_fall_back_to_the_architecture_then_file_names() -> None:
    from_architecture = read_definition({"name": "Klein", "architecture": "flux2_klein_9b"})
    from_file = read_definition({"name": "Something", "architecture": "x", "URLs": [f"{HF}/thing_5B_bf16.safetensors"]})

    assert (from_architecture.params_b, from_file.params_b) == (9.0, 5.0)


def test_an_unstated_size_is_assumed_per_output_type_and_says_so() -> None:
    facts = read_definition({"name": "TTS Something", "architecture": "omnivoice"})

    assert facts.params_b == 1.0
    assert not facts.params_from_definition
    assert "assumed" in facts.params_basis


def test_a_hint_beats_the_output_type_default_but_not_the_definition() -> None:
    hinted = read_definition({"name": "TTS X", "architecture": "chatterbox"}, params_hint=(0.5, "curated"))
    stated = read_definition({"name": "TTS X 3B", "architecture": "chatterbox"}, params_hint=(0.5, "curated"))

    assert (hinted.params_b, stated.params_b) == (0.5, 3.0)


def test_the_variant_follows_wan2gps_quantization_pick() -> None:
    assert read_definition(wan(), quantization="int8").variant == "int8"
    assert read_definition(wan(), quantization="bf16").variant == "bf16"


def test_a_gguf_level_is_read_from_the_name_when_the_files_are_elsewhere() -> None:
    facts = read_definition({"name": "LTX-2 2.0 Distilled GGUF Q6_K 19B", "architecture": "ltx2_19B",
                             "URLs": "ltx2_distilled"})

    assert facts.variant == "GGUF Q6_K"


def test_an_int8_checkpoint_estimates_smaller_than_its_bf16_sibling() -> None:
    int8 = estimate_from_architecture(wan(), quantization="int8")
    bf16 = estimate_from_architecture(wan(), quantization="bf16")

    assert int8.checkpoint_gb < bf16.checkpoint_gb
    assert int8.checkpoint_gb == pytest.approx(bf16.checkpoint_gb / 2)


def test_a_second_expert_doubles_checkpoint_and_ram_but_not_vram() -> None:
    one = estimate_from_architecture(wan())
    two = estimate_from_architecture(wan(URLs2=T2V_URLS))

    assert two.checkpoint_gb == pytest.approx(2 * one.checkpoint_gb)
    assert two.ram_gb - one.ram_gb >= one.checkpoint_gb
    assert (two.vram_min_gb, two.vram_resident_gb) == (one.vram_min_gb, one.vram_resident_gb)


def test_streaming_needs_less_vram_than_keeping_weights_resident() -> None:
    metrics = estimate_from_architecture(wan())

    assert metrics.vram_min_gb < metrics.vram_recommended_gb <= metrics.vram_resident_gb


def test_a_larger_resolution_and_more_frames_need_more_vram() -> None:
    small = estimate_from_architecture(wan(settings={"resolution": "832x480", "video_length": 81}))
    large = estimate_from_architecture(wan(settings={"resolution": "1280x720", "video_length": 161}))

    assert large.vram_min_gb > small.vram_min_gb


def test_wan2gp_defaults_apply_when_the_definition_sets_no_workload() -> None:
    facts = read_definition(wan())

    assert ((facts.width, facts.height), facts.frames, facts.steps) == (DEFAULT_RESOLUTION, DEFAULT_FRAMES,
                                                                         DEFAULT_STEPS)


def test_a_720_model_type_defaults_to_720p_like_wgp() -> None:
    facts = read_definition(wan(), "i2v_720p")

    assert (facts.width, facts.height) == (1280, 720)


def test_a_distilled_model_without_steps_assumes_few_steps_and_no_cfg() -> None:
    facts = read_definition(wan("Wan2.1 Text2video Lightning 14B"))

    assert (facts.distilled, facts.steps, facts.passes) == (True, DISTILLED_STEPS, 1)


def test_fewer_steps_make_a_model_faster() -> None:
    base = estimate_from_architecture(wan(settings={"num_inference_steps": 30}))
    fast = estimate_from_architecture(wan(settings={"num_inference_steps": 8, "guidance_scale": 1}))

    assert fast.speed_multiplier > base.speed_multiplier
    assert (base.speed_tier, fast.speed_tier) == ("medium", "fast")


def test_audio_models_get_no_speed_multiplier() -> None:
    metrics = estimate_from_architecture({"name": "TTS Qwen3 Base 1.7B", "architecture": "qwen3_tts_base"})

    assert metrics.output_type == "audio"
    assert metrics.speed_multiplier is None
    assert metrics.speed_tier == "medium"


def test_measured_file_sizes_replace_computed_ones() -> None:
    metrics = estimate_from_architecture(wan(), measured_checkpoint_bytes=15_000_000_000)

    assert metrics.checkpoint_gb == 15.0
    assert metrics.citations["checkpoint_gb"].provenance == "measured"


def test_gguf_costs_a_quality_tier() -> None:
    gguf = estimate_from_architecture({"name": "Wan GGUF Q4_K_M 14B", "architecture": "t2v"})

    assert gguf.quality_tier == "medium"
    assert "GGUF" in gguf.notes


def test_definition_from_file_keeps_settings_apart() -> None:
    definition = definition_from_file({"model": {"name": "X", "architecture": "t2v"}, "video_length": 49})

    assert definition["settings"] == {"video_length": 49}
    assert definition["name"] == "X"


@pytest.mark.parametrize(("model_type", "name", "architecture", "output", "expected"), [
    ("ti2v_2_2", "Wan2.2 TextImage2video 5B", "ti2v_2_2", "video", ("image-to-video", "text-to-video")),
    ("qwen_image_edit_20B", "Qwen Image Edit 20B", "qwen_image_edit_20B", "image", ("image editing",)),
    ("flux2_klein_4b", "Flux 2 Klein 4B", "flux2_klein_4b", "image", ("text-to-image", "image editing")),
    ("chatterbox", "TTS Chatterbox Multilingual", "chatterbox", "audio", ("speech",)),
    ("ltx2_19B", "LTX-2 2.0 Dev 19B", "ltx2_19B", "video", ("text-to-video",)),
])
def test_tasks_are_derived_from_identifiers_and_name(model_type: str, name: str, architecture: str, output: str,
                                                     expected: tuple[str, ...]) -> None:
    assert derive_tasks(model_type, name, architecture, output) == expected


# --- the real catalog ---------------------------------------------------------------------------

@pytest.mark.catalog
def test_every_catalog_definition_gets_metrics(catalog: dict, catalog_metrics: dict) -> None:
    assert len(catalog) >= 200
    assert set(catalog_metrics) == set(catalog)


@pytest.mark.catalog
@pytest.mark.parametrize("figure", ["vram_min_gb", "vram_recommended_gb", "vram_max_gb", "ram_gb", "disk_gb"])
def test_every_catalog_model_has_a_positive_figure(catalog_metrics: dict, figure: str) -> None:
    missing = [t for t, m in catalog_metrics.items() if not (m.figure(figure) or 0) > 0]

    assert missing == []


@pytest.mark.catalog
def test_every_catalog_model_orders_its_vram_figures(catalog_metrics: dict) -> None:
    disordered = [t for t, m in catalog_metrics.items()
                  if not m.figure("vram_min_gb") <= m.figure("vram_recommended_gb") <= m.figure("vram_max_gb")]

    assert disordered == []


@pytest.mark.catalog
def test_every_catalog_model_says_where_its_figures_come_from(catalog_metrics: dict) -> None:
    unlabelled = [t for t, m in catalog_metrics.items()
                  if not (m.source in ("curated", "estimated") or m.source.startswith("curated (from "))
                  or not m.basis]

    assert unlabelled == []


@pytest.mark.catalog
@pytest.mark.parametrize(("big", "small"), [
    ("t2v", "t2v_1.3B"), ("vace_14B", "vace_1.3B"), ("phantom_14B", "phantom_1.3B"),
    ("fun_inp", "fun_inp_1.3B"), ("sky_df_14B", "sky_df_1.3B"), ("bernini", "bernini_1.3B"),
])
def test_a_14b_model_never_needs_less_vram_than_its_1_3b_sibling(catalog_metrics: dict, big: str, small: str) -> None:
    # Both can sit on Wan2GP's 6 GB minimum; the 14B never below the 1.3B.
    assert catalog_metrics[big].figure("vram_min_gb") >= catalog_metrics[small].figure("vram_min_gb")
    assert catalog_metrics[big].figure("vram_recommended_gb") >= catalog_metrics[small].figure("vram_recommended_gb")
    assert catalog_metrics[big].figure("checkpoint_gb") > catalog_metrics[small].figure("checkpoint_gb")


@pytest.mark.catalog
@pytest.mark.parametrize(("quantized", "full"), [
    ("ltx2_distilled_gguf_q6_k", "ltx2_distilled"), ("t2v_1.3B_nvfp4", "t2v_1.3B"), ("i2v_nvfp4", "i2v"),
    ("z_image_nunchaku_r256_int4", "z_image"), ("ideogram4_nf4", "ideogram4"),
])
def test_a_quantized_catalog_sibling_estimates_smaller(catalog_metrics: dict, quantized: str, full: str) -> None:
    assert catalog_metrics[quantized].figure("checkpoint_gb") < catalog_metrics[full].figure("checkpoint_gb")


@pytest.mark.catalog
def test_an_int8_catalog_checkpoint_estimates_smaller_than_the_bf16_one(catalog: dict) -> None:
    int8 = estimate_from_architecture(catalog["t2v"], "t2v", quantization="int8", catalog=catalog)
    bf16 = estimate_from_architecture(catalog["t2v"], "t2v", quantization="bf16", catalog=catalog)

    assert (int8.variant, bf16.variant) == ("int8", "bf16")
    assert int8.checkpoint_gb < bf16.checkpoint_gb


@pytest.mark.catalog
def test_audio_models_are_lighter_than_14b_video_models(catalog_metrics: dict) -> None:
    audio = {t: m for t, m in catalog_metrics.items() if m.output_type == "audio"}
    video_14b = {t: m for t, m in catalog_metrics.items() if m.output_type == "video" and m.figure("params_b") == 14}

    assert audio and video_14b
    # The memory model's own needs: the VRAM column shows Wan2GP's 6 GB minimum for both.
    def leanest(m) -> float:
        return min(n.vram_gb for n in profile_needs(m.memory).values())

    assert max(leanest(m) for m in audio.values()) < min(leanest(m) for m in video_14b.values())


@pytest.mark.catalog
def test_no_vram_figure_is_below_the_minimum_wan2gp_states(catalog_metrics: dict) -> None:
    below = {t: (m.figure("vram_min_gb"), vram_floor(m.output_type, m.memory.family).gb)
             for t, m in catalog_metrics.items() if m.memory is not None and m.source == "estimated"
             and m.figure("vram_min_gb") < vram_floor(m.output_type, m.memory.family).gb}
    assert below == {}


def test_a_modelled_need_below_wan2gps_minimum_shows_the_minimum_and_cites_it() -> None:
    flux = estimate_from_architecture({"name": "Flux 1 Schnell 12B", "architecture": "flux",
                                       "URLs": [f"{HF}/flux1-schnell_quanto_bf16_int8.safetensors"]}, "flux_schnell")
    leanest = min(n.vram_gb for n in profile_needs(flux.memory).values())

    assert leanest < 8 and flux.vram_min_gb == 8
    assert flux.provenance_of("vram_min_gb") == "wan2gp"
    citation = flux.citations["vram_min_gb"]
    assert "8 GB" in citation.source and f"{leanest:.1f} GB" in citation.detail


@pytest.mark.catalog
def test_similar_models_named_by_curated_entries_exist_in_the_catalog(catalog: dict) -> None:
    db = PerformanceDatabase.default()
    named = {t for e in db.data.entries.values() for t in (*e.similar_faster, *e.similar_higher_quality)}

    assert named - set(catalog) == set()


@pytest.mark.catalog
def test_curated_model_types_exist_in_the_catalog(catalog: dict) -> None:
    assert set(PerformanceDatabase.default().curated_types) - set(catalog) == set()


@pytest.mark.catalog
def test_metrics_for_the_whole_catalog_take_under_10_ms_once_warm(catalog: dict) -> None:
    db = PerformanceDatabase(PerformanceDatabase.default().data)
    for model_type, definition in catalog.items():
        db.get_metrics(model_type, definition, catalog=catalog)

    start = time.perf_counter()
    for model_type, definition in catalog.items():
        db.get_metrics(model_type, definition, catalog=catalog)
    elapsed = time.perf_counter() - start

    assert elapsed < 0.010
