"""Recommendations per output type and task, and optimization suggestions, for a VRAM budget."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import datetime
from typing import Any

import pytest

from wan2gp_model_tracker.fit.estimator import ModelMetrics
from wan2gp_model_tracker.fit.hardware import assess_fit
from wan2gp_model_tracker.fit.recommendations import optimization_suggestions, recommend
from wan2gp_model_tracker.performance_db import PerformanceDatabase
from wan2gp_model_tracker.records import (
    FileRecord,
    FileRole,
    FileStatus,
    Inventory,
    ModelRecord,
    ModelStatus,
    ScanSettings,
)

GB = 1_000_000_000


def settings(quantization: str = "int8", text_encoder: str = "int8") -> ScanSettings:
    return ScanSettings(source="offline", source_detail="test", wan2gp_dir="/w", checkpoint_roots=("/w/ckpts",),
                        transformer_quantization=quantization, transformer_dtype_policy="",
                        text_encoder_quantization=text_encoder, loras_root="/w/loras")


def model(model_type: str, status: ModelStatus = ModelStatus.MISSING, size_gb: float = 10, output: str = "video",
          visible: bool = True, errors: tuple[str, ...] = ()) -> ModelRecord:
    present = status is ModelStatus.DOWNLOADED
    weights = FileRecord(filename=f"{model_type}.safetensors", url=f"https://hf.co/{model_type}.safetensors",
                         role=FileRole.TRANSFORMER, core=True,
                         status=FileStatus.DOWNLOADED if present else FileStatus.MISSING,
                         path=f"/w/ckpts/{model_type}.safetensors", size_bytes=int(size_gb * GB),
                         size_is_estimate=not present, variant="int8")
    return ModelRecord(model_type=model_type, name=model_type.replace("_", " ").title(), architecture=model_type,
                       family="Test", output_type=output, description="", definition_path="", is_finetune=False,
                       visible=visible, status=status, status_reason="", files=(weights,), errors=errors)


def metrics(model_type: str, tasks: tuple[str, ...] = ("text-to-video",), output: str = "video",
            vram: tuple[float, float, float] = (8, 12, 21), quality: str | None = "high", speed: float = 1.0,
            ram: float = 32) -> ModelMetrics:
    low, recommended, resident = vram
    return ModelMetrics(model_type=model_type, name=model_type, output_type=output, tasks=tasks, source="estimated",
                        basis="test", variant="int8", vram_min_gb=low, vram_recommended_gb=recommended,
                        vram_resident_gb=resident, weights_vram_gb=14, ram_gb=ram, quality_tier=quality,
                        speed_multiplier=speed, speed_tier="slow")


def inventory(*records: ModelRecord, quantization: str = "int8", text_encoder: str = "int8") -> Inventory:
    return Inventory(models=records, settings=settings(quantization, text_encoder), scanned_at=datetime(2026, 8, 1))


def picks_for(result: Any, task: str) -> list[str]:
    return [p.model_type for g in result.groups if g.task == task for p in g.picks]


# --- picks ---------------------------------------------------------------------------------------

def test_models_below_the_minimum_vram_are_not_recommended() -> None:
    inv = inventory(model("big"), model("small"))
    result = recommend(inv, {"big": metrics("big", vram=(20, 30, 40)), "small": metrics("small", vram=(4, 6, 8))}, 12)

    assert picks_for(result, "text-to-video") == ["small"]


def test_a_downloaded_model_comes_before_an_equal_missing_one() -> None:
    inv = inventory(model("missing_one"), model("downloaded_one", ModelStatus.DOWNLOADED))
    both = {t: metrics(t) for t in ("missing_one", "downloaded_one")}

    assert picks_for(recommend(inv, both, 12), "text-to-video") == ["downloaded_one", "missing_one"]


def test_a_downloaded_model_comes_before_a_better_missing_one() -> None:
    inv = inventory(model("better_missing"), model("good_downloaded", ModelStatus.DOWNLOADED))
    fits = {"better_missing": metrics("better_missing", quality="highest"),
            "good_downloaded": metrics("good_downloaded", quality="high")}

    assert picks_for(recommend(inv, fits, 12), "text-to-video") == ["good_downloaded", "better_missing"]


def test_a_comfortable_fit_comes_before_a_tight_one() -> None:
    inv = inventory(model("tight", ModelStatus.DOWNLOADED), model("comfortable"))
    fits = {"tight": metrics("tight", vram=(8, 16, 21)), "comfortable": metrics("comfortable", vram=(4, 8, 10))}

    assert picks_for(recommend(inv, fits, 12), "text-to-video") == ["comfortable", "tight"]


def test_higher_quality_wins_among_equally_fitting_models() -> None:
    inv = inventory(model("medium_one"), model("highest_one"))
    fits = {"medium_one": metrics("medium_one", quality="medium"),
            "highest_one": metrics("highest_one", quality="highest")}

    assert picks_for(recommend(inv, fits, 12), "text-to-video") == ["highest_one", "medium_one"]


def test_groups_follow_output_type_then_task() -> None:
    inv = inventory(model("tts", output="audio"), model("img", output="image"), model("i2v"), model("t2v"))
    fits = {"tts": metrics("tts", ("speech",), "audio", vram=(2, 3, 3)),
            "img": metrics("img", ("text-to-image",), "image", vram=(4, 6, 8)),
            "i2v": metrics("i2v", ("image-to-video",)), "t2v": metrics("t2v", ("text-to-video",))}

    result = recommend(inv, fits, 12)

    assert [(g.output_type, g.task) for g in result.groups] == [
        ("video", "image-to-video"), ("video", "text-to-video"), ("image", "text-to-image"), ("audio", "speech")]
    assert [g.task for g in result.for_output("audio")] == ["speech"]


def test_a_model_serving_two_tasks_appears_under_both() -> None:
    inv = inventory(model("ti2v"))
    result = recommend(inv, {"ti2v": metrics("ti2v", ("image-to-video", "text-to-video"))}, 12)

    assert picks_for(result, "image-to-video") == picks_for(result, "text-to-video") == ["ti2v"]


def test_at_most_per_task_models_are_picked() -> None:
    records = [model(f"m{i}") for i in range(5)]
    result = recommend(inventory(*records), {r.model_type: metrics(r.model_type) for r in records}, 12, per_task=2)

    assert len(picks_for(result, "text-to-video")) == 2


def test_hidden_and_broken_models_are_left_out() -> None:
    inv = inventory(model("hidden", visible=False), model("broken", errors=("bad URL",)), model("fine"))
    result = recommend(inv, {t: metrics(t) for t in ("hidden", "broken", "fine")}, 12)

    assert picks_for(result, "text-to-video") == ["fine"]


def test_a_pick_tells_how_much_is_left_to_download() -> None:
    inv = inventory(model("missing_one", size_gb=14))
    pick = recommend(inv, {"missing_one": metrics("missing_one")}, 12).groups[0].picks[0]

    assert (pick.download_gb, pick.download_is_estimate, pick.downloaded) == (14.0, True, False)
    assert pick.fit.verdict == "recommended"


def test_a_download_of_unknown_size_is_not_shown_as_zero() -> None:
    unknown = model("unsized")
    unsized = replace(unknown, files=(replace(unknown.files[0], size_bytes=None),))

    pick = recommend(inventory(unsized), {"unsized": metrics("unsized")}, 12).groups[0].picks[0]

    assert pick.download_gb is None


def test_results_are_frozen() -> None:
    result = recommend(inventory(model("m")), {"m": metrics("m")}, 12)

    with pytest.raises(FrozenInstanceError):
        result.groups[0].picks[0].task = "other"  # type: ignore[misc]


def test_metrics_for_an_inventory_come_from_the_database() -> None:
    inv = inventory(model("t2v"), model("brand_new_7B"))

    found = PerformanceDatabase(PerformanceDatabase.default().data).metrics_for_inventory(inv)

    assert found["t2v"].source == "curated"
    assert found["brand_new_7B"].source == "estimated"


# --- optimization suggestions -----------------------------------------------------------------------

def titles(suggestions: Any) -> list[str]:
    return [s.title for s in suggestions]


@pytest.mark.parametrize(("budget", "ram", "expected"), [
    (24, 64, "Memory profile 1"), (24, 32, "Memory profile 3"), (16, 32, "Memory profile 4"),
    (16, 64, "Memory profile 2 or 4"), (8, 32, "Memory profile 4+"), (8, 16, "Memory profile 5"),
])
def test_the_memory_profile_follows_vram_and_ram(budget: float, ram: float, expected: str) -> None:
    assert titles(optimization_suggestions(budget, ram, settings(), []))[0] == expected


def test_16_bit_quantization_suggests_int8_when_a_model_does_not_fit_comfortably() -> None:
    tight = metrics("m", vram=(8, 16, 30))
    fits = [(tight, assess_fit(tight, 10, 32))]

    assert "Use int8 transformer quantization" in titles(optimization_suggestions(10, 32, settings("bf16"), fits))
    assert "Use int8 transformer quantization" not in titles(optimization_suggestions(10, 32, settings("int8"), fits))


def test_a_video_model_that_only_just_fits_suggests_480p() -> None:
    tight = metrics("m", vram=(8, 16, 30))

    suggestions = optimization_suggestions(10, 32, settings(), [(tight, assess_fit(tight, 10, 32))])

    assert "Generate video at 480p" in titles(suggestions)


def test_a_ram_shortfall_suggests_nvfp4_or_gguf() -> None:
    hungry = metrics("m", ram=64)

    assert "Prefer NVFP4 or GGUF checkpoints when RAM is short" in titles(
        optimization_suggestions(24, 32, settings(), [(hungry, assess_fit(hungry, 24, 32))]))


def test_a_16_bit_text_encoder_with_little_ram_suggests_int8() -> None:
    assert "Use the int8 text encoder" in titles(optimization_suggestions(24, 32, settings(text_encoder="bf16"), []))


def test_small_gpus_are_told_about_browser_vram() -> None:
    assert "Keep the browser off the GPU" in titles(optimization_suggestions(8, 32, settings(), []))
    assert "Keep the browser off the GPU" not in titles(optimization_suggestions(24, 32, settings(), []))


def test_every_suggestion_names_its_source() -> None:
    hungry = metrics("m", vram=(8, 16, 30), ram=64)
    suggestions = optimization_suggestions(8, 16, settings("bf16", "bf16"), [(hungry, assess_fit(hungry, 8, 16))])

    assert len(suggestions) >= 5
    assert all(s.source for s in suggestions)
