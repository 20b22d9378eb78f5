"""What the Model Tracker tab shows, computed without Gradio.

``TrackerController`` owns the analyzer, the performance database and the hardware probe; the
Gradio layer (ui/tab.py) only forwards widget values to its methods and displays what
they return, so every behaviour of the tab can be tested as plain functions.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from ..catalog.base import CatalogProvider
from ..fit.estimator import NOT_DOCUMENTED, ModelMetrics
from ..fit.hardware import FitVerdict, assess_fit
from ..fit.measured import measured_for_inventory
from ..hub.sizes import HubSizes
from ..machine.hardware import HardwareInfo, detect_hardware
from ..model_analyzer import ModelAnalyzer
from ..performance_db import PerformanceDatabase
from ..records import Inventory, MeasuredPeak, ModelRecord, ModelStatus
from ..render.formatting import download_cell, format_gb, printable, status_cell
from ..render.markdown import render_markdown
from ..usage.report import ModelUsage, UsageReport
from .search import AliasLookup, Query, catalog_aliases

ALL = "all"
SPEED_ORDER = {"fast": 0, "medium": 1, "slow": 2}
QUALITY_ORDER = {"highest": 0, "high": 1, "medium": 2, "low": 3}
STATUS_ORDER = {ModelStatus.DOWNLOADED: 0, ModelStatus.PARTIAL: 1, ModelStatus.MISSING: 2, ModelStatus.ERROR: 3}
SORT_CHOICES = {
    "name": "Name",
    "status": "Status",
    "speed": "Speed (fastest first)",
    "vram": "VRAM (lightest first)",
    "quality": "Quality (best first)",
    "size": "On disk (largest first)",
    "download": "To download (smallest first)",
    "family": "Family → base model → finetunes",
    "measured": "Fastest on my machine",
}
# Status filter values beyond the statuses themselves.
DAMAGED = "damaged"
FIT_CHOICES = {ALL: "Any", "fits": "Fits the budget", "recommended": "Recommended for the budget"}
# Exports kept in the controller's folder (a download in flight may still read the previous one).
KEPT_EXPORTS = 3
TABLE_COLUMNS = ["Status", "Name", "Model type", "Speed", "VRAM (GB)", "Quality", "On disk", "To download",
                 "Best for", "Fit"]
HIDDEN_NOTE = " (hidden in Wan2GP)"


@dataclass(frozen=True)
class Filters:
    """The tab's filter and sort widgets, as plain values."""

    status: str = ALL
    speed: str = ALL
    quality: str = ALL
    output: str = ALL
    family: str = ALL
    fit: str = ALL
    vram_budget_gb: float | None = None
    text: str = ""
    sort_by: str = "name"
    descending: bool = False
    ram_budget_gb: float | None = None
    show_hidden: bool = False

    @property
    def grouped(self) -> bool:
        return self.sort_by == "family"

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in (
            ("status", self.status), ("speed", self.speed), ("quality", self.quality), ("output", self.output),
            ("family", self.family), ("fit", self.fit)) if value != ALL]
        if self.vram_budget_gb:
            parts.append(f"VRAM budget {self.vram_budget_gb:g} GB")
        if self.ram_budget_gb:
            parts.append(f"RAM {self.ram_budget_gb:g} GB")
        if self.text.strip():
            parts.append(f'text "{self.text.strip()}"')
        return ", ".join(parts)


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


def select_models(data: TrackerData, filters: Filters,
                  aliases: AliasLookup | None = catalog_aliases) -> list[ModelRecord]:
    """The models the table shows for these filters, in the requested order.

    With a search text and the default order (by name), the best matches come first: see ``ui.search``;
    ``aliases`` (the catalog's alias table by default) lets names a user knows (old model types, repo ids) count as
    the model's own name.
    """
    fits = data.fits(filters.vram_budget_gb, filters.ram_budget_gb)
    query = Query.of(filters.text, aliases) if filters.text.strip() else None
    ranks: dict[str, int] = {}
    chosen = []
    for model in data.inventory.models:
        metrics = data.metrics.get(model.model_type)
        fit = fits.get(model.model_type)
        if not (model.visible or filters.show_hidden):
            continue
        if filters.status == DAMAGED:
            if not model.damaged_files:
                continue
        elif filters.status != ALL and model.status.value != filters.status:
            continue
        if filters.speed != ALL and (metrics is None or metrics.figure("speed_tier") != filters.speed):
            continue
        if filters.quality != ALL and (metrics is None or metrics.figure("quality_tier") != filters.quality):
            continue
        if filters.output != ALL and model.output_type != filters.output:
            continue
        if filters.family != ALL and model.family != filters.family:
            continue
        if filters.fit == "fits" and (fit is None or fit.verdict == "incompatible"):
            continue
        if filters.fit == "recommended" and (fit is None or fit.verdict != "recommended"):
            continue
        if query is not None:
            rank = query.rank(model, metrics)
            if rank is None:
                continue
            ranks[model.model_type] = rank
        chosen.append(model)
    ordered = sort_models(chosen, data, filters.sort_by, filters.descending)
    if ranks and filters.sort_by == "name":  # a stable sort: the name order holds within each rank
        ordered.sort(key=lambda m: ranks[m.model_type])
    return ordered


