"""Usage read back from outputs: counts, last use and measured speed, read incrementally."""

from __future__ import annotations

import json
import sqlite3
import statistics
import threading
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from outputs_fixture import (
    item,
    settings,
    write_jpeg,
    write_mp3,
    write_mp4,
    write_png,
    write_sidecar,
    write_wav,
)

from wan2gp_model_tracker.usage import outputs as outputs_mod
from wan2gp_model_tracker.usage.outputs import generation_from_settings, output_folders, read_output
from wan2gp_model_tracker.usage.report import scan_usage
from wan2gp_model_tracker.usage.store import UsageStore

T1 = datetime(2026, 11, 1, 10, 0, 0)
T2 = datetime(2026, 11, 3, 12, 30, 0)
T3 = datetime(2026, 11, 5, 8, 15, 0)


# --- one file at a time --------------------------------------------------------------------

@pytest.mark.parametrize("writer", [write_mp4, write_png, write_jpeg, write_wav, write_mp3],
                         ids=["mp4", "png", "jpeg", "wav", "mp3"])
def test_each_container_gives_back_the_settings_wan2gp_wrote(tmp_path, writer):
    ext = {"write_mp4": ".mp4", "write_png": ".png", "write_jpeg": ".jpg", "write_wav": ".wav",
           "write_mp3": ".mp3"}[writer.__name__]
    path = writer(tmp_path / f"out{ext}", settings("t2v", seconds=90, steps=30, loras=["a.safetensors"],
                                                     created=T1))
    gen = read_output(item(path)).generation
    assert gen is not None
    assert (gen.model_type, gen.generation_time, gen.steps, gen.loras, gen.created) == \
        ("t2v", 90.0, 30, ("a.safetensors",), T1)


def test_video_settings_give_resolution_and_frames(tmp_path):
    path = write_mp4(tmp_path / "a.mp4", settings("t2v", resolution="1280x720", frames=121))
    gen = read_output(item(path)).generation
    assert (gen.width, gen.height, gen.frames, gen.guidance, gen.kind) == (1280, 720, 121, 5.0, "video")


def test_a_sidecar_is_read_when_the_file_carries_nothing(outputs, store, wan):
    write_sidecar(outputs / "clip.mp4", settings("i2v", created=T2))
    report = scan_usage(str(wan.root), store)
    assert [g.model_type for g in report.generations] == ["i2v"]


@pytest.mark.parametrize("content", [b"", b"\x00garbage", b"RIFF\x00\x00\x00\x00WAVE"], ids=["empty", "junk", "riff"])
def test_broken_files_are_skipped_and_counted_never_raised(outputs, store, wan, content):
    for ext in (".mp4", ".png", ".jpg", ".wav", ".mp3"):
        (outputs / f"broken{ext}").write_bytes(content)
    write_mp4(outputs / "good.mp4", settings("t2v", created=T1))
    report = scan_usage(str(wan.root), store)
    assert len(report.generations) == 1
    assert report.skipped_total == 5


def test_foreign_files_without_wan2gp_settings_are_skipped(outputs, store, wan):
    write_mp4(outputs / "camera.mp4", None)
    write_png(outputs / "other.png", {"prompt": "no model type"})
    write_sidecar(outputs / "bad.mp4", settings("t2v")).write_text("{not json")
    report = scan_usage(str(wan.root), store)
    assert report.generations == ()
    assert report.skipped_total == 3


def test_postprocessed_copies_are_not_new_generations(outputs, store, wan):
    source = settings("t2v", seconds=100, created=T1)
    write_mp4(outputs / "a.mp4", source)
    write_mp4(outputs / "a_upscaled.mp4", {**source, "spatial_upsampling": "lanczos1.5"})
    write_mp4(outputs / "a_remux.mp4", {**source, "postprocess_audio": True})
    report = scan_usage(str(wan.root), store)
    assert report.by_model()["t2v"].generations == 1
    assert report.postprocessed == 2


def test_a_postprocessed_copy_whose_source_is_gone_still_counts_its_one_generation(outputs, store, wan):
    source = settings("t2v", seconds=100, created=T1)
    write_mp4(outputs / "a_upscaled.mp4", {**source, "spatial_upsampling": "lanczos1.5"})
    write_mp4(outputs / "b_upscaled.mp4", {**source, "film_grain_intensity": 0.1})
    assert scan_usage(str(wan.root), store).by_model()["t2v"].generations == 1


def test_a_postprocessed_copy_without_a_creation_date_is_not_counted(outputs, store, wan):
    write_mp4(outputs / "a_upscaled.mp4", {**settings("t2v", seconds=100), "spatial_upsampling": "lanczos1.5"})
    report = scan_usage(str(wan.root), store)
    assert report.generations == () and report.postprocessed == 1


def test_the_same_generation_saved_twice_counts_once(outputs, store, wan):
    meta = settings("t2v", created=T1)
    write_mp4(outputs / "a.mp4", meta)
    write_mp4(outputs / "copy" / "a.mp4", meta)
    report = scan_usage(str(wan.root), store)
    assert report.by_model()["t2v"].generations == 1 and report.duplicates == 1


# --- per model ------------------------------------------------------------------------------

