"""The tab's chart: the models that fit the budget, speed against the VRAM they need, coloured by status.

Pure functions over the tab's data (no Gradio): the points, the fastest model already on disk that fits (the
chart's headline), and the model a selection on the chart stands for. Speed is the estimator's multiplier against
Wan2.1 t2v 14B, on a log scale (it spans 0.5x to 200x); audio models have none and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..records import ModelRecord, ModelStatus
from ..render.formatting import STATUS_MARKS, printable
from .tracker_data import TrackerData

# Column names are Vega-Lite fields: no "." or "[" (they would read as nested fields).
X, Y = "VRAM need (GB)", "Speed, log10 of x Wan2_1 14B"
COLOR, NAME, SPEED, FIT, MEASURED, TYPE = "Status", "Model", "Speed", "Fit", "Measured", "Model type"
COLUMNS = [X, Y, COLOR, NAME, SPEED, FIT, MEASURED, TYPE]
FASTEST = "★ fastest you have"
# The status marks' own colours; grey for "missing" so its points show on dark pages too.
COLORS = {f"{STATUS_MARKS[ModelStatus.DOWNLOADED]} downloaded": "#3b82f6",
          f"{STATUS_MARKS[ModelStatus.PARTIAL]} partial": "#eab308",
          f"{STATUS_MARKS[ModelStatus.MISSING]} missing": "#6b7280",
          FASTEST: "#16a34a"}
FITTING = ("recommended", "compatible")


@dataclass(frozen=True)
class Chart:
    """What the chart shows: its points, the headline, and which output type it is about."""

    frame: pd.DataFrame
    headline: str
    output_type: str
    fastest: str = ""  # model type of the fastest model on disk that fits, "" when none


def _status(model: ModelRecord) -> str:
    return f"{STATUS_MARKS[model.status]} {model.status.value}"


def chart_of(data: TrackerData, models: Sequence[ModelRecord], budget_gb: float | None,
             ram_gb: float | None = None) -> Chart:
    """The models among ``models`` (the table's) that fit, of one output type (video unless the table shows only
    images or audio), with the fastest one on disk as the headline."""
    budget = data.budget(budget_gb)
    if budget is None:
        return Chart(pd.DataFrame(columns=COLUMNS), "📈 Speed against VRAM: pick a VRAM budget to see what fits", "")
    fits = data.fits(budget_gb, ram_gb)
    kinds = {m.output_type for m in models}
    output = next(iter(kinds)) if len(kinds) == 1 else "video"
    points: list[tuple[ModelRecord, float, float, str]] = []
    for model in models:
        fit = fits.get(model.model_type)
        metrics = data.metrics.get(model.model_type)
        if model.output_type != output or fit is None or fit.verdict not in FITTING or metrics is None:
            continue
        speed = metrics.figure("speed_multiplier")
        need = fit.vram_need_gb if fit.vram_need_gb is not None else metrics.figure("vram_min_gb")
        if isinstance(speed, (int, float)) and speed > 0 and isinstance(need, (int, float)):
            points.append((model, float(need), float(speed), fit.verdict))
    on_disk = [p for p in points if p[0].status is ModelStatus.DOWNLOADED]
    # Fits as it is before fits with a change, then the fastest.
    best = max(on_disk, key=lambda p: (p[3] == "recommended", p[2]), default=None)
    rows = []
    for model, need, speed, verdict in points:
        used = data.usage.get(model.model_type)
        measured = used.speed.short() if used is not None and used.speed is not None else ""
        rows.append({X: round(need, 1), Y: round(math.log10(speed), 3),
                     COLOR: FASTEST if best is not None and model is best[0] else _status(model),
                     NAME: printable(("⏱ " if measured else "") + model.name), SPEED: f"×{speed:g}", FIT: verdict,
                     MEASURED: f"⏱ {measured}" if measured else "—", TYPE: printable(model.model_type)})
    where = f"{budget:g} GB"
    if best is None:
        headline = f"📈 Speed against VRAM: {len(points)} {output} models fit {where}; none of them is on disk yet"
    else:
        headline = (f"📈 Fastest {output} model you have that fits {where}: {printable(best[0].name)} "
                    f"(×{best[2]:g} Wan2.1 14B) · chart of {len(points)}")
    return Chart(pd.DataFrame(rows, columns=COLUMNS), headline, output, best[0].model_type if best else "")


def model_in_range(chart_frame: pd.DataFrame, low: float, high: float) -> str:
    """The fastest model whose VRAM need lies in [low, high] (a range dragged across the chart), or ""."""
    if chart_frame.empty:
        return ""
    low, high = min(low, high), max(low, high)
    inside = chart_frame[(chart_frame[X] >= low) & (chart_frame[X] <= high)]
    return "" if inside.empty else str(inside.sort_values(Y, ascending=False)[TYPE].iloc[0])
