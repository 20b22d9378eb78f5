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
from wan2gp_model_tracker.fit.floors import PROFILE_VRAM_GUIDANCE_GB, ram_floor, vram_floor
from wan2gp_model_tracker.fit.hardware import assess_fit
from wan2gp_model_tracker.fit.memory import (
    BASE_RAM_GB,
    GIB_PER_GB,
    PINNED_OVERHEAD,
    PROFILES,
    RAM_SLACK,
    MemoryInputs,
    models_gb,
    phases,
    pinned_gb,
    profile_need,
)
from wan2gp_model_tracker.fit.verdict import judge
from wan2gp_model_tracker.machine.hardware import GIB, detect_gpus, detect_gpus_torch
from wan2gp_model_tracker.records import MemorySettings, memory_settings_from_config

HF = "https://huggingface.co/DeepBeepMeep/Wan2.1/resolve/main"
T2V_URLS = [f"{HF}/wan2.1_text2video_14B_mbf16.safetensors",
            f"{HF}/wan2.1_text2video_14B_quanto_mbf16_int8.safetensors"]


def wan(settings: dict | None = None, name: str = "Test 14B", **extra: object) -> dict:
    return {"name": name, "architecture": "t2v", "URLs": T2V_URLS, "settings": settings or {}, **extra}


def memory(definition: dict | None = None, quantization: str = "int8") -> MemoryInputs:
    inputs = estimate_from_architecture(definition or wan(), "test", quantization=quantization).memory
    assert inputs is not None
    return inputs


# --- what each profile keeps where (MMGP_MEASURED.md's relations) -----------------------------------

CARDS = (8, 12, 16, 24)


def test_profiles_1_3_and_3plus_need_the_same_vram_on_every_card() -> None:
    inputs = memory()

    for card in (*CARDS, None):
        assert profile_need(inputs, "1", card_gb=card).vram_gb == profile_need(inputs, "3", card_gb=card).vram_gb \
            == profile_need(inputs, "3+", card_gb=card).vram_gb


def test_profiles_2_4_and_5_do_not_grow_with_the_card() -> None:
    inputs = memory()

    for profile in ("2", "4", "4+", "5"):
        assert len({profile_need(inputs, profile, card_gb=card).vram_gb for card in (*CARDS, None)}) == 1


def test_a_model_larger_than_80_percent_of_the_card_keeps_80_percent_of_it_resident() -> None:
    inputs = memory()  # 14B int8: 13 GiB of transformer

    for card in (8, 12, 16):
        resident = profile_need(inputs, "1", card_gb=card).weights_gb
        assert 0.8 * card - 2 * 0.4 <= resident <= 0.8 * card  # the budget, less the float cursor's short block
    assert profile_need(inputs, "1", card_gb=24).weights_gb == pytest.approx(14 * GIB_PER_GB, abs=0.01)


def test_profile_4plus_holds_one_block_less_than_profile_4() -> None:
    inputs = memory()
    block = inputs.weights_gb * inputs.transformer_split.block_share * GIB_PER_GB

    saved = profile_need(inputs, "4").weights_gb - profile_need(inputs, "4+").weights_gb
    assert saved == pytest.approx(block, abs=0.01)


def test_two_experts_cost_one_experts_vram_on_every_profile_and_card() -> None:
    one, two = memory(), memory(wan(URLs2=T2V_URLS))

    for profile in PROFILES:
        for card in (*CARDS, None):
            assert profile_need(two, profile, card_gb=card).vram_gb == profile_need(one, profile, card_gb=card).vram_gb


def test_pinned_ram_per_profile() -> None:
    one, two = memory(), memory(wan(URLs2=T2V_URLS))
    expert = one.weights_gb * GIB_PER_GB

    assert pinned_gb(two, "1") == pinned_gb(two, "2") == pytest.approx(models_gb(two))
    assert pinned_gb(two, "3") == pinned_gb(two, "4") == pytest.approx(2 * expert)
    assert pinned_gb(two, "4+") == pytest.approx(expert)  # only the first expert (wgp.py 3871-3873)
    assert pinned_gb(two, "3+") == pinned_gb(two, "5") == 0
    assert pinned_gb(one, "3") == pytest.approx(expert)


def test_profiles_1_and_2_pin_at_most_half_of_ram_then_partly_and_40_percent_on_windows() -> None:
    inputs = memory(wan(URLs2=T2V_URLS))

    assert pinned_gb(inputs, "1", ram_total_gb=32) == 16
    windows = replace(inputs, settings=MemorySettings(windows=True))
    assert pinned_gb(windows, "2", ram_total_gb=32) == pytest.approx(12.8)
    assert pinned_gb(replace(inputs, settings=MemorySettings(reserved_ram_share=0.3)), "1", 32) == pytest.approx(9.6)
    assert pinned_gb(inputs, "1", ram_total_gb=256) == pytest.approx(models_gb(inputs))