def test_counts_last_use_and_measured_speed_are_exact(outputs, store, wan):
    times = [(60, 30, T1), (90, 30, T2), (75, 25, T3)]
    for n, (seconds, steps, created) in enumerate(times):
        write_mp4(outputs / f"t2v_{n}.mp4", settings("t2v", seconds=seconds, steps=steps, created=created, seed=n))
    write_png(outputs / "img.png", settings("flux", seconds=8, steps=4, resolution="1024x1024", frames=1,
                                            created=T2))
    usage = scan_usage(str(wan.root), store).by_model()
    t2v = usage["t2v"]
    assert (t2v.generations, t2v.last_used) == (3, T3)
    speed = t2v.speed
    assert speed.runs == 3
    assert speed.seconds.median == 75 and (speed.seconds.low, speed.seconds.high) == (60, 90)
    assert speed.step_seconds.median == statistics.median([2.0, 3.0, 3.0])
    # 832x480x81 is the reference video workload, so normalised equals raw seconds per step.
    assert speed.normalized_step_seconds.median == pytest.approx(3.0)
    flux = usage["flux"].speed
    assert flux.step_seconds.median == 2.0 and flux.normalized_step_seconds.median == pytest.approx(2.0)


def test_speed_is_normalised_by_resolution_and_frames(outputs, store, wan):
    # Twice the frames at the same pixels in twice the time: the same speed per unit of work.
    write_mp4(outputs / "a.mp4", settings("t2v", seconds=60, steps=30, frames=81, created=T1, seed=1))
    write_mp4(outputs / "b.mp4", settings("t2v", seconds=120, steps=30, frames=162, created=T2, seed=2))
    speed = scan_usage(str(wan.root), store).by_model()["t2v"].speed
    assert speed.normalized_step_seconds.low == pytest.approx(speed.normalized_step_seconds.high) == \
        pytest.approx(2.0)
    assert speed.step_seconds.median == 3.0


def test_untimed_generations_count_as_use_but_not_as_speed(outputs, store, wan):
    write_mp4(outputs / "a.mp4", settings("t2v", seconds=None, created=T1))
    usage = scan_usage(str(wan.root), store).by_model()["t2v"]
    assert usage.generations == 1 and usage.speed is None


def test_since_keeps_only_recent_generations(outputs, store, wan):
    now = datetime.now()
    write_mp4(outputs / "old.mp4", settings("t2v", created=now.replace(year=now.year - 1), seed=1))
    write_mp4(outputs / "new.mp4", settings("t2v", created=now, seed=2))
    report = scan_usage(str(wan.root), store)
    assert report.by_model()["t2v"].generations == 2
    assert report.by_model(since_days=30)["t2v"].generations == 1


# --- incremental ----------------------------------------------------------------------------

def test_a_second_scan_reads_only_new_or_changed_files(outputs, store, wan, monkeypatch):
    for n in range(5):
        write_mp4(outputs / f"{n}.mp4", settings("t2v", created=T1, seed=n))
    reads: list[str] = []
    real = outputs_mod.embedded_settings
    monkeypatch.setattr(outputs_mod, "embedded_settings", lambda p: reads.append(p) or real(p))
    first = scan_usage(str(wan.root), store)
    assert first.files_read == 5 and len(reads) == 5
    reads.clear()
    write_mp4(outputs / "new.mp4", settings("t2v", created=T2, seed=9))
    second = scan_usage(str(wan.root), store)
    assert reads == [str(outputs / "new.mp4")] and second.files_read == 1
    assert second.by_model()["t2v"].generations == 6


def test_a_new_store_on_the_same_database_remembers_earlier_reads(outputs, store, wan):
    write_mp4(outputs / "a.mp4", settings("t2v", created=T1))
    scan_usage(str(wan.root), store)
    again = scan_usage(str(wan.root), UsageStore(store.path))
    assert again.files_read == 0 and len(again.generations) == 1


def test_removed_outputs_are_forgotten(outputs, store, wan):
    path = write_mp4(outputs / "a.mp4", settings("t2v", created=T1))
    scan_usage(str(wan.root), store)
    path.unlink()
    assert scan_usage(str(wan.root), store).generations == ()
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outputs").fetchone()[0] == 0


def test_the_database_runs_in_wal_mode(store):
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_unusable_database_folder_falls_back_to_memory(tmp_path, outputs, wan):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = UsageStore(str(blocker / "usage.sqlite3"))
    write_mp4(outputs / "a.mp4", settings("t2v", created=T1))
    report = scan_usage(str(wan.root), store)
    assert len(report.generations) == 1 and any("unavailable" in w for w in report.warnings)


# --- folders --------------------------------------------------------------------------------

def test_output_folders_follow_wgp_config(wan):
    wan.config(save_path="videos", image_save_path="images")
    assert output_folders(str(wan.root)) == tuple(str(wan.root / f) for f in ("videos", "images"))


def test_output_folders_default_to_outputs(wan):
    assert output_folders(str(wan.root)) == (str(wan.root / "outputs"),)


def test_a_symlink_loop_in_outputs_ends(outputs, store, wan):
    (outputs / "loop").symlink_to(outputs)
    write_mp4(outputs / "a.mp4", settings("t2v", created=T1))
    assert len(scan_usage(str(wan.root), store).generations) == 1


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["model_type", "resolution", "video_length", "num_inference_steps",
                                        "generation_time", "creation_date", "creation_timestamp",
                                        "activated_loras", "guidance_scale"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                                 st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3))))
def test_any_settings_object_gives_a_generation_or_a_reason(data):
    result = generation_from_settings("/x/a.mp4", data, 1_700_000_000_000_000_000)
    assert (result.generation is None) == bool(result.problem)
    if result.generation is not None:
        json.dumps(result.generation.identity)


def test_two_scanners_on_one_database_at_once_both_finish_with_every_row(outputs, store, wan):
    for n in range(40):
        write_mp4(outputs / f"{n}.mp4", settings("t2v", created=T1, seed=n))
    results, errors = [], []

    def scan() -> None:
        try:
            results.append(scan_usage(str(wan.root), UsageStore(store.path)))
        except Exception as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and [len(r.generations) for r in results] == [40, 40, 40]
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outputs").fetchone()[0] == 40
