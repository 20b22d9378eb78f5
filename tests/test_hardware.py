"""Hardware detection through a fake NVML, and the fit verdict for a VRAM budget."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import FrozenInstanceError
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from wan2gp_model_tracker.fit.estimator import ModelMetrics
from wan2gp_model_tracker.fit.hardware import assess_fit
from wan2gp_model_tracker.machine import hardware
from wan2gp_model_tracker.machine.hardware import (
    GIB,
    NO_GPU,
    GpuDetection,
    GpuInfo,
    HardwareInfo,
    bf16_supported_on,
    detect_gpus,
    detect_hardware,
    disk_space,
)


class FakeNVMLError(Exception):
    pass


class FakeNVML:
    """The pynvml calls the tracker makes, answered from a list of (name, total GiB, free GiB, capability)."""

    NVMLError = FakeNVMLError

    def __init__(self, devices: Sequence[tuple[Any, float, float, tuple[int, int] | None]] = (),
                 init_error: Exception | None = None, broken: tuple[int, ...] = ()) -> None:
        self.devices = list(devices)
        self.init_error = init_error
        self.broken = broken
        self.calls: list[str] = []

    def nvmlInit(self) -> None:
        self.calls.append("init")
        if self.init_error:
            raise self.init_error

    def nvmlShutdown(self) -> None:
        self.calls.append("shutdown")

    def nvmlDeviceGetCount(self) -> int:
        return len(self.devices)

    def nvmlSystemGetDriverVersion(self) -> str:
        return "550.54"

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        if index in self.broken:
            raise FakeNVMLError("GPU is lost")
        return index

    def nvmlDeviceGetName(self, handle: int) -> Any:
        return self.devices[handle][0]

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        _, total, free, _ = self.devices[handle]
        return SimpleNamespace(total=int(total * GIB), free=int(free * GIB), used=int((total - free) * GIB))

    def nvmlDeviceGetCudaComputeCapability(self, handle: int) -> tuple[int, int]:
        capability = self.devices[handle][3]
        if capability is None:
            raise FakeNVMLError("Not Supported")
        return capability


def metrics(**figures: Any) -> ModelMetrics:
    base = dict(model_type="m", name="M", output_type="video", tasks=("text-to-video",), source="estimated",
                basis="test", variant="int8", vram_min_gb=8.0, vram_recommended_gb=12.0, vram_resident_gb=21.0,
                weights_vram_gb=14.0, ram_gb=32.0)
    return ModelMetrics(**{**base, **figures})


# --- NVML -------------------------------------------------------------------------------------

def test_nvml_absent_reports_no_gpu_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes "import pynvml" raise ImportError

    detection = detect_gpus()

    assert detection.gpus == ()
    assert detection.error.startswith(NO_GPU)
    assert "not installed" in detection.error


def test_nvml_failing_at_start_reports_no_gpu_without_raising() -> None:
    detection = detect_gpus(FakeNVML(init_error=FakeNVMLError("Driver Not Loaded")))

    assert detection.gpus == ()
    assert detection.error == f"{NO_GPU}: NVML could not start (Driver Not Loaded)"


def test_an_unexpected_error_from_the_driver_is_also_contained() -> None:
    detection = detect_gpus(FakeNVML(init_error=OSError("libnvidia-ml.so: cannot open")))

    assert detection.error.startswith(NO_GPU)
    assert "libnvidia-ml.so" in detection.error


def test_no_device_is_reported_as_no_gpu() -> None:
    detection = detect_gpus(FakeNVML([]))

    assert detection.error == f"{NO_GPU}: NVML reports no device"


def test_multiple_gpus_are_all_listed_and_the_largest_sets_the_budget() -> None:
    nvml = FakeNVML([("NVIDIA GeForce RTX 3060", 12, 11.2, (8, 6)), ("NVIDIA GeForce RTX 4090", 24, 20.5, (8, 9))])

    detection = detect_gpus(nvml)
    info = HardwareInfo(gpu=detection, ram_total_gb=64, ram_available_gb=50)

    assert [g.name for g in detection.gpus] == ["NVIDIA GeForce RTX 3060", "NVIDIA GeForce RTX 4090"]
    assert detection.gpus[1] == GpuInfo(1, "NVIDIA GeForce RTX 4090", 24.0, 20.5, (8, 9))
    assert detection.driver_version == "550.54"
    assert info.default_vram_budget_gb == 24.0


def test_nvml_is_shut_down_after_a_query() -> None:
    nvml = FakeNVML([("GPU", 8, 8, (7, 5))])

    detect_gpus(nvml)

    assert nvml.calls == ["init", "shutdown"]


def test_device_names_given_as_bytes_are_decoded() -> None:
    detection = detect_gpus(FakeNVML([(b"Tesla T4", 16, 15, (7, 5))]))

    assert detection.gpus[0].name == "Tesla T4"


def test_an_unreadable_gpu_is_skipped_with_a_warning() -> None:
    detection = detect_gpus(FakeNVML([("A", 8, 8, (8, 6)), ("B", 24, 24, (8, 9))], broken=(0,)))

    assert [g.name for g in detection.gpus] == ["B"]
    assert detection.warnings == ("GPU 0 could not be read: GPU is lost",)


def test_a_missing_compute_capability_leaves_it_unknown() -> None:
    detection = detect_gpus(FakeNVML([("Old", 8, 8, None)]))

    assert detection.gpus[0].compute_capability is None


@pytest.mark.parametrize(("capability", "expected"), [((7, 5), False), ((8, 0), True), ((8, 9), True), (None, True)])
def test_bf16_follows_the_first_gpus_compute_capability(capability: tuple[int, int] | None, expected: bool) -> None:
    detection = GpuDetection((GpuInfo(0, "GPU", 16, 16, capability),))

    assert bf16_supported_on(detection) is expected


def test_bf16_is_assumed_without_a_gpu() -> None:
    assert bf16_supported_on(GpuDetection((), error=NO_GPU)) is True


def test_bf16_supported_asks_nvml_once(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = FakeNVML([("NVIDIA GeForce RTX 2080", 8, 8, (7, 5))])
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    hardware.bf16_supported.cache_clear()
    try:
        assert hardware.bf16_supported() is False
        assert hardware.bf16_supported() is False
        assert nvml.calls.count("init") == 1
    finally:
        hardware.bf16_supported.cache_clear()


# --- RAM, disk, budget --------------------------------------------------------------------------

def test_detect_hardware_reads_ram_and_each_checkpoint_root(tmp_path: Path) -> None:
    memory = SimpleNamespace(total=32 * GIB, available=20 * GIB)

    info = detect_hardware([str(tmp_path)], nvml=FakeNVML([]), virtual_memory=lambda: memory)

    assert (info.ram_total_gb, info.ram_available_gb) == (32.0, 20.0)
    assert [d.root for d in info.disks] == [str(tmp_path)]
    assert info.disks[0].free_gb is not None


def test_ram_that_cannot_be_read_is_unknown() -> None:
    def failing() -> Any:
        raise OSError("no /proc")

    info = detect_hardware(nvml=FakeNVML([]), virtual_memory=failing)

    assert info.ram_total_gb is None


def test_a_missing_checkpoint_folder_is_measured_on_its_nearest_existing_parent(tmp_path: Path) -> None:
    space = disk_space(str(tmp_path / "not" / "yet" / "ckpts"))

    assert not space.exists
    assert space.checked_path == str(tmp_path)
    assert space.free_gb is not None and space.free_gb >= 0


def test_a_manual_budget_applies_when_no_gpu_is_detected() -> None:
    info = HardwareInfo(gpu=GpuDetection((), error=NO_GPU), ram_total_gb=32, ram_available_gb=30)

    assert info.default_vram_budget_gb is None
    assert info.vram_budget_gb(manual_gb=12) == 12
    assert info.summary_lines()[0].startswith(NO_GPU)


# --- fit verdicts ---------------------------------------------------------------------------------

def test_a_model_whose_weights_fit_resident_is_recommended_at_profile_3() -> None:
    fit = assess_fit(metrics(), 24, ram_gb=32)

    assert fit.verdict == "recommended"
    assert fit.profile_hint.startswith("profile 3")


def test_profile_1_is_offered_only_with_64_gb_of_ram() -> None:
    assert assess_fit(metrics(), 24, ram_gb=64).profile_hint.startswith("profile 1 or 3")


def test_reaching_the_recommended_vram_is_recommended_at_the_default_profile() -> None:
    fit = assess_fit(metrics(), 12, ram_gb=32)

    assert fit.verdict == "recommended"
    assert fit.profile_hint.startswith("profile 4")


def test_between_minimum_and_recommended_is_compatible_with_a_leaner_profile() -> None:
    fit = assess_fit(metrics(), 10, ram_gb=32)

    assert fit.verdict == "compatible"
    assert "profile 4+" in fit.profile_hint


def test_a_16_bit_model_that_fits_as_int8_is_compatible_with_the_quantized_variant() -> None:
    model = metrics(variant="bf16", vram_min_gb=4.5, vram_recommended_gb=6.8, vram_resident_gb=6.8, weights_vram_gb=2.6)

    fit = assess_fit(model, 6, ram_gb=32)

    assert fit.verdict == "compatible"
    assert "int8" in fit.profile_hint


def test_below_the_minimum_is_incompatible() -> None:
    fit = assess_fit(metrics(), 6, ram_gb=32)

    assert fit.verdict == "incompatible"
    assert "at least 8 GB" in fit.reason


def test_a_ram_shortfall_is_flagged_separately_from_the_vram_verdict() -> None:
    fit = assess_fit(metrics(ram_gb=48), 24, ram_gb=32)

    assert fit.verdict == "recommended"
    assert not fit.ram_ok
    assert "profile 5" in fit.ram_note


def test_nominal_sizes_count_despite_reserved_memory() -> None:
    assert assess_fit(metrics(), 24, ram_gb=31.3).ram_ok


def test_the_memory_model_judges_t2v_against_the_wan2gp_author_figures() -> None:
    from wan2gp_model_tracker.performance_db import PerformanceDatabase

    t2v = PerformanceDatabase.default().get_metrics("t2v")

    assert [assess_fit(t2v, b, 32).verdict for b in (2, 6, 8)] == ["incompatible", "compatible", "recommended"]


def test_a_verdict_is_frozen_and_serialisable() -> None:
    fit = assess_fit(metrics(), 12, ram_gb=32)

    with pytest.raises(FrozenInstanceError):
        fit.verdict = "incompatible"  # type: ignore[misc]
    assert fit.as_contract()["verdict"] == "recommended"
