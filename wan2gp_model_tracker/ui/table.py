"""The model table's rows: one row of display cells per model, cached across refreshes."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..fit.estimator import NOT_DOCUMENTED
from ..records import ModelRecord, ModelStatus
from ..render.formatting import download_cell, format_gb, printable, status_cell
from .selection import is_grouped_child
from .tracker_data import TrackerData

TABLE_COLUMNS = ["Status", "Name", "Model type", "Speed", "VRAM (GB)", "Quality", "On disk", "To download",
                 "Best for", "Fit"]
HIDDEN_NOTE = " (hidden in Wan2GP)"


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