def _speed_rank(metrics: ModelMetrics) -> float | None:
    """Tier first, then the multiplier within a tier (audio models only have a tier)."""
    tier = SPEED_ORDER.get(metrics.figure("speed_tier"))
    if tier is None:
        return None
    return tier - (metrics.figure("speed_multiplier") or 0) / 1000


def sort_models(models: list[ModelRecord], data: TrackerData, sort_by: str,
                descending: bool = False) -> list[ModelRecord]:
    """Stable sort on one key; models without a figure go last whatever the direction."""
    big = float("inf")

    def metric(model: ModelRecord, getter: Callable[[ModelMetrics], Any]) -> float:
        m = data.metrics.get(model.model_type)
        value = getter(m) if m is not None else None
        return big if value is None else value

    keys: dict[str, Callable[[ModelRecord], Any]] = {
        "name": lambda m: m.name.casefold(),
        "status": lambda m: STATUS_ORDER[m.status],
        "speed": lambda m: metric(m, lambda x: _speed_rank(x)),
        "vram": lambda m: metric(m, lambda x: x.figure("vram_min_gb")),
        "quality": lambda m: metric(m, lambda x: QUALITY_ORDER.get(x.figure("quality_tier"))),
        "size": lambda m: -m.size_on_disk_bytes,
        # As the column shows it: "?" (nothing known) last, "5 GB + ?" with the 5 GB.
        "download": lambda m: m.download_bytes if m.download_size_known or m.download_bytes else big,
        "measured": lambda m: _measured_rank(data, m.model_type, big),
    }
    if sort_by == "family":
        return family_tree_order(models, data)
    key = keys.get(sort_by, keys["name"])
    ordered = sorted(models, key=lambda m: (key(m), m.name.casefold()))
    if descending:
        known = [m for m in ordered if key(m) != big]
        ordered = known[::-1] + [m for m in ordered if key(m) == big]
    return ordered


def _measured_rank(data: TrackerData, model_type: str, missing: float) -> float:
    used = data.usage.get(model_type)
    return used.speed.rank_value if used is not None and used.speed is not None else missing


def family_tree_order(models: Sequence[ModelRecord], data: TrackerData) -> list[ModelRecord]:
    """Wan2GP's grouping: family, then each base model followed by its finetunes."""
    chosen = {m.model_type for m in models}

    def base_of(model: ModelRecord) -> ModelRecord:
        parent = data.inventory.get(model.parent_model_type) if model.parent_model_type else None
        return parent if parent is not None and parent.model_type in chosen else model

    def key(model: ModelRecord) -> tuple:
        base = base_of(model)
        return (model.family.casefold(), base.name.casefold(), base.model_type, base is not model,
                model.name.casefold())

    return sorted(models, key=key)


def is_grouped_child(model: ModelRecord, shown: set[str]) -> bool:
    return bool(model.parent_model_type) and model.parent_model_type != model.model_type \
        and model.parent_model_type in shown


def table_frame(models: Sequence[ModelRecord], data: TrackerData, budget_gb: float | None,
                current_model: str = "", grouped: bool = False, ram_gb: float | None = None) -> pd.DataFrame:
    """The table's rows; ``*`` marks estimated tiers, ``~`` estimated sizes, ``▶`` the model open in Wan2GP
    (``current_model``: each browser session has its own), ``↳`` a finetune under its base when ``grouped``."""
    fits = data.fits(budget_gb, ram_gb)
    shown = {m.model_type for m in models} if grouped else set()
    rows = []
    for model in models:
        row = list(_cells(data, model))
        used = data.usage.get(model.model_type)
        if used is not None and used.speed is not None:
            row[3] = f"{row[3]} · ⏱ {used.speed.short()}"
        if grouped and is_grouped_child(model, shown):
            row[1] = "↳ " + row[1]
        if current_model and model.model_type == current_model:
            row[1] = "▶ " + row[1]
        if data.measured_peak(model.model_type) is not None:
            row[4] = f"{row[4]} ⏱"
        fit = fits.get(model.model_type)
        rows.append(row + [fit.verdict if fit else "—"])
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _cells(data: TrackerData, model: ModelRecord) -> list[str]:
    """Every cell of a model's row but the fit verdict."""
    metrics = data.metrics.get(model.model_type)
    cached = data._cells.get(model.model_type)
    if cached is not None and cached[0] is model and cached[1] is metrics:
        return cached[2]
    figures = {k: "—" if v == NOT_DOCUMENTED else v
               for k, v in (metrics.table_cells() if metrics is not None else {}).items()}
    cells = [
        status_cell(model),
        model.name + (" (error)" if model.errors and model.status is not ModelStatus.ERROR else "")
        + ("" if model.visible else HIDDEN_NOTE),
        model.model_type,
        figures.get("speed", "—"),
        figures.get("vram (GB)", "—"),
        figures.get("quality", "—"),
        format_gb(model.size_on_disk_bytes) if model.size_on_disk_bytes else "—",
        download_cell(model),
        figures.get("best for", ""),
    ]
    cells = [printable(cell) for cell in cells]  # lone surrogates would make Gradio's JSON reply fail
    data._cells[model.model_type] = (model, metrics, cells)
    return cells


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

