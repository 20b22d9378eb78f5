"""The tab's controller, computed without Gradio.

``TrackerController`` owns the analyzer, the performance database and the hardware probe; the
Gradio layer (ui/tab.py) only forwards widget values to its methods and displays what
they return, so every behaviour of the tab can be tested as plain functions. One refresh's data
is ui/tracker_data.py; filters and sorts are ui/selection.py; the table's rows are ui/table.py.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from ..catalog.base import CatalogProvider
from ..fit.estimator import ModelMetrics
from ..fit.hardware import FitVerdict
from ..hub.sizes import HubSizes
from ..machine.hardware import HardwareInfo, detect_hardware
from ..model_analyzer import ModelAnalyzer
from ..performance_db import PerformanceDatabase
from ..records import Inventory, MeasuredPeak, ModelRecord
from ..render.markdown import render_markdown
from ..usage.report import ModelUsage, UsageReport
from .selection import Filters, select_models
from .tracker_data import TrackerData

# Exports kept in the controller's folder (a download in flight may still read the previous one).
KEPT_EXPORTS = 3


class TrackerController:
    """Scans on demand and answers the tab's questions; safe to share between Gradio workers."""

    def __init__(self, catalog: CatalogProvider, database: PerformanceDatabase | None = None,
                 hardware_probe: Callable[[Sequence[str]], HardwareInfo] = detect_hardware,
                 on_scan: Callable[[TrackerData], None] | None = None,
                 usage_scanner: Callable[[str], UsageReport] | None = None,
                 generating: Callable[[], bool] | None = None,
                 measured_loader: Callable[[Inventory], Mapping[str, tuple[MeasuredPeak, ...]]] | None = None
                 ) -> None:
        self.database = database or PerformanceDatabase.default()
        # Exact Hub sizes arrive in the background; the tab never waits and shows them on the next refresh.
        self.analyzer = ModelAnalyzer(catalog, params_lookup=self.database.model_params_b,
                                      hub_sizes=HubSizes.default())
        self.hardware_probe = hardware_probe
        self.on_scan = on_scan
        # Reads the outputs of a Wan2GP folder (usage.report.scan_usage with a store); None: no usage shown.
        self.usage_scanner = usage_scanner
        self.usage_report: UsageReport | None = None
        self.usage_error = ""
        # Asks Wan2GP whether a generation is running (cleanup waits for it); None outside Wan2GP.
        self.generating = generating
        # Reads the peaks measured on this machine for an inventory (usage.measurements); None: none shown.
        self.measured_loader = measured_loader
        self._data: TrackerData | None = None
        self._lock = threading.Lock()
        self._cells: dict[str, tuple[ModelRecord, ModelMetrics | None, list[str]]] = {}
        self._fit_cache: dict[tuple[str, float, float | None, str | None],
                              tuple[ModelMetrics, MeasuredPeak | None, FitVerdict]] = {}
        # Exports are written when a user asks; Gradio copies each into its own cache, so a few are kept here.
        self._export_dir = tempfile.mkdtemp(prefix="wan2gp-tracker-export-")
        atexit.register(shutil.rmtree, self._export_dir, True)

    def refresh(self) -> TrackerData:
        with self._lock:
            inventory = self.analyzer.scan()
            self.database = self.database.for_settings(self.analyzer.state.memory_settings)
            metrics = self.database.metrics_for_inventory(inventory, self.analyzer.state.defs)
            hardware = self.hardware_probe(inventory.settings.checkpoint_roots)
            if len(self._cells) > 2 * len(inventory.models):  # models came and went: drop stale rows
                self._cells.clear()
            usage = self._scan_usage(inventory.settings.wan2gp_dir)
            self._data = TrackerData(inventory, metrics, hardware, usage=usage,
                                     memory_profiles=self.analyzer.state.memory_profiles,
                                     measured=self._measured(inventory), _cells=self._cells,
                                     _fit_cache=self._fit_cache)
        if self.on_scan is not None:
            self.on_scan(self._data)
        return self._data

    def _scan_usage(self, wan2gp_dir: str) -> Mapping[str, ModelUsage]:
        if self.usage_scanner is None:
            return {}
        try:
            self.usage_report = self.usage_scanner(wan2gp_dir)
            self.usage_error = ""
        except Exception as exc:  # usage is an extra: the inventory must show even if the outputs cannot be read
            self.usage_report = None
            self.usage_error = f"outputs could not be read: {type(exc).__name__}: {exc}"
            return {}
        return self.usage_report.by_model()

    def _measured(self, inventory: Inventory) -> Mapping[str, tuple[MeasuredPeak, ...]]:
        if self.measured_loader is None:
            return {}
        try:
            return self.measured_loader(inventory)
        except Exception:  # measurements only refine the verdicts; the inventory shows without them
            return {}

    @property
    def export_dir(self) -> str:
        """Where the exports a user asked for are written (removed at exit)."""
        return self._export_dir

    @property
    def data(self) -> TrackerData:
        return self._data or self.refresh()

    def export_markdown(self, filters: Filters, details: bool) -> str:
        """Write the filtered inventory to a .md file and return its path."""
        data = self.data
        models = select_models(data, filters)
        fits = data.fits(filters.vram_budget_gb, filters.ram_budget_gb)
        text = render_markdown(data.inventory, models=models, metrics=data.metrics, fits=fits,
                               hardware_lines=data.hardware.summary_lines(), filters_note=filters.describe(),
                               details=details, measured=data.measured_peaks())
        path = os.path.join(self._export_dir, f"wan2gp-models-{datetime.now():%Y%m%d-%H%M%S}.md")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        for old in sorted(os.listdir(self._export_dir))[:-KEPT_EXPORTS]:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self._export_dir, old))
        return path