def test_ram_holds_every_models_bytes_plus_the_pinning_overhead() -> None:
    inputs = memory()

    for profile in PROFILES:
        overhead = profile_need(inputs, profile).ram_gb - BASE_RAM_GB - models_gb(inputs)
        assert overhead == pytest.approx(PINNED_OVERHEAD * pinned_gb(inputs, profile), abs=0.01)


def test_fluxs_t5_under_the_star_budget_makes_profile_5_leaner_than_profile_4() -> None:
    flux = memory({"name": "Flux 12B", "architecture": "flux", "URLs": [f"{HF}/flux1-dev_bf16.safetensors"]})

    assert flux.text_encoder_key == "text_encoder_2"
    text_4 = phases(flux, "4")["text encoding"][0]
    assert phases(flux, "5")["text encoding"][0] < text_4 and phases(flux, "4+")["text encoding"][0] < text_4


def test_preload_in_vram_raises_the_streamed_profiles_but_not_4plus() -> None:
    inputs = memory()
    preloaded = replace(inputs, settings=MemorySettings(preload_mb=4000))

    assert profile_need(preloaded, "4").vram_gb > profile_need(inputs, "4").vram_gb + 2
    assert profile_need(preloaded, "4+").vram_gb == profile_need(inputs, "4+").vram_gb  # no async: no preloading
    assert profile_need(preloaded, "1", card_gb=8).vram_gb == profile_need(inputs, "1", card_gb=8).vram_gb


def test_memory_settings_are_read_from_wgp_config() -> None:
    settings = memory_settings_from_config({"preload_in_VRAM": 3000, "perc_reserved_mem_max": 0.3, "vae_config": 2})

    assert (settings.preload_mb, settings.reserved_ram_share, settings.vae_config) == (3000, 0.3, 2)
    assert memory_settings_from_config({"preload_in_VRAM": "lots", "perc_reserved_mem_max": 7}) == MemorySettings()
    assert memory_settings_from_config(["not", "a", "dict"]) == MemorySettings()


def test_wan2gps_command_line_wins_over_its_config_as_wgp_py_lets_it() -> None:
    args = SimpleNamespace(preload="5000", perc_reserved_mem_max=0.3, vae_config="1", vram_safety_coefficient=0.7)

    settings = memory_settings_from_config({"preload_in_VRAM": 3000, "vae_config": 2}, args=args)

    assert (settings.preload_mb, settings.reserved_ram_share, settings.vae_config, settings.vram_safety) == \
        (5000, 0.3, 1, 0.7)
    unset = SimpleNamespace(preload="0", perc_reserved_mem_max=0, vae_config="", vram_safety_coefficient=0.8)
    assert memory_settings_from_config({"preload_in_VRAM": 3000, "vae_config": 2}, args=unset) == \
        MemorySettings(preload_mb=3000, vae_config=2)


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
        need = profile_need(inputs, result.profile, card_gb=vram, ram_total_gb=ram)
        assert need.ram_gb <= ram * (1 + RAM_SLACK) and need.vram_gb <= vram
        assert ram_floor(result.profile).gb <= ram * (1 + RAM_SLACK) and vram >= vram_floor("video", "wan").gb


# --- floors: Wan2GP's stated minimums -------------------------------------------------------------------

def test_below_wan2gps_6_gb_nothing_is_recommended_and_the_reason_cites_it() -> None:
    small = memory(wan(name="Small 1.3B", architecture="t2v_1.3B"))

    result = judge(small, 5, 64)

    assert result.verdict == "incompatible"
    assert "GETTING_STARTED.md L10" in result.reason and re.search(r"VRAM: needs at least 6\.0 GB", result.reason)
    # the need reported stays the model's own; the floor is said beside it, not put in its place
    leanest = min(profile_need(small, p, card_gb=5).vram_gb for p in PROFILES)
    assert result.vram_need_gb == leanest < 6 and f"the model itself needs {leanest:.1f} GB" in result.reason
    assert judge(small, 6, 64).verdict == "recommended"


@pytest.mark.parametrize(("architecture", "family_floor"), [("flux", 8.0), ("flux2_dev", 8.0), ("ltx2_19B", 8.0)])
def test_a_family_floor_holds_even_when_the_model_would_fit(architecture: str, family_floor: float) -> None:
    inputs = memory({"name": "Small 2B", "architecture": architecture})

    assert min(profile_need(inputs, p, card_gb=7.9).vram_gb for p in PROFILES) < 7.9
    assert judge(inputs, 7.9, 256).verdict == "incompatible"
    assert vram_floor(inputs.output_type, inputs.family).gb == family_floor


