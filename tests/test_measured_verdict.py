"""A peak measured on this machine at a model's default workload replaces the modelled need on its profile.

The measured VRAM need is torch's reserved peak plus the CUDA context it does not count (verdict.CUDA_CONTEXT_GB);
the measured RAM is the process's real peak and replaces the model's figure when one was recorded. The verdict
then picks a profile as it always does, and every reason it gives says what was measured.
"""

from __future__ import annotations

import dataclasses

import pytest

from wan2gp_model_tracker.catalog.demo import DemoCatalog
from wan2gp_model_tracker.fit.hardware import assess_fit
from wan2gp_model_tracker.fit.measured import comparable_peak, describe_peak, peak_for
from wan2gp_model_tracker.fit.verdict import CUDA_CONTEXT_GB
from wan2gp_model_tracker.performance_db import PerformanceDatabase
from wan2gp_model_tracker.records import MeasuredPeak


@pytest.fixture(scope="module")
def t2v():
    """Wan2.1 t2v 14B as the memory model sees it (default workload 832x480, 81 frames)."""
    catalog = DemoCatalog()
    from wan2gp_model_tracker.model_analyzer import ModelAnalyzer

    analyzer = ModelAnalyzer(catalog)
    inventory = analyzer.scan()
    return PerformanceDatabase.default().metrics_for_inventory(inventory, analyzer.state.defs)["t2v"]


def peak(vram_gb: float, profile: str = "4", resolution: tuple[int, int] = (832, 480), frames: int = 81,
         runs: int = 5, ram_gb: float = 20.0, card_gb: float = 24.0) -> MeasuredPeak:
    return MeasuredPeak(model_type="t2v", profile=profile, width=resolution[0], height=resolution[1], frames=frames,
                        vram_peak_gb=vram_gb, vram_allocated_gb=vram_gb - 0.5, ram_peak_gb=ram_gb, runs=runs,
                        gpu_name="NVIDIA GeForce RTX 4090", gpu_total_gb=card_gb)


def test_the_measured_line_reads_as_specified():
    expected = "measured: peak 9.8 GB VRAM / 41 GB RAM on profile 4 at 832×480×81 (5 runs)"
    assert describe_peak(peak(9.8, ram_gb=41.0)) == expected
    one = dataclasses.replace(peak(13.04, runs=1, ram_gb=0.0), frames=1, width=1024, height=1024)
    assert describe_peak(one) == "measured: peak 13 GB VRAM on profile 4 at 1024×1024 (1 run)"


def test_a_measured_peak_that_fits_wins_over_a_modelled_need_that_does_not(t2v):
    modelled = assess_fit(t2v, 6.0, 32.0)
    assert modelled.verdict != "recommended" and modelled.profiles["4"].vram_gb > 6.0
    measured = assess_fit(t2v, 6.0, 32.0, measured=peak(5.5))
    assert (measured.verdict, measured.profile, measured.vram_need_gb, measured.ram_need_gb) == (
        "recommended", "4", 5.5 + CUDA_CONTEXT_GB, 20.0)
    assert measured.measured == describe_peak(peak(5.5)) and measured.measured in measured.reason
    assert measured.profiles["4"].measured and not measured.profiles["4+"].measured


@pytest.mark.parametrize(("ram_gb", "from_model"), [(20.0, False), (0.0, True)])
def test_a_recorded_ram_peak_replaces_the_modelled_ram(t2v, ram_gb: float, from_model: bool):
    modelled = assess_fit(t2v, 8.0, 64.0, profile="4")
    measured = assess_fit(t2v, 8.0, 64.0, profile="4", measured=peak(5.5, ram_gb=ram_gb))
    # lower than the model's figure and still taken: it is the real process peak, not a bound
    assert modelled.ram_need_gb > 20.0
    assert measured.ram_need_gb == (modelled.ram_need_gb if from_model else ram_gb)


def test_a_measured_peak_above_the_budget_moves_the_verdict_to_a_profile_that_fits(t2v):
    modelled = assess_fit(t2v, 8.0, 32.0)
    assert (modelled.verdict, modelled.profile) == ("recommended", "4")
    measured = assess_fit(t2v, 8.0, 32.0, measured=peak(9.8, ram_gb=41.0))
    assert (measured.verdict, measured.profile) == ("compatible", "4+")
    assert measured.limit == "use profile 4+ (LowRAM_LowVRAM+)"
    assert measured.vram_need_gb == round(modelled.profiles["4+"].vram_gb, 1) <= 8.0
    four = measured.profiles["4"]
    assert (four.vram_gb, four.ram_gb, four.verdict, four.measured) == (10.3, 41.0, "incompatible", True)
    assert "VRAM: profile 4 needs 10.3 GB (measured" in measured.reason
    assert "RAM: profile 4 needs 41.0 GB (measured)" in measured.reason
    assert describe_peak(peak(9.8, ram_gb=41.0)) in measured.reason
    assert measured.reason.endswith("the profile 4+ figures are modelled")


