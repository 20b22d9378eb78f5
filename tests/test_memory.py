"""The memory model per Wan2GP profile, and the verdicts judged from it, on small synthetic definitions."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wan2gp_model_tracker.catalog.base import host_profiles, profile_from_config
from wan2gp_model_tracker.fit.estimator import estimate_from_architecture
from wan2gp_model_tracker.fit.hardware import assess_fit
from wan2gp_model_tracker.fit.memory import PROFILES, RAM_SLACK, MemoryInputs, profile_need, profile_needs
from wan2gp_model_tracker.fit.verdict import judge
from wan2gp_model_tracker.machine.hardware import GIB, detect_gpus, detect_gpus_torch

HF = "https://huggingface.co/DeepBeepMeep/Wan2.1/resolve/main"
T2V_URLS = [f"{HF}/wan2.1_text2video_14B_mbf16.safetensors",
            f"{HF}/wan2.1_text2video_14B_quanto_mbf16_int8.safetensors"]


def wan(settings: dict | None = None, name: str = "Test 14B", **extra: object) -> dict:
    return {"name": name, "architecture": "t2v", "URLs": T2V_URLS, "settings": settings or {}, **extra}


def memory(definition: dict | None = None, quantization: str = "int8") -> MemoryInputs:
    inputs = estimate_from_architecture(definition or wan(), "test", quantization=quantization).memory
    assert inputs is not None
    return inputs


# --- what each profile keeps where ------------------------------------------------------------

def test_streamed_profiles_need_far_less_vram_than_resident_ones() -> None:
    needs = profile_needs(memory())

    assert max(needs[p].vram_gb for p in ("2", "4", "4+", "5")) < min(needs[p].vram_gb for p in ("1", "3", "3+"))


def test_synchronous_transfers_save_vram_over_profile_4() -> None:
    needs = profile_needs(memory())

    assert needs["4+"].vram_gb < needs["4"].vram_gb
    assert needs["5"].vram_gb <= needs["4+"].vram_gb


def test_profile_3_keeps_the_transformer_within_70_percent_of_vram() -> None:
    # docs/CLI.md: profile 3 needs 24 GB for a 14B model (int8: 14 GB / 0.7 = 20 GB).
    need = profile_need(memory(), "3")

    assert 16 < need.vram_gb <= 24


def test_profile_1_keeps_everything_resident_and_needs_most() -> None:
    needs = profile_needs(memory())

    assert needs["1"].vram_gb == max(n.vram_gb for n in needs.values())


def test_pinning_profiles_need_more_ram_than_profiles_that_pin_nothing() -> None:
    needs = profile_needs(memory())

    assert needs["3+"].ram_gb == needs["5"].ram_gb < needs["4"].ram_gb == needs["4+"].ram_gb <= needs["2"].ram_gb


def test_a_second_expert_adds_ram_on_profile_4_but_no_vram() -> None:
    one, two = memory(), memory(wan(URLs2=T2V_URLS))

    assert profile_need(two, "4").ram_gb > profile_need(one, "4").ram_gb
    assert profile_need(two, "4").vram_gb == profile_need(one, "4").vram_gb
    assert profile_need(two, "3").vram_gb == profile_need(one, "3").vram_gb


def test_16_bit_weights_need_more_than_int8_on_every_profile() -> None:
    bf16, int8 = memory(quantization="bf16"), memory(quantization="int8")

    for profile in PROFILES:
        assert profile_need(bf16, profile).vram_gb >= profile_need(int8, profile).vram_gb
        assert profile_need(bf16, profile).ram_gb > profile_need(int8, profile).ram_gb


@pytest.mark.parametrize("change", [{"video_length": 161}, {"resolution": "1280x720"}, {"batch_size": 2}])
def test_a_bigger_workload_never_needs_less(change: dict) -> None:
    base, bigger = memory(), memory(wan(change))

    for profile in PROFILES:
        assert profile_need(bigger, profile).vram_gb >= profile_need(base, profile).vram_gb
    assert profile_need(bigger, "4").vram_gb > profile_need(base, "4").vram_gb


def test_the_definitions_settings_block_sets_the_workload() -> None:
    inputs = memory(wan({"resolution": "1280x720", "video_length": 241, "batch_size": 2}))

    assert (inputs.workload.resolution, inputs.workload.frames, inputs.workload.batch) == ("1280x720", 241, 2)


# --- verdicts ----------------------------------------------------------------------------------

def test_a_model_that_fits_the_default_profile_is_recommended_and_names_it() -> None:
    result = judge(memory(), 8, 32)

    assert (result.verdict, result.profile) == ("recommended", "4")
    assert result.vram_need_gb <= 8 and result.ram_need_gb <= 32 * (1 + RAM_SLACK)


def test_a_roomy_machine_gets_the_resident_profile() -> None:
    assert judge(memory(), 24, 64).profile in ("1", "3")


def test_too_little_ram_for_profile_4_is_compatible_with_profile_5s_ram_saving() -> None:
    result = judge(memory(), 12, 24)

    assert (result.verdict, result.profile) == ("compatible", "5")
    assert "RAM saving" in result.limit and "RAM: profile 4 needs" in result.reason


def test_a_clip_too_long_for_the_budget_is_compatible_with_a_shorter_one() -> None:
    result = judge(memory(wan({"video_length": 321})), 8, 32)

    assert result.verdict == "compatible"
    assert "shorter clip" in result.limit
    frames = int(re.search(r"up to (\d+) frames", result.limit).group(1))
    assert 17 <= frames < 321 and result.vram_need_gb <= 8


def test_nothing_that_fits_is_incompatible_and_names_vram_with_both_figures() -> None:
    result = judge(memory(), 2, 64)

    assert result.verdict == "incompatible"
    assert re.search(r"VRAM: needs at least [\d.]+ GB .*the budget is 2 GB", result.reason)


def test_too_little_ram_everywhere_is_incompatible_and_names_ram_with_both_figures() -> None:
    result = judge(memory(), 24, 8)

    assert result.verdict == "incompatible"
    assert re.search(r"RAM: needs at least [\d.]+ GB .*this machine has 8 GB", result.reason)


def test_audio_on_a_streamed_profile_is_the_slow_way_not_recommended() -> None:
    speech = {"name": "TTS Test 7B", "architecture": "kugelaudio_0_open", "settings": {"duration_seconds": 30},
              "URLs": [f"{HF}/tts_7B_bf16.safetensors", f"{HF}/tts_7B_quanto_bf16_int8.safetensors"]}
    inputs = replace(memory(speech), resident_floor_gb=16.0, resident_floor_basis="a Wan2GP statement")

    assert judge(inputs, 16, 32).verdict == "recommended"
    result = judge(inputs, 12, 32)
    assert result.verdict == "compatible" and "slow way" in result.limit


def test_what_fits_gives_the_longest_clip_and_highest_resolution() -> None:
    result = judge(memory(), 8, 32)

    assert result.what_fits is not None
    assert result.what_fits.max_frames >= 81 and result.what_fits.resolution == "832x480"
    assert result.what_fits.highest_resolution is not None
    assert "frames at 832x480" in result.what_fits.describe()


def test_the_verdict_reports_the_hosts_own_profile() -> None:
    metrics = estimate_from_architecture(wan(), "test")

    assert "Wan2GP is set to profile 3, which needs" in assess_fit(metrics, 8, 32, host_profile="3").profile_hint
    assert "also fits" in assess_fit(metrics, 8, 32, host_profile="5").profile_hint


def test_the_fit_contract_carries_profile_needs_and_limit() -> None:
    contract = assess_fit(estimate_from_architecture(wan(), "test"), 8, 32).as_contract()

    assert {"profile", "vram_need_gb", "ram_need_gb", "limit", "what_fits"} <= set(contract)
    assert contract["profile"] == "4" and contract["what_fits"]["resolution"] == "832x480"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weights=st.floats(0.5, 80), experts=st.integers(1, 2), encoder=st.floats(0, 30),
       vram=st.floats(1, 96), ram=st.floats(4, 256))
def test_a_machine_short_of_ram_is_never_recommended_on_a_profile_whose_ram_need_it_misses(
        weights: float, experts: int, encoder: float, vram: float, ram: float) -> None:
    inputs = replace(memory(), weights_gb=weights, experts=experts, text_encoder_gb=encoder)

    result = judge(inputs, vram, ram)

    if result.verdict == "recommended":
        assert profile_need(inputs, result.profile).ram_gb <= ram * (1 + RAM_SLACK)
        assert profile_need(inputs, result.profile).vram_gb <= vram


# --- hostile settings never raise ---------------------------------------------------------------

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**400), max_value=10**400), st.floats(allow_nan=True),
    st.text(max_size=30), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers()),
    st.sampled_from(["1x1" + "0" * 400, "0x0", "-5x7", "99999999999x2", "nan", "1e400", "832x480 ", "x"]),
)
KEYS = ["num_inference_steps", "video_length", "resolution", "batch_size", "guidance_scale", "guidance_phases"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(st.sampled_from(KEYS), HOSTILE, max_size=len(KEYS)), vram=st.floats(0.5, 96),
       ram=st.one_of(st.none(), st.floats(1, 512)))
def test_hostile_workload_values_never_raise_and_give_finite_figures(values: dict, vram: float, ram) -> None:
    metrics = estimate_from_architecture(wan(values), "test")
    fit = assess_fit(metrics, vram, ram)

    assert fit.verdict in ("recommended", "compatible", "incompatible")
    for figure in (metrics.vram_min_gb, metrics.vram_recommended_gb, metrics.ram_gb, fit.vram_need_gb):
        assert figure is not None and 0 < figure < 1e6


def test_a_resolution_of_400_digits_is_noted_not_raised() -> None:
    metrics = estimate_from_architecture(wan({"resolution": "1x1" + "0" * 400, "video_length": 10**400}), "test")

    assert metrics.memory.workload.resolution == "832x480"
    assert metrics.memory.workload.frames == 100_000
    assert any("resolution" in note for note in metrics.memory.workload.notes)


# --- the host's profile and GPU ------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [(4, "4"), (3.5, "3+"), ("4.5", "4+"), (5.0, "5"), (7, None),
                                                 (float("nan"), None), (True, None), ("fast", None), (None, None)])
def test_config_profiles_are_read_as_wan2gp_stores_them(value, expected) -> None:
    assert profile_from_config(value) == expected


def test_host_profiles_per_output_fall_back_to_the_general_one() -> None:
    assert host_profiles({"profile": 4, "image_profile": 2}) == {"video": "4", "image": "2", "audio": "3+"}
    assert host_profiles({}) == {} and host_profiles(["not", "a", "dict"]) == {}


class FakeCuda:
    def __init__(self, devices: list[tuple[str, float]]) -> None:
        self.devices = devices

    def is_available(self) -> bool:
        return bool(self.devices)

    def device_count(self) -> int:
        return len(self.devices)

    def get_device_name(self, index: int) -> str:
        return self.devices[index][0]

    def get_device_properties(self, index: int) -> SimpleNamespace:
        return SimpleNamespace(total_memory=int(self.devices[index][1] * GIB), major=8, minor=9)


def test_a_loaded_torch_answers_when_nvml_finds_no_gpu(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(cuda=FakeCuda([("RTX 4060", 8.0)])))

    detection = detect_gpus(nvml=SimpleNamespace(nvmlInit=lambda: (_ for _ in ()).throw(OSError("no driver"))))

    assert [(g.name, g.total_vram_gb) for g in detection.gpus] == [("RTX 4060", 8.0)]
    assert "torch" in detection.warnings[0]


def test_torch_is_never_imported_by_the_tracker(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)

    detection = detect_gpus(nvml=SimpleNamespace(nvmlInit=lambda: (_ for _ in ()).throw(OSError("no driver"))))

    assert not detection.gpus and "torch" not in sys.modules


def test_a_broken_torch_is_an_error_not_an_exception() -> None:
    broken = SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: (_ for _ in ()).throw(RuntimeError("x"))))

    assert detect_gpus_torch(broken).error.startswith("no NVIDIA GPU detected")


def test_a_bad_setting_is_named_in_the_models_basis() -> None:
    metrics = estimate_from_architecture(wan({"num_inference_steps": float("nan"), "batch_size": "two"}), "test")

    assert "settings ignored" in metrics.basis
    assert "num_inference_steps nan is not a number" in metrics.basis and "batch_size 'two'" in metrics.basis
