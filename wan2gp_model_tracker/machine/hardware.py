"""What this machine offers: GPUs, RAM and free disk.

GPU facts come from NVML (the ``pynvml`` module of nvidia-ml-py). Any way NVML can fail (not
installed, no driver, no device, an NVML error) ends in a GpuDetection that says "no NVIDIA
GPU detected" and why, never in an exception; the UI then asks for a manual VRAM budget.
``detect_gpus`` takes any module-like object with the pynvml functions, so tests pass a fake.

VRAM and RAM are reported in GiB: a "24 GB" card or "32 GB" of RAM, as model figures use
the words, means 24 or 32 GiB. Free disk is in decimal GB, like file sizes and downloads.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psutil

NO_GPU = "no NVIDIA GPU detected"
GIB = 1024**3


@dataclass(frozen=True, slots=True)
class GpuInfo:
    """One NVIDIA GPU as NVML reports it; VRAM in GiB."""

    index: int
    name: str
    total_vram_gb: float
    free_vram_gb: float | None
    compute_capability: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class GpuDetection:
    """The GPUs NVML reported, or why there are none (``error``)."""

    gpus: tuple[GpuInfo, ...]
    driver_version: str = ""
    error: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def largest(self) -> GpuInfo | None:
        return max(self.gpus, key=lambda g: g.total_vram_gb, default=None)


@dataclass(frozen=True, slots=True)
class DiskSpace:
    """Free space for one checkpoint root, measured on the root or its nearest existing parent."""

    root: str
    checked_path: str
    exists: bool
    free_gb: float | None
    total_gb: float | None
    error: str = ""


@dataclass(frozen=True, slots=True)
class HardwareInfo:
    """The machine: GPUs, RAM (GiB) and free disk per checkpoint root."""

    gpu: GpuDetection
    ram_total_gb: float | None
    ram_available_gb: float | None
    disks: tuple[DiskSpace, ...] = ()

    @property
    def default_vram_budget_gb(self) -> float | None:
        """The largest GPU's VRAM; None without a GPU, when a manual budget has to apply."""
        largest = self.gpu.largest
        return largest.total_vram_gb if largest else None

    def vram_budget_gb(self, manual_gb: float | None = None) -> float | None:
        """The budget to judge models against: a manual one if given, else the largest GPU."""
        return manual_gb if manual_gb is not None else self.default_vram_budget_gb

    def summary_lines(self) -> list[str]:
        """One line per fact, for the tab's header and exports."""
        if self.gpu.gpus:
            lines = [f"GPU {g.index}: {g.name}, {g.total_vram_gb:.1f} GB VRAM"
                     + (f" ({g.free_vram_gb:.1f} GB free)" if g.free_vram_gb is not None else "")
                     + (f", compute {'.'.join(map(str, g.compute_capability))}" if g.compute_capability else "")
                     for g in self.gpu.gpus]
            if self.gpu.driver_version:
                lines.append(f"NVIDIA driver {self.gpu.driver_version}")
        else:
            lines = [f"{self.gpu.error or NO_GPU}; set a VRAM budget by hand"]
        lines += list(self.gpu.warnings)
        if self.ram_total_gb is not None:
            available = f" ({self.ram_available_gb:.1f} GB available)" if self.ram_available_gb is not None else ""
            lines.append(f"RAM {self.ram_total_gb:.1f} GB{available}")
        else:
            lines.append("RAM unknown")
        for disk in self.disks:
            if disk.free_gb is None:
                lines.append(f"disk for {disk.root}: unknown ({disk.error})")
            else:
                where = "" if disk.exists else f" (folder missing; measured on {disk.checked_path})"
                lines.append(f"disk for {disk.root}: {disk.free_gb:.1f} GB free{where}")
        return lines


def detect_gpus_torch(torch: Any) -> GpuDetection:
    """The GPUs as an already loaded torch sees them (Wan2GP's own view); never raises."""
    try:
        cuda = torch.cuda
        if not cuda.is_available():
            return GpuDetection((), error=f"{NO_GPU}: torch sees no CUDA device")
        gpus = []
        for index in range(int(cuda.device_count())):
            props = cuda.get_device_properties(index)
            capability = (int(props.major), int(props.minor)) if hasattr(props, "major") else None
            gpus.append(GpuInfo(index=index, name=_text(cuda.get_device_name(index)),
                                total_vram_gb=round(int(props.total_memory) / GIB, 2), free_vram_gb=None,
                                compute_capability=capability))
    except Exception as exc:  # a half-initialised CUDA must not take the tab down
        return GpuDetection((), error=f"{NO_GPU}: torch could not read the GPU ({_describe(exc)})")
    if not gpus:
        return GpuDetection((), error=f"{NO_GPU}: torch reports no device")
    return GpuDetection(tuple(gpus), warnings=("GPU read through torch (NVML unavailable)",))