def test_profile_1_and_2_are_never_recommended_below_64_gb_of_ram() -> None:
    inputs = memory(wan(name="Small 1.3B", architecture="t2v_1.3B"))

    assert judge(inputs, 24, 32).profile not in ("1", "2")
    assert judge(inputs, 24, 64).profile == "1"


def test_below_every_profiles_stated_ram_it_is_at_best_compatible_and_says_so() -> None:
    inputs = memory(wan(name="Small 1.3B", architecture="t2v_1.3B"))  # about 10 GB of RAM by the model

    result = judge(inputs, 12, 16)

    assert result.verdict == "compatible" and "below the 24 GB of RAM Wan2GP asks" in result.limit


def test_the_profile_texts_vram_is_guidance_not_a_minimum() -> None:
    # Profile 4's text names a 12 GB card; an 8 GB card still runs Wan 14B on it (Wan2.1 issue #142).
    assert judge(memory(), 8, 32).verdict == "recommended"
    assert PROFILE_VRAM_GUIDANCE_GB["4"] == 12


# --- the change a compatible verdict names, checked on the same model ---------------------------------

def test_judging_for_one_profile_names_the_profile_that_runs_it() -> None:
    result = judge(memory(), 8, 32, profile="3")

    assert result.verdict == "compatible" and result.limit.startswith("a shorter clip") or "use profile" in result.limit
    assert judge(memory(), 8, 32, profile="4").verdict == "recommended"


def test_every_compatible_change_is_checked_on_the_same_model() -> None:
    for vram, ram, settings_ in ((8, 32, {"video_length": 321}), (6, 32, {"resolution": "1280x720"}),
                                 (12, 24, {}), (8, 16, {})):
        inputs = memory(wan(settings_))
        result = judge(inputs, vram, ram)
        if result.verdict == "compatible":
            assert result.vram_need_gb <= vram and result.ram_need_gb <= ram * (1 + RAM_SLACK), result


# --- hostile settings never raise ---------------------------------------------------------------

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**400), max_value=10**400), st.floats(allow_nan=True),
    st.text(max_size=30), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers()),
    st.sampled_from(["1x1" + "0" * 400, "0x0", "-5x7", "99999999999x2", "nan", "1e400", "832x480 ", "x"]),
)
KEYS = ["num_inference_steps", "video_length", "resolution", "batch_size", "guidance_scale", "guidance_phases"]


@settings(max_examples=200, deadline=None)
@given(config=st.dictionaries(st.sampled_from(["preload_in_VRAM", "perc_reserved_mem_max", "vae_config"]), HOSTILE),
       option=HOSTILE)
def test_hostile_memory_settings_never_raise_and_stay_in_range(config: dict, option: object) -> None:
    args = SimpleNamespace(preload=option, perc_reserved_mem_max=option, vae_config=option,
                           vram_safety_coefficient=option)

    found = memory_settings_from_config(config, args=args)

    assert 0 <= found.preload_mb <= 1_000_000 and 0 <= found.reserved_ram_share <= 1 and 0 <= found.vae_config <= 10
    assert 0.05 <= found.vram_safety <= 1


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


def test_the_details_show_every_profiles_figures_and_where_the_weight_sizes_come_from() -> None:
    from wan2gp_model_tracker.ui.details import fit_markdown, metrics_markdown

    metrics = estimate_from_architecture(wan(), "test")
    text = "\n".join(fit_markdown(assess_fit(metrics, 8, 32), "8 GB VRAM / 32 GB RAM"))

    assert "| Wan2GP profile | VRAM (GB) | RAM (GB) | pinned RAM (GB) | verdict |" in text
    assert all(f"| {p} |" in text for p in PROFILES) and "not a minimum" in text
    assert any("Weight sizes from:" in line and "definition's estimate" in line for line in metrics_markdown(metrics))


def test_a_16_bit_text_encoder_setting_doubles_the_encoders_ram() -> None:
    from wan2gp_model_tracker.fit.definition_facts import read_definition
    from wan2gp_model_tracker.fit.estimator import estimate

    facts = read_definition(wan(), "test")
    int8 = estimate(facts).memory
    bf16 = estimate(facts, settings=memory_settings_from_config({"text_encoder_quantization": "bf16"})).memory

    assert bf16.text_encoder_gb == pytest.approx(2 * int8.text_encoder_gb)
    assert profile_need(bf16, "4").ram_gb > profile_need(int8, "4").ram_gb
