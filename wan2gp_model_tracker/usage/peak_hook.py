"""The ``before_metadata_save`` data hook: what each generation really used, recorded as it is saved.

Wan2GP calls the hook as ``callback(settings, plugin_data=..., model_type=...)`` for every file
a generation writes, and also when settings are collected for an export or a settings file
(HOST.md 1.8). Only generations are recorded; a call is taken for one when

- no export is on the call stack (Wan2GP's ``collect_current_model_settings`` and its API's
  ``prepare_settings_for_export`` are the two callers that are not a generation), and
- Wan2GP says a generation is in progress (``is_generation_in_progress()``, when it has it), and
- torch.cuda has reserved memory since the previous record (nothing ran on the GPU otherwise).

The peaks are torch's ``max_memory_reserved``/``max_memory_allocated`` since the previous
record, reset after each; the RAM peak is the process's peak resident set (reset per run where
Linux allows it). The hook never imports torch, never changes or replaces the settings dict,
and never raises: whatever cannot be measured (no torch loaded, a stub, no CUDA, an MPS or CPU
device, a database that fails) is skipped and logged once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..catalog.base import host_profiles, profile_from_config
from ..machine.hardware import GIB
from .measurements import Measurement, record
from .store import UsageStore

log = logging.getLogger(__name__)

# Callers of Wan2GP's prepare_inputs_dict("metadata") that export settings rather than save a generation.
EXPORT_CALLERS = frozenset({"collect_current_model_settings", "prepare_settings_for_export"})
_STACK_DEPTH = 30
_CUDA_CALLS = ("is_available", "current_device", "get_device_name", "get_device_properties",
               "max_memory_allocated", "max_memory_reserved", "reset_peak_memory_stats")
_RESOLUTION = re.compile(r"\s*(\d{1,6})\s*[xX]\s*(\d{1,6})\s*")


class Skip(Exception):
    """This call is not recorded, for the reason given (logged once per reason)."""


class PeakRecorder:
    """The hook itself: call it as Wan2GP does; it returns the very dict it was given."""

    def __init__(self, open_store: Callable[[], UsageStore], host: Any) -> None:
        self._open_store = open_store
        self._store: UsageStore | None = None
        # Reads a Wan2GP global (catalog.live.HostGlobals: the live wgp module first, then injected copies).
        self._host = host
        self._logged: set[str] = set()
        self._ram = RamPeak()

    def __call__(self, data: Any, plugin_data: Any = None, model_type: Any = None, **_: Any) -> Any:
        try:
            run = self.measure(data, model_type)
            if run is not None:
                self._save(run)
        except Skip as why:
            self._log_once(str(why), logging.INFO)
        except Exception as exc:  # the generation must go on whatever happens here
            self._log_once(f"measuring failed ({type(exc).__name__}: {exc})", logging.WARNING)
        return data

    def measure(self, data: Any, model_type: Any) -> Measurement | None:
        """The run to record for this call, None when it is not a generation; Skip when nothing can be measured."""
        if not isinstance(data, Mapping) or not isinstance(model_type, str) or not model_type:
            return None
        if _exporting():
            return None
        if self._generating() is False:
            return None
        cuda = cuda_module()
        device = cuda.current_device()
        reserved, allocated = cuda.max_memory_reserved(device), cuda.max_memory_allocated(device)
        if not reserved:
            return None  # nothing ran on the GPU since the previous record: not a generation
        cuda.reset_peak_memory_stats(device)
        ram_gb, scope = self._ram.read_and_reset()
        width, height, frames, steps, batch = workload_of(data)
        return Measurement(
            recorded_at=time.time(), model_type=model_type, width=width, height=height, frames=frames, steps=steps,
            batch=batch, profile=self.profile_of(data, model_type), quantization=self._quantization(),
            gpu_name=str(cuda.get_device_name(device)),
            gpu_total_gb=round(int(cuda.get_device_properties(device).total_memory) / GIB, 2),
            vram_allocated_gb=round(allocated / GIB, 3), vram_reserved_gb=round(reserved / GIB, 3),
            ram_peak_gb=ram_gb, ram_peak_scope=scope, fingerprint=fingerprint(model_type, data))

    def _save(self, run: Measurement) -> None:
        if self._store is None:
            self._store = self._open_store()
            if self._store.warning:
                self._log_once(f"{self._store.warning}; measurements last only until Wan2GP stops", logging.WARNING)
        try:
            record(self._store, run)
        except Exception as exc:
            self._log_once(f"could not record a measurement ({type(exc).__name__}: {exc})", logging.WARNING)

    def _generating(self) -> bool | None:
        """Wan2GP's own answer; None when this Wan2GP cannot give one."""
        ask = self._host.get("is_generation_in_progress")
        if not callable(ask):
            return None
        try:
            return bool(ask())
        except Exception:
            return None

    def profile_of(self, settings: Mapping[str, Any], model_type: str) -> str:
        """The profile this run used: the settings' ``override_profile`` when set, else Wan2GP's profile for the
        output type (wgp's ``default_profile_<type>``, which ``--profile`` and the Configuration tab set, else
        server_config's ``<type>_profile`` falling back to ``profile``; wgp.py ``compute_profile``)."""
        override = profile_from_config(settings.get("override_profile"))
        if override is not None:
            return override
        kind = self._output_type(settings, model_type)
        live = profile_from_config(self._host.get(f"default_profile_{kind}"))
        return live or host_profiles(self._host.get("server_config")).get(kind) or "unknown"

    def _output_type(self, settings: Mapping[str, Any], model_type: str) -> str:
        """wgp's ``get_profile_type_for_model`` when it has one, else image for image mode, else video."""
        ask = self._host.get("get_profile_type_for_model")
        if callable(ask):
            try:
                kind = ask(model_type, _int(settings.get("image_mode")))
                if kind in ("video", "image", "audio"):
                    return kind
            except Exception:
                pass
        return "image" if _int(settings.get("image_mode")) > 0 else "video"

    def _quantization(self) -> str:
        config = self._host.get("server_config")
        value = config.get("transformer_quantization") if isinstance(config, Mapping) else None
        value = value or self._host.get("transformer_quantization")
        return value if isinstance(value, str) else ""

    def _log_once(self, message: str, level: int) -> None:
        if message not in self._logged:
            self._logged.add(message)
            log.log(level, "Model Tracker: %s", message)