def detect_gpus(nvml: Any = None, torch: Any = None) -> GpuDetection:
    """Query NVML (``nvml`` defaults to the real pynvml module); when it finds nothing, ask ``torch``, by default
    only a torch that is already loaded (inside Wan2GP): the tracker never imports torch itself."""
    found = _detect_nvml(nvml)
    if found.gpus:
        return found
    torch = torch if torch is not None else sys.modules.get("torch")
    if torch is None:
        return found
    via_torch = detect_gpus_torch(torch)
    return via_torch if via_torch.gpus else found


def _detect_nvml(nvml: Any = None) -> GpuDetection:
    if nvml is None:
        try:
            import pynvml as nvml
        except ImportError:
            return GpuDetection((), error=f"{NO_GPU}: nvidia-ml-py (pynvml) is not installed")
    try:
        nvml.nvmlInit()
    except Exception as exc:  # NVMLError, or whatever a broken driver install raises through ctypes
        return GpuDetection((), error=f"{NO_GPU}: NVML could not start ({_describe(exc)})")
    try:
        return _query(nvml)
    except Exception as exc:  # likewise: a failing query must never take the tab down
        return GpuDetection((), error=f"{NO_GPU}: NVML error ({_describe(exc)})")
    finally:
        with contextlib.suppress(Exception):  # nothing useful to do if NVML cannot shut down
            nvml.nvmlShutdown()


def _query(nvml: Any) -> GpuDetection:
    count = int(nvml.nvmlDeviceGetCount())
    driver = _text(nvml.nvmlSystemGetDriverVersion())
    gpus: list[GpuInfo] = []
    warnings: list[str] = []
    for index in range(count):
        try:
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(GpuInfo(index=index, name=_text(nvml.nvmlDeviceGetName(handle)),
                                total_vram_gb=round(memory.total / GIB, 2), free_vram_gb=round(memory.free / GIB, 2),
                                compute_capability=_capability(nvml, handle)))
        except Exception as exc:  # one unreadable GPU must not hide the others
            warnings.append(f"GPU {index} could not be read: {_describe(exc)}")
    if not gpus:
        reason = "NVML reports no device" if count == 0 else "; ".join(warnings)
        return GpuDetection((), driver_version=driver, error=f"{NO_GPU}: {reason}", warnings=tuple(warnings))
    return GpuDetection(tuple(gpus), driver_version=driver, warnings=tuple(warnings))


def _capability(nvml: Any, handle: Any) -> tuple[int, int] | None:
    try:
        major, minor = nvml.nvmlDeviceGetCudaComputeCapability(handle)
    except (getattr(nvml, "NVMLError", Exception), AttributeError):  # old drivers lack the call
        return None
    return int(major), int(minor)


def _describe(exc: BaseException) -> str:
    return _text(exc) or type(exc).__name__


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def bf16_supported_on(detection: GpuDetection) -> bool:
    """Wan2GP's auto dtype rule on the first GPU: bf16 from compute capability 8 (Ampere) on."""
    if not detection.gpus or detection.gpus[0].compute_capability is None:
        return True
    return detection.gpus[0].compute_capability[0] >= 8


@lru_cache(maxsize=1)
def bf16_supported() -> bool:
    """``bf16_supported_on`` for this machine, asked once per process (True without a GPU)."""
    return bf16_supported_on(detect_gpus())


def disk_space(root: str) -> DiskSpace:
    """Free space where files for ``root`` would land, even before the folder exists."""
    path = os.path.abspath(root)
    exists = os.path.isdir(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        return DiskSpace(root, path, exists, None, None, error=exc.strerror or str(exc))
    return DiskSpace(root, path, exists, round(usage.free / 1e9, 1), round(usage.total / 1e9, 1))


def detect_hardware(checkpoint_roots: tuple[str, ...] | list[str] = (), nvml: Any = None,
                    virtual_memory: Callable[[], Any] = psutil.virtual_memory) -> HardwareInfo:
    """GPUs, RAM and the free disk space of each checkpoint root."""
    try:
        memory = virtual_memory()
        total, available = round(memory.total / GIB, 1), round(memory.available / GIB, 1)
    except Exception:  # psutil can fail in sandboxes; RAM then shows as unknown
        total = available = None
    return HardwareInfo(gpu=detect_gpus(nvml), ram_total_gb=total, ram_available_gb=available,
                        disks=tuple(disk_space(root) for root in checkpoint_roots))
