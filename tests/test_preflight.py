"""The pre-flight line's content as plain functions: what a generation would download first, the fit, speed."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wan2gp_model_tracker.catalog.demo import DemoCatalog
from wan2gp_model_tracker.downloads.queue import JobState, JobView, QueueSnapshot
from wan2gp_model_tracker.fit.hardware import FitVerdict
from wan2gp_model_tracker.machine.hardware import GpuDetection, GpuInfo, HardwareInfo
from wan2gp_model_tracker.records import (
    FileRecord,
    FileRole,
    FileStatus,
    Inventory,
    ModelRecord,
    ModelStatus,
    ScanSettings,
)
from wan2gp_model_tracker.ui.preflight import fit_phrase, line_html, line_text, preflight_line, speed_phrase
from wan2gp_model_tracker.ui.preflight_settings import TrackerSettings
from wan2gp_model_tracker.ui.view import TrackerController, TrackerData
from wan2gp_model_tracker.usage.report import MeasuredSpeed, ModelUsage, Spread

GB = 10**9
SETTINGS = ScanSettings("test", "", "/wan", ("/wan/ckpts",), "int8", "", "int8", "/wan/loras")
NO_GPU = HardwareInfo(GpuDetection((), error="no NVIDIA GPU detected: test"), 32.0, 32.0)


def weights(name: str, present: bool, size: int | None, role: FileRole = FileRole.TRANSFORMER,
            estimate: bool = False) -> FileRecord:
    return FileRecord(filename=name, url=f"https://huggingface.co/x/y/resolve/main/{name}", role=role, core=True,
                      status=FileStatus.DOWNLOADED if present else FileStatus.MISSING, path=f"/wan/ckpts/{name}",
                      size_bytes=size, size_is_estimate=estimate)


def model(model_type: str, status: ModelStatus, *files: FileRecord, name: str = "", output: str = "video"):
    return ModelRecord(model_type=model_type, name=name or model_type.upper(), architecture=model_type,
                       family="wan", output_type=output, description="", definition_path="", is_finetune=False,
                       visible=True, status=status, status_reason="", files=files)


def data(*models: ModelRecord, shared: tuple[FileRecord, ...] | None = (), usage=None) -> TrackerData:
    inventory = Inventory(models=models, settings=SETTINGS, scanned_at=datetime(2026, 1, 1), shared_files=shared)
    return TrackerData(inventory, {}, NO_GPU, usage=usage or {})


COMPLETE = model("t2v", ModelStatus.DOWNLOADED, weights("t2v.safetensors", True, 14 * GB))
PARTIAL = model("vace", ModelStatus.PARTIAL, weights("vace.safetensors", True, 14 * GB),
                weights("vace_module.safetensors", False, 3_200_000_000, FileRole.MODULE))
MISSING = model("flux", ModelStatus.MISSING, weights("flux.safetensors", False, 12_000_000_000),
                weights("t5.safetensors", False, 9_400_000_000, FileRole.TEXT_ENCODER),
                weights("ae.safetensors", False, None, FileRole.VAE))


def test_a_complete_model_says_only_its_mark_and_name():
    line = preflight_line(data(COMPLETE), "t2v")
    assert line_text(line) == "🟦 T2V"
    assert not line.model_files_missing


def test_a_partial_model_says_what_generating_will_download_first():
    line = preflight_line(data(PARTIAL), "vace")
    assert line_text(line) == "🟨 VACE · Generating will first download 1 file, 3.2 GB"
    assert [(f.name, f.size) for f in line.files] == [("vace_module.safetensors", "3.2 GB")]


def test_a_missing_model_counts_every_file_and_marks_sizes_nobody_knows():
    line = preflight_line(data(MISSING), "flux")
    assert line_text(line) == "⬛ FLUX · Generating will first download 3 files, 21.4 GB + 1 of unknown size (?)"
    assert [f.size for f in line.files] == ["12.0 GB", "9.4 GB", "?"]


def test_shared_tools_are_counted_once_per_install_and_named_so():
    tool = weights("pose.onnx", False, 200_000_000, FileRole.HANDLER)
    line = preflight_line(data(PARTIAL, shared=(tool, weights("depth.onnx", True, 1))), "vace")
    assert "2 files, 3.4 GB (incl. 1 shared tool, once per install)" in line_text(line)
    only_tools = preflight_line(data(COMPLETE, shared=(tool,)), "t2v")
    assert "download 1 shared tool, 0.2 GB (once per install)" in line_text(only_tools)
    assert not only_tools.model_files_missing  # the queue fetches model files; Wan2GP fetches its tools


def test_the_file_list_opens_on_click_and_shows_on_hover():
    page = line_html(preflight_line(data(MISSING), "flux"))
    assert "<details" in page and "<summary" in page
    assert re.search(r'title="flux\.safetensors \(12\.0 GB\)\nt5\.safetensors \(9\.4 GB\)\nae\.safetensors \(\?\)"',
                     page)


def test_an_unknown_model_has_no_line():
    assert preflight_line(data(COMPLETE), "nope") is None


@given(st.text(min_size=1, max_size=40))
def test_every_user_string_is_escaped(text):
    hostile = model("x", ModelStatus.MISSING, weights(f"{text}<img src=x>.safetensors", False, GB),
                    name=f"<script>{text}</script>")
    page = line_html(preflight_line(data(hostile), "x"))
    assert "<script>" not in page and "<img" not in page
    page.encode("utf-8")  # lone surrogates made printable


FITS = FitVerdict("recommended", "fits", "profile 4", True, "", profile="4", vram_need_gb=9.0, ram_need_gb=28.0)


@pytest.mark.parametrize(("verdict", "expected"), [
    (FITS, ("fits on profile 4 (~9 GB VRAM of 12, ~28 GB RAM of 32)", "fits")),
    (FitVerdict("compatible", "short", "", True, "", profile="4+", vram_need_gb=11.0, ram_need_gb=30.0,
                limit="lower the resolution to 480p"), ("needs a change: lower the resolution to 480p", "change")),
    (FitVerdict("recommended", "fits", "", False, "needs about 40 GB of RAM, this machine has 32 GB",
                profile="4", vram_need_gb=9.0, ram_need_gb=40.0),
     ("needs a change: needs about 40 GB of RAM, this machine has 32 GB", "change")),
    (FitVerdict("incompatible", "needs at least 24 GB of VRAM", "", True, ""),
     ("does not fit: needs at least 24 GB of VRAM", "no")),
    (None, ("", "")),
])
def test_the_fit_in_words(verdict, expected):
    assert fit_phrase(verdict, 12.0, 32.0) == expected


def test_the_peak_measured_on_this_machine_comes_with_the_fit():
    measured = dataclasses.replace(FITS, measured="measured: peak 9.4 GB VRAM (3 runs)")
    assert fit_phrase(measured, 12.0, 32.0)[0] == \
        "fits on profile 4 (~9 GB VRAM of 12, ~28 GB RAM of 32) · measured: peak 9.4 GB VRAM (3 runs)"


def test_measured_speed_per_clip_on_this_machine():
    speed = MeasuredSpeed(runs=7, seconds=Spread(240.0, 200.0, 260.0), step_seconds=None,
                          normalized_step_seconds=None, reference="")
    assert speed_phrase(speed, "video") == "⏱ 4 min per clip on this machine (7 runs)"
    assert speed_phrase(speed, "image") == "⏱ 4 min per image on this machine (7 runs)"
    usage = {"t2v": ModelUsage("t2v", 7, datetime(2026, 1, 1), speed)}
    assert line_text(preflight_line(data(COMPLETE, usage=usage), "t2v")).endswith("⏱ 4 min per clip on this "
                                                                                   "machine (7 runs)")


def test_progress_of_the_models_files_in_the_queue():
    job = JobView(1, "vace_module.safetensors", "/wan/ckpts/vace_module.safetensors", ("vace",), "download",
                  JobState.DOWNLOADING, 1_600_000_000, 3_200_000_000, 1e8)
    line = preflight_line(data(PARTIAL), "vace", QueueSnapshot((job,), ()))
    assert line.downloading and "⬇ downloading: 0 of 1 files done, 1.6 GB of 3.2 GB" in line_text(line)
    failed = JobView(1, "vace_module.safetensors", "/x", ("vace",), "download", JobState.FAILED, 0, None, 0,
                     error="HTTP 404")
    assert "⚠ download failed: vace_module.safetensors: HTTP 404" in line_text(
        preflight_line(data(PARTIAL), "vace", QueueSnapshot((failed,), ())))


def test_on_a_12_gb_machine_the_demo_models_get_the_memory_models_verdict():
    gpu = GpuDetection((GpuInfo(0, "Test GPU", 12.0, 12.0, (8, 9)),), "550")
    controller = TrackerController(DemoCatalog(), hardware_probe=lambda roots: HardwareInfo(gpu, 32.0, 32.0))
    texts = {m.model_type: line_text(preflight_line(controller.data, m.model_type))
             for m in controller.data.inventory.models}
    assert any(re.search(r"fits on profile \S+ \(~[\d.]+ GB VRAM of 12, ~[\d.]+ GB RAM of 32\)", t)
               for t in texts.values())
    assert all(("fits on" in t) + ("needs a change:" in t) + ("does not fit:" in t) == 1 for t in texts.values())


def test_the_off_switch_is_remembered_in_the_settings_file(tmp_path):
    path = tmp_path / "data" / "settings.json"
    path.parent.mkdir()
    path.write_text('{"other": 1}')
    settings = TrackerSettings(str(path))
    assert settings.preflight_enabled
    settings.set_preflight_enabled(False)
    assert not TrackerSettings(str(path)).preflight_enabled
    assert '"other": 1' in path.read_text()  # keys it does not know are kept


def test_a_broken_settings_file_means_the_default(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("[[[not json")
    assert TrackerSettings(str(path)).preflight_enabled


def test_the_benchmark_runs_end_to_end_at_a_small_size(real_catalog_dir):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_preflight.py"
    out = subprocess.run([sys.executable, str(script), "--catalog", str(real_catalog_dir), "--definitions", "217",
                          "--rounds", "1"], capture_output=True, text=True, check=True, timeout=300).stdout
    assert "217 models" in out and "switch (cached scan): median" in out and "switch (warm rescan)" in out
