"""One refresh of the tab's data (inventory, figures, hardware, usage) and the verdicts and cells it caches."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..fit.estimator import ModelMetrics
from ..fit.hardware import FitVerdict, assess_fit
from ..fit.measured import measured_for_inventory
from ..machine.hardware import HardwareInfo
from ..records import Inventory, MeasuredPeak, ModelRecord
from ..usage.report import ModelUsage


@dataclass(frozen=True)
class TrackerData:
    """One refresh: the inventory plus metrics and hardware, all immutable."""

    inventory: Inventory
    metrics: Mapping[str, ModelMetrics]
    hardware: HardwareInfo
    # Per model type: generations, last use and measured speed read from the outputs (empty when not scanned).
    usage: Mapping[str, ModelUsage] = field(default_factory=dict)
    # The memory profile Wan2GP is set to per output type, when the catalog knows it.
    memory_profiles: Mapping[str, str] = field(default_factory=dict)
    # Per model type: the peaks the plugin's hook measured on this machine (usage/measurements.py).
    measured: Mapping[str, tuple[MeasuredPeak, ...]] = field(default_factory=dict)
    _fits: dict[tuple[float | None, float | None], dict[str, FitVerdict]] = field(
        default_factory=dict, compare=False, repr=False)
    # Verdicts (with every profile's figures) per model, budget, RAM and host profile, shared across refreshes:
    # reused while the model's metrics are the same object and its measured peak the same, so a refresh
    # recomputes only what changed.
    _fit_cache: dict[tuple[str, float, float | None, str | None],
                     tuple[ModelMetrics, MeasuredPeak | None, FitVerdict]] = field(
        default_factory=dict, compare=False, repr=False)
    _used_peaks: dict[str, MeasuredPeak] = field(default_factory=dict, compare=False, repr=False)
    # Table cells per model, shared across refreshes: records and metrics are reused objects when unchanged.
    _cells: dict[str, tuple[ModelRecord, ModelMetrics | None, list[str]]] = field(
        default_factory=dict, compare=False, repr=False)

    def budget(self, budget_gb: float | None) -> float | None:
        """The VRAM budget in force: the one set in the tab, else the largest detected GPU."""
        return budget_gb or self.hardware.default_vram_budget_gb

    def fits(self, budget_gb: float | None, ram_gb: float | None = None) -> dict[str, FitVerdict]:
        """Fit verdicts per model for a budget and RAM (default: this machine's), cached; empty when no VRAM
        budget is known (no GPU, none set)."""
        budget = self.budget(budget_gb)
        if budget is None:
            return {}
        usable = ram_gb is not None and math.isfinite(ram_gb) and ram_gb > 0
        ram = ram_gb if usable else self.hardware.ram_total_gb
        key = (budget, ram)
        if key not in self._fits:
            self._fits[key] = {t: self._fit(t, m, budget, ram) for t, m in self.metrics.items()}
            if len(self._fit_cache) > 8 * len(self.metrics):  # many budgets tried: keep the cache bounded
                self._fit_cache.clear()
        return self._fits[key]

    def _fit(self, model_type: str, metrics: ModelMetrics, budget: float, ram: float | None) -> FitVerdict:
        """One verdict, judged for the profile Wan2GP is set to when the catalog knows it."""
        host = self.memory_profiles.get(metrics.output_type)
        key = (model_type, budget, ram, host)
        peak = self.measured_peak(model_type)
        cached = self._fit_cache.get(key)
        if cached is not None and cached[0] is metrics and cached[1] == peak:
            return cached[2]
        verdict = assess_fit(metrics, budget, ram, host, profile=host, measured=peak)
        self._fit_cache[key] = (metrics, peak, verdict)
        return verdict

    def measured_peak(self, model_type: str) -> MeasuredPeak | None:
        """The peak measured for this model at its default workload, on Wan2GP's profile when there is one."""
        return self.measured_peaks().get(model_type)

    def measured_peaks(self) -> dict[str, MeasuredPeak]:
        """Per model type, the measured peak its verdict uses (cached for this refresh)."""
        if not self._used_peaks and self.measured:
            self._used_peaks.update(measured_for_inventory(self.metrics, self.measured, self.memory_profiles))
        return self._used_peaks
