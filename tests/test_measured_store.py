"""Runs recorded in the tracker's database, folded into peaks per model, profile and comparable workload, and
the speed read from outputs split per profile by pairing each output with its run."""

from __future__ import annotations

from datetime import datetime

import pytest
from test_measured_views import measurement

from wan2gp_model_tracker.usage.measurements import aggregate, load, measured_peaks, record, run_for
from wan2gp_model_tracker.usage.outputs import Generation
from wan2gp_model_tracker.usage.peak_hook import workload_of
from wan2gp_model_tracker.usage.report import summarize
from wan2gp_model_tracker.usage.store import UsageStore


@pytest.fixture
def store(tmp_path) -> UsageStore:
    return UsageStore(str(tmp_path / "usage.sqlite3"))


def test_peaks_are_the_highest_per_model_profile_and_workload(store):
    for at, vram, changes in ((1, 9.0, {}), (2, 9.8, {"frames": 77}), (3, 7.0, {"profile": "5"}),
                              (4, 14.0, {"width": 1280, "height": 720}), (5, 12.0, {"frames": 121})):
        record(store, measurement(vram, float(at), **changes))
    peaks = {(p.profile, p.width, p.frames): (p.vram_peak_gb, p.runs) for p in measured_peaks(store)["t2v"]}
    assert peaks == {("4", 832, 81): (9.8, 2), ("5", 832, 81): (7.0, 1), ("4", 1280, 81): (14.0, 1),
                     ("4", 832, 121): (12.0, 1)}


def test_only_runs_under_the_current_quantization_count(store):
    record(store, measurement(9.8, 1.0))
    record(store, measurement(20.0, 2.0, quantization="bf16"))
    assert [p.vram_peak_gb for p in measured_peaks(store, "int8")["t2v"]] == [9.8]
    assert [p.vram_peak_gb for p in measured_peaks(store, "bf16")["t2v"]] == [20.0]


def test_a_run_with_the_same_settings_as_the_last_is_merged(store):
    record(store, measurement(9.0, 1.0, fingerprint="same"))
    record(store, measurement(3.0, 2.0, fingerprint="same", ram_peak_gb=35.0))
    (run,) = load(store)
    assert (run.vram_reserved_gb, run.ram_peak_gb, run.recorded_at) == (9.0, 35.0, 1.0)


def test_a_damaged_row_is_left_out(store):
    record(store, measurement(9.0, 1.0))
    with store.transaction() as conn:
        conn.execute("UPDATE measurements SET width = 'wide' WHERE id = 1")
    record(store, measurement(8.0, 2.0))
    assert [r.vram_reserved_gb for r in load(store)] == [8.0]
    assert aggregate([]) == {}


def test_no_database_no_peaks():
    assert measured_peaks(None) == {}


@pytest.mark.parametrize("settings, expected", [
    ({"resolution": "832x480", "video_length": 81, "num_inference_steps": 30}, (832, 480, 81, 30, 1)),
    ({"resolution": "832x480", "video_length": 241, "sliding_window_size": 129}, (832, 480, 129, 0, 1)),
    ({"resolution": "1024x1024", "image_mode": 1, "batch_size": 4}, (1024, 1024, 4, 0, 4)),
    ({"resolution": "a lot", "video_length": "many", "batch_size": -3}, (0, 0, 0, 0, 1)),
    ({}, (0, 0, 0, 0, 1)),
])
def test_the_workload_is_read_from_the_settings(settings, expected):
    assert workload_of(settings) == expected


def generation(created: datetime, seconds: float, model_type: str = "t2v") -> Generation:
    return Generation(path=f"/out/{created:%H%M%S}.mp4", model_type=model_type, kind="video", width=832, height=480,
                      frames=81, steps=30, guidance=5.0, loras=(), generation_time=seconds, created=created,
                      postprocessed=False, identity=str(created))


def test_outputs_are_paired_with_their_run_and_speed_is_split_per_profile():
    at = [datetime(2026, 11, 1, 10, m) for m in (0, 10, 20)]
    runs = [measurement(9.8, at[0].timestamp() + 1), measurement(9.0, at[1].timestamp() + 2, profile="5"),
            measurement(9.0, at[2].timestamp() + 1, model_type="other")]
    gens = [generation(at[0], 300), generation(at[1], 900), generation(at[2], 60)]
    assert run_for(gens[0], runs) is runs[0] and run_for(gens[2], runs) is None
    usage = summarize(gens, runs=runs)["t2v"]
    assert {p: s.seconds.median for p, s in usage.speed_by_profile.items()} == {"4": 300, "5": 900}
    assert usage.speed.runs == 3 and summarize(gens)["t2v"].speed_by_profile == {}
