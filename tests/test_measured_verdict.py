"""A peak measured on this machine at a model's default workload replaces the modelled need on its profile."""

from __future__ import annotations

import dataclasses

import pytest

from wan2gp_model_tracker.catalog.demo import DemoCatalog
from wan2gp_model_tracker.fit.hardware import assess_fit
from wan2gp_model_tracker.fit.measured import comparable_peak, describe_peak, peak_for
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
         runs: int = 5, ram_gb: float = 20.0) -> MeasuredPeak:
    return MeasuredPeak(model_type="t2v", profile=profile, width=resolution[0], height=resolution[1], frames=frames,
                        vram_peak_gb=vram_gb, vram_allocated_gb=vram_gb - 0.5, ram_peak_gb=ram_gb, runs=runs,
                        gpu_name="NVIDIA GeForce RTX 4090", gpu_total_gb=24.0)


def test_the_measured_line_reads_as_specified():
    expected = "measured: peak 9.8 GB VRAM / 41 GB RAM on profile 4 at 832×480×81 (5 runs)"
    assert describe_peak(peak(9.8, ram_gb=41.0)) == expected
    one = dataclasses.replace(peak(13.04, runs=1, ram_gb=0.0), frames=1, width=1024, height=1024)
    assert describe_peak(one) == "measured: peak 13 GB VRAM on profile 4 at 1024×1024 (1 run)"


def test_a_measured_peak_that_fits_wins_over_a_modelled_need_that_does_not(t2v):
    modelled = assess_fit(t2v, 6.0, 32.0)
    assert modelled.verdict != "recommended" or modelled.profile != "4"
    measured = assess_fit(t2v, 6.0, 32.0, measured=peak(5.5))
    assert (measured.verdict, measured.profile, measured.vram_need_gb, measured.ram_need_gb) == (
        "recommended", "4", 5.5, 20.0)
    assert "measured" in measured.reason


def test_a_measured_peak_above_the_budget_overrules_a_modelled_fit_on_that_profile(t2v):
    modelled = assess_fit(t2v, 8.0, 32.0)
    assert (modelled.verdict, modelled.profile) == ("recommended", "4") and modelled.vram_need_gb < 8
    measured = assess_fit(t2v, 8.0, 32.0, measured=peak(9.8))
    assert (measured.verdict, measured.vram_need_gb) == ("compatible", 9.8)
    assert "measured" in measured.reason and f"modelled {modelled.vram_need_gb:g} GB" in measured.reason
    assert measured.limit


def test_a_faster_profile_that_fits_is_kept(t2v):
    modelled = assess_fit(t2v, 24.0, 32.0)
    assert (modelled.verdict, modelled.profile) == ("recommended", "3")
    assert assess_fit(t2v, 24.0, 32.0, measured=peak(9.8)) == modelled


def test_a_lean_profile_that_fits_is_a_change_to_make(t2v):
    measured = assess_fit(t2v, 4.0, 32.0, measured=peak(3.9, profile="5"))
    assert (measured.verdict, measured.profile, measured.limit) == ("compatible", "5", "use profile 5")


def test_too_little_ram_for_the_measured_run_keeps_the_modelled_verdict(t2v):
    assert assess_fit(t2v, 6.0, 16.0, measured=peak(5.5, ram_gb=20.0)) == assess_fit(t2v, 6.0, 16.0)


def test_only_a_comparable_workload_counts(t2v):
    workload = t2v.memory.workload
    assert comparable_peak([peak(5.5, resolution=(1280, 720))], workload) is None
    assert comparable_peak([peak(5.5, frames=121)], workload) is None
    assert comparable_peak([peak(5.5, frames=77)], workload) == peak(5.5, frames=77)  # same frame band


def test_the_profile_wan2gp_is_set_to_comes_first(t2v):
    on_4, on_5 = peak(9.8, runs=2), peak(6.0, profile="5", runs=7)
    assert peak_for(t2v, [on_4, on_5], {"video": "4"}) == on_4
    assert peak_for(t2v, [on_4, on_5], {}) == on_5  # otherwise the one with most runs