def test_a_faster_profile_the_model_says_fits_stays_first(t2v):
    modelled = assess_fit(t2v, 24.0, 32.0)
    assert (modelled.verdict, modelled.profile) == ("recommended", "3")
    measured = assess_fit(t2v, 24.0, 32.0, measured=peak(9.8))
    same = ("verdict", "profile", "vram_need_gb", "ram_need_gb", "limit")
    assert [getattr(measured, f) for f in same] == [getattr(modelled, f) for f in same]
    assert measured.reason.startswith(modelled.reason) and describe_peak(peak(9.8)) in measured.reason
    assert measured.profiles["4"].measured and measured.profiles["4"].vram_gb == 10.3


def test_a_lean_profile_that_fits_by_its_measured_peak_is_a_change_to_make(t2v):
    measured = assess_fit(t2v, 6.0, 32.0, measured=peak(5.0, profile="5"))
    assert (measured.verdict, measured.profile, measured.limit) == (
        "compatible", "5", "use profile 5 (VerylowRAM_LowVRAM)")
    assert measured.vram_need_gb == 5.5 and "fits: about 5.5 GB VRAM and 20.0 GB RAM (measured)" in measured.reason


def test_below_wan2gps_floor_the_measured_need_is_reported_and_the_floor_said_beside_it(t2v):
    measured = assess_fit(t2v, 4.0, 32.0, measured=peak(3.0, profile="5"))
    assert (measured.verdict, measured.profile, measured.vram_need_gb) == ("incompatible", "5", 3.5)
    assert measured.reason.startswith('VRAM: needs at least 6.0 GB (Wan2GP: "at least 6GB of VRAM')
    assert "the model itself needs 3.5 GB (measured" in measured.reason
    assert describe_peak(peak(3.0, profile="5")) in measured.reason


def test_too_little_ram_for_the_measured_run_names_the_measured_ram(t2v):
    assert assess_fit(t2v, 6.0, 16.0).verdict == "incompatible"
    measured = assess_fit(t2v, 6.0, 16.0, measured=peak(5.5, ram_gb=20.0))
    assert (measured.verdict, measured.limit, measured.ram_need_gb) == ("incompatible", "more system RAM", 20.0)
    assert measured.reason.startswith("RAM: needs at least 20.0 GB (profile 4, measured), this machine has 16 GB")


def test_the_profile_wan2gp_is_set_to_is_judged_by_its_measured_peak(t2v):
    fit = assess_fit(t2v, 8.0, 32.0, host_profile="4", measured=peak(9.8))
    assert fit.profile == "4+"
    assert "Wan2GP is set to profile 4, which needs about 10.3 GB VRAM and 20.0 GB RAM (measured)" in fit.profile_hint


@pytest.mark.parametrize("elsewhere", [{"resolution": (1280, 720)}, {"frames": 121}])
def test_a_peak_at_another_workload_leaves_the_verdict_as_modelled(t2v, elsewhere: dict):
    assert assess_fit(t2v, 8.0, 32.0, measured=peak(9.8, **elsewhere)) == assess_fit(t2v, 8.0, 32.0)


def test_a_peak_of_another_model_is_ignored(t2v):
    other = dataclasses.replace(peak(9.8), model_type="t2v_1.3B")
    assert assess_fit(t2v, 8.0, 32.0, measured=other) == assess_fit(t2v, 8.0, 32.0)


def test_on_profiles_that_keep_the_model_whole_only_a_card_of_the_same_size_counts(t2v):
    on_a_24_gb_card = peak(12.0, profile="3", card_gb=24.0)
    assert assess_fit(t2v, 16.0, 32.0, measured=on_a_24_gb_card) == assess_fit(t2v, 16.0, 32.0)
    assert assess_fit(t2v, 24.0, 32.0, measured=on_a_24_gb_card).profiles["3"].measured
    # profiles 2, 4 and 5 hold the same weights on any card
    assert assess_fit(t2v, 16.0, 32.0, measured=peak(7.0, card_gb=24.0)).profiles["4"].measured


def test_a_measured_peak_can_come_as_a_mapping_of_its_fields(t2v):
    fields = {name: getattr(peak(5.5), name) for name in MeasuredPeak.__slots__}
    assert assess_fit(t2v, 6.0, 32.0, measured=fields) == assess_fit(t2v, 6.0, 32.0, measured=peak(5.5))
    assert assess_fit(t2v, 6.0, 32.0, measured={"profile": "4"}) == assess_fit(t2v, 6.0, 32.0)


def test_only_a_comparable_workload_counts(t2v):
    workload = t2v.memory.workload
    assert comparable_peak([peak(5.5, resolution=(1280, 720))], workload) is None
    assert comparable_peak([peak(5.5, frames=121)], workload) is None
    assert comparable_peak([peak(5.5, frames=77)], workload) == peak(5.5, frames=77)  # same frame band
    # the verdict applies the same rule: the peak shown beside it is the one it used
    assert assess_fit(t2v, 6.0, 32.0, measured=peak(5.5, frames=77)).profiles["4"].measured


def test_the_profile_wan2gp_is_set_to_comes_first(t2v):
    on_4, on_5 = peak(9.8, runs=2), peak(6.0, profile="5", runs=7)
    assert peak_for(t2v, [on_4, on_5], {"video": "4"}) == on_4
    assert peak_for(t2v, [on_4, on_5], {}) == on_5  # otherwise the one with most runs