def cuda_module() -> Any:
    """torch.cuda from the torch Wan2GP already loaded (never imported here); Skip when it cannot measure."""
    torch = sys.modules.get("torch")
    if torch is None:
        raise Skip("no memory measured: torch is not loaded")
    cuda = getattr(torch, "cuda", None)
    if cuda is None or not all(callable(getattr(cuda, name, None)) for name in _CUDA_CALLS):
        raise Skip("no memory measured: this torch has no usable torch.cuda")
    if not cuda.is_available():
        backends = getattr(torch, "backends", None)
        mps = getattr(getattr(backends, "mps", None), "is_available", None)
        device = "an Apple MPS device" if callable(mps) and mps() else "the CPU"
        raise Skip(f"no memory measured: no CUDA device, Wan2GP runs on {device}")
    return cuda


def workload_of(settings: Mapping[str, Any]) -> tuple[int, int, int, int, int]:
    """(width, height, frames, steps, batch) from the settings; frames counts every output of the batch, and a
    sliding-window video the frames of one window (what one pass holds in memory). Unknown values are 0."""
    match = _RESOLUTION.fullmatch(str(settings.get("resolution", "")))
    width, height = (int(match[1]), int(match[2])) if match else (0, 0)
    batch = max(1, _int(settings.get("batch_size")))
    if _int(settings.get("image_mode")) > 0 or "video_length" not in settings:
        per_output = 1 if width else 0
    else:
        per_output = _int(settings.get("video_length"))
        window = _int(settings.get("sliding_window_size"))
        if 0 < window < per_output:
            per_output = window
    return width, height, per_output * batch, _int(settings.get("num_inference_steps")), batch


def fingerprint(model_type: str, settings: Mapping[str, Any]) -> str:
    """A digest of the settings (the files of one generation share them); "" when they cannot be serialised."""
    try:
        text = json.dumps(settings, sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        return ""
    return hashlib.sha256(f"{model_type}\0{text}".encode("utf-8", "replace")).hexdigest()[:32]


def _exporting() -> bool:
    frame = sys._getframe(1)
    for _ in range(_STACK_DEPTH):
        if frame is None:
            return False
        if frame.f_code.co_name in EXPORT_CALLERS:
            return True
        frame = frame.f_back
    return False


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return max(0, min(value, 10**6))
    if isinstance(value, float) and value == value and abs(value) < 1e6:
        return max(0, int(value))
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        return int(value.strip())
    return 0


class RamPeak:
    """The process's peak resident memory in GiB: Linux's VmHWM, reset after each read through
    /proc/self/clear_refs so the next figure covers one run; elsewhere psutil's or getrusage's peak since the
    process started."""

    def __init__(self) -> None:
        self._reset_works = False

    def read_and_reset(self) -> tuple[float | None, str]:
        scope = "run" if self._reset_works else "process"
        peak = _linux_peak()
        if peak is not None:
            self._reset_works = _reset_linux_peak()
            return round(peak / GIB, 2), scope
        peak = _portable_peak()
        return (round(peak / GIB, 2) if peak else None), "process"


def _linux_peak() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _reset_linux_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # 5: reset the peak resident set size (Linux 4.0+, proc(5))
        return True
    except OSError:
        return False


def _portable_peak() -> int | None:
    try:
        import psutil

        info = psutil.Process().memory_info()
        if getattr(info, "peak_wset", None):  # Windows
            return int(info.peak_wset)
    except Exception:
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere
    except (ImportError, OSError, ValueError):
        return None
