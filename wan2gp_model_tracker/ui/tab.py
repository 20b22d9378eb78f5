"""The Gradio widgets of the Model Tracker tab. All decisions live in ui/view.py, ui/selection.py and ui/table.py.

Per-browser-session values (filters, search text, the model open in Wan2GP) live in the session's own
widgets and travel with each event; the controller only holds the scan, which every session shares.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..records import ModelRecord, ModelStatus
from ..render.formatting import STATUS_MARKS, printable
from ..render.markdown import md_escape
from . import chart as chart_view
from .chart import chart_of
from .details import detail_markdown
from .disk_panel import build_disk_panel
from .downloads_panel import build_downloads_panel
from .events import FAST, guarded, timed
from .presentation import (
    COLUMN_HELP,
    LEGEND,
    TABLE_DATATYPES,
    legend_markdown,
    markdown_html,
    summary_html,
    table_cells_html,
)
from .selection import ALL, DAMAGED, FIT_CHOICES, SORT_CHOICES, Filters, select_models
from .style import TAB_CSS
from .table import TABLE_COLUMNS, table_frame
from .tracker_data import TrackerData
from .view import TrackerController

log = logging.getLogger(__name__)

STATUS_CHOICES = [("Any status", ALL)] + [(f"{STATUS_MARKS[s]} {s.value.capitalize()}", s.value) for s in ModelStatus] \
    + [("⚠ Damaged files", DAMAGED)]
SPEED_CHOICES = [("All", ALL), ("Fast", "fast"), ("Medium", "medium"), ("Slow", "slow")]
QUALITY_CHOICES = [("All", ALL), ("Highest", "highest"), ("High", "high"), ("Medium", "medium"), ("Low", "low")]
OUTPUT_CHOICES = [("Any output", ALL), ("Video", "video"), ("Image", "image"), ("Audio", "audio")]
FIT_LABELS = [("Any fit" if key == ALL else label, key) for key, label in FIT_CHOICES.items()]
# Short enough for the toolbar; the keys are selection.SORT_CHOICES'.
SORT_LABELS = [(f"Sort: {label}", key) for key, label in {
    "name": "name", "status": "status", "speed": "fastest", "vram": "least VRAM", "quality": "best quality",
    "size": "most on disk", "download": "least to download", "family": "family tree"}.items() if key in SORT_CHOICES]
# Short columns get fixed widths so "🟦 downloaded ⚠" and "recommended" stay on one line; "Best for" takes the rest.
COLUMN_WIDTHS = ["11.5%", "19%", "10.5%", "5.5%", "7.5%", "6%", "6.5%", "8.5%", "16%", "9%"]
# The budgets most GPUs have; "6" is also what a laptop's RTX 3060/4050 offers.
BUDGET_CHOICES = [(f"{gb}" + (" GB" if gb == 24 else ""), str(gb)) for gb in (6, 8, 12, 16, 24)]
DETAILS_PLACEHOLDER = "Click a row of the table to see its files, figures and alternatives here."
# Gradio 6 puts copy and fullscreen buttons above a table (a row of height the table cannot spare); 5.29 has none.
NO_TABLE_BUTTONS: dict[str, Any] = {"buttons": []} if "buttons" in inspect.signature(gr.Dataframe).parameters else {}
# Gradio's table has no header tooltips: set them in the browser after each render.
HEADER_HELP_JS = ("() => {{ const help = {help}; document.querySelectorAll('#model-tracker-table th')"
                  ".forEach(th => {{ const text = th.innerText.trim(); if (help[text]) th.title = help[text]; }}); }}")
OPENED_SEP = "\n"
SCROLL_TO = ("() => {{ const el = document.querySelector('{selector}');"
             " if (el) el.scrollIntoView({{block: 'start'}}); }}")


@dataclass
class TrackerTab:
    """The tab's components, kept so the plugin (or the standalone app) can route events to them.

    ``refreshed({widget: value})`` rescans with one session's widget values. The host's tab-select
    event carries no widget values, so the plugin sets ``opened`` instead (``opened_value``); its
    change event then rescans with that session's own filters and marks its current model.
    """

    summary: Any
    table: Any
    family: Any
    model_pick: Any
    details: Any
    legend: Any
    budget_pick: Any
    chart_box: Any
    chart: Any
    opened: Any
    inputs: set[Any]
    refreshed: Callable[..., tuple]
    render_for: Callable[..., tuple]
    # What selecting the tab does, given one session's widget values (``opened`` holds the host's state).
    open: Callable[..., tuple]
    title: Any = None
    # One model's details, as a row click opens them: ``show_model(model_type, values)`` -> detail_outputs.
    show_model: Callable[..., tuple] | None = None

    @property
    def detail_outputs(self) -> list[Any]:
        return [self.model_pick, self.title, self.details]

    @property
    def outputs(self) -> list[Any]:
        """What a full refresh updates, in the order ``refreshed`` returns it."""
        return [self.summary, self.table, self.family, self.model_pick, self.legend, self.budget_pick,
                self.chart_box, self.chart]

    @staticmethod
    def opened_value(host_state: Any) -> str:
        """What the host's tab-select event writes to ``opened``: the session's model, and a stamp that makes
        every value new so the change event fires."""
        model_type = host_state.get("model_type") if isinstance(host_state, Mapping) else None
        return f"{model_type if isinstance(model_type, str) else ''}{OPENED_SEP}{time.time_ns()}"

    def error_outputs(self, message: str) -> tuple:
        """A message in the summary, everything else left as it was."""
        return (message, *(gr.update() for _ in self.outputs[1:]))


def pick_choice(model: ModelRecord) -> tuple[str, str]:
    """A model as the details' picker lists it: (name and type, type), both printable."""
    return printable(f"{model.name} ({model.model_type})"), printable(model.model_type)


def every_pick(data: TrackerData) -> list[tuple[str, str]]:
    """The details' picker: every model of the scan by name (it changes only with a rescan, so a filter change need
    not resend it)."""
    return [pick_choice(m) for m in sorted(data.inventory.models, key=lambda m: m.name.casefold())]


def budget_gb(text: Any, largest: float = 1024) -> float | None:
    """A memory budget typed in the tab; empty, zero or not a usable number means "this machine's"."""
    try:
        value = float(str(text or "").replace(",", ".").lower().removesuffix("gb").strip() or 0)
    except ValueError:
        return None
    return value if 0 < value <= largest else None  # also refuses nan and inf


def _warm_fits(data: TrackerData) -> None:
    """Judge the fit for the budget buttons in the background, so a click on one answers from the cache (a new
    budget means a verdict per model)."""

    def warm() -> None:
        for _, gb in BUDGET_CHOICES:
            with contextlib.suppress(Exception):  # a failure shows when the budget is chosen, not here
                data.fits(float(gb))

    threading.Thread(target=warm, name="model-tracker-warm-fits", daemon=True).start()


# A panel builds its own collapsible section below the models view; it may expose ``models_ready``, a component
# that changes when models on disk changed (a finished download), so the table rescans.
Panel = Callable[[TrackerController], Any]


def default_panels() -> list[Panel]:
    """The panels shown below the models view, one line each."""
    return [build_downloads_panel, build_disk_panel]


def build_tab(controller: TrackerController, extra_panels: Sequence[Panel] | None = None) -> TrackerTab:
    """Create the tab inside the current Gradio context and wire its events.

    ``extra_panels`` (default: ``default_panels()``) each build a collapsed section below the models
    view, so the table keeps the top of the page.
    """
    extra_panels = default_panels() if extra_panels is None else extra_panels
    with gr.Column(elem_id="model-tracker"):
        gr.HTML(f"<style>{TAB_CSS}</style>", padding=False, elem_id="mt-style")
        tab = _models_panel(controller)
        for build_panel in extra_panels:
            models_changed = getattr(build_panel(controller), "models_ready", None)
            if models_changed is not None:
                models_changed.change(tab.open, tab.inputs, tab.outputs)
    return tab


def _models_panel(controller: TrackerController) -> TrackerTab:
    with gr.Row(elem_id="mt-head", equal_height=True):
        summary = gr.HTML('<div class="mt-chips"><span class="mt-chip">Scanning models…</span></div>',
                          elem_id="model-tracker-summary")
        # Without a GPU the fit column needs a budget: the common ones are one click away. The choice lives in
        # this session's VRAM field (its value), so each browser keeps its own.
        budget_pick = gr.Radio(BUDGET_CHOICES, value=None, label="VRAM budget (no GPU found)",
                               elem_id="mt-budget-pick", visible=False, container=False, scale=0, min_width=330)
    # One toolbar row without visible labels (they stay for screen readers): the table must start high enough
    # for a dozen rows at 1280x800.
    with gr.Row(elem_id="mt-filters", equal_height=True):
        text = gr.Textbox(label="Search", placeholder="🔍 Search name, type, family, use…", elem_id="mt-search",
                          scale=3, min_width=160, max_lines=1, show_label=False)
        status = gr.Dropdown(STATUS_CHOICES, value=ALL, label="Status", elem_id="mt-status", scale=2, min_width=130,
                             show_label=False)
        output = gr.Dropdown(OUTPUT_CHOICES, value=ALL, label="Output", elem_id="mt-output", scale=2,
                             min_width=120, show_label=False)
        fit = gr.Dropdown(FIT_LABELS, value=ALL, label="Fit", elem_id="mt-fit", scale=2, min_width=130,
                          show_label=False)
        vram = gr.Textbox(label="VRAM budget (GB)", placeholder="VRAM GB", elem_id="mt-vram", scale=1,
                          min_width=110, max_lines=1, show_label=False)
        ram = gr.Textbox(label="RAM (GB)", placeholder="RAM GB", elem_id="mt-ram", scale=1,
                         min_width=105, max_lines=1, show_label=False)
        sort_by = gr.Dropdown(SORT_LABELS, value="name", label="Sort by", elem_id="mt-sort", scale=2,
                              min_width=180, show_label=False)
        refresh = gr.Button("Refresh", elem_id="mt-refresh", scale=0, min_width=100)
    with gr.Accordion("More filters and export", open=False, elem_id="mt-more"):
        with gr.Row(equal_height=True):
            speed = gr.Dropdown(SPEED_CHOICES, value=ALL, label="Speed", elem_id="mt-speed", min_width=100)
            quality = gr.Dropdown(QUALITY_CHOICES, value=ALL, label="Quality", elem_id="mt-quality", min_width=100)
            family = gr.Dropdown([("All", ALL)], value=ALL, label="Family", elem_id="mt-family", min_width=140)
            with gr.Column(min_width=180):
                descending = gr.Checkbox(value=False, label="Reverse order", elem_id="mt-reverse")
                show_hidden = gr.Checkbox(value=False, label="Show models hidden in Wan2GP", elem_id="mt-hidden")
        # A fixed-height row: the file link appears beside the button without moving anything.
        with gr.Row(equal_height=True, elem_id="mt-export-row"):
            export = gr.Button("Export Markdown", elem_id="mt-export", size="sm", scale=0, min_width=150)
            export_details = gr.Checkbox(value=False, label="Include each model's files", elem_id="mt-export-details",
                                         container=False, scale=0, min_width=220)
            export_file = gr.File(label="Export", visible=False, interactive=False, elem_id="mt-export-file",
                                  container=False, height=40, scale=1)
    table = gr.Dataframe(headers=TABLE_COLUMNS, value=None, interactive=False, wrap=False, max_height=480,
                         column_widths=COLUMN_WIDTHS, datatype=TABLE_DATATYPES, elem_id="model-tracker-table",
                         **NO_TABLE_BUTTONS)
    legend = gr.Markdown(LEGEND, elem_id="mt-legend")
    # Its label names the fastest model on disk that fits, so the answer shows even while it is closed.
    with gr.Accordion("📈 Speed against VRAM", open=False, elem_id="mt-chart-box") as chart_box:
        chart = gr.ScatterPlot(value=None, x=chart_view.X, y=chart_view.Y, color=chart_view.COLOR,
                               color_map=chart_view.COLORS, tooltip=[chart_view.NAME, chart_view.SPEED, chart_view.X,
                                                                     chart_view.FIT, chart_view.MEASURED],
                               height=330, show_label=False, elem_id="mt-chart")
        gr.Markdown("Speed on a log scale: 0 = as fast as Wan2.1 t2v 14B, 1 = 10× faster, 2 = 100×. Drag across "
                    "points to open the fastest of them below; ⏱ marks a speed measured on this machine.",
                    elem_id="mt-chart-note")
    with gr.Column(elem_id="mt-details"):
        with gr.Row(elem_id="mt-details-head", equal_height=True):
            title = gr.Markdown("### Model details", elem_id="mt-details-title")
            back = gr.Button("↑ Back to the table", elem_id="mt-back", size="sm", scale=0, min_width=160)
        model_pick = gr.Dropdown([], value=None, label="Model", elem_id="mt-model-pick")
        # HTML rendered here from the details' Markdown: the browser only places it (Gradio's Markdown component
        # would parse and sanitise a long text in the page on every click).
        details = gr.HTML(markdown_html(DETAILS_PLACEHOLDER), elem_id="mt-detail-text")
    # This session's "model open in Wan2GP" (and when the host last opened the tab): set by the plugin's
    # on_tab_select, whose only output it is; its change event renders with the session's own filters.
    opened = gr.State("")
    # Whether this session has the chart open: only then do filter changes send its points.
    chart_open = gr.State(False)

    # Handlers take the widgets as a set: Gradio then passes one dict keyed by component.
    inputs = {status, speed, quality, output, family, fit, vram, ram, text, sort_by, descending, show_hidden, opened,
              chart_open}

    def filters_from(values: dict) -> Filters:
        budget = budget_gb(values[vram])
        return Filters(status=values[status] or ALL, speed=values[speed] or ALL, quality=values[quality] or ALL,
                       output=values[output] or ALL, family=values[family] or ALL, fit=values[fit] or ALL,
                       vram_budget_gb=budget, text=values[text] or "",
                       sort_by=values[sort_by] or "name", descending=bool(values[descending]),
                       show_hidden=bool(values[show_hidden]), ram_budget_gb=budget_gb(values[ram], 65536))

    def render_for(current_model: str = "", filters: Filters | None = None, full: bool = True,
                   with_chart: bool = False) -> tuple:
        """The tab's outputs for one session's filters and current model.

        A filter change (``full`` False) leaves the family and model pickers as they are (they list every model
        of the scan) and sends the chart's points only when its section is open (``with_chart``): a smaller reply.
        """
        filters = filters or Filters()
        data = controller.data
        models = select_models(data, filters)
        shown_chart = chart_of(data, models, filters.vram_budget_gb, filters.ram_budget_gb)
        if full:
            families = sorted({m.family for m in data.inventory.models})
            family_value = filters.family if filters.family in families else ALL
            family_update = gr.update(choices=[("All", ALL)] + [(printable(f), printable(f)) for f in families],
                                      value=family_value)
            pick_update = gr.update(choices=every_pick(data))
        else:
            family_update = pick_update = gr.update()
        return (
            summary_html(data, len(models), filters.vram_budget_gb, filters.ram_budget_gb),
            table_cells_html(table_frame(models, data, filters.vram_budget_gb, current_model, filters.grouped,
                                         filters.ram_budget_gb)),
            family_update,
            pick_update,
            legend_markdown(len(models), filters),
            gr.update(visible=not data.hardware.gpu.gpus, value=next(
                (value for _, value in BUDGET_CHOICES if float(value) == filters.vram_budget_gb), None)),
            gr.update(label=shown_chart.headline),
            shown_chart.frame if full or with_chart else gr.update(),
        )

    def current_of(values: dict) -> str:
        return (values[opened] or "").split(OPENED_SEP)[0]

    def render(values: dict) -> tuple:
        return render_for(current_of(values), filters_from(values), full=False, with_chart=values[chart_open])

    @timed
    def refreshed(values: dict) -> tuple:
        data = controller.refresh()
        if not data.hardware.gpu.gpus:
            _warm_fits(data)
        return render_for(current_of(values), filters_from(values))

    def chart_points(values: dict) -> Any:
        filters = filters_from(values)
        return chart_of(controller.data, select_models(controller.data, filters), filters.vram_budget_gb,
                        filters.ram_budget_gb).frame

    def on_open(values: dict) -> tuple:
        """The host opened the tab: rescan, and mark the model this session's generator has open."""
        try:
            return refreshed(values)
        except Exception as exc:  # a message in the tab, never an exception into the host's event
            log.exception("Model Tracker: refresh failed")
            return tab.error_outputs(f"⚠ <b>Refresh failed:</b> {type(exc).__name__}")

    def export_table(values: dict) -> Any:
        path = controller.export_markdown(filters_from(values), bool(values[export_details]))
        return gr.update(value=path, visible=True)

    def details_of(model_type: str | None, values: dict) -> tuple:
        # The table and the picker show printable model types; map one back to the model it stands for.
        model_type = next((m.model_type for m in controller.data.inventory.models
                           if printable(m.model_type) == model_type), model_type)
        model = controller.data.inventory.get(model_type or "")
        heading = "### " + (f"{STATUS_MARKS[model.status]} {md_escape(model.name)}" if model else "Model details")
        filters = filters_from(values)
        text = detail_markdown(controller.data, model_type or "", filters.vram_budget_gb, filters.ram_budget_gb)
        return printable(heading), markdown_html(text)

    def show_details(values: dict) -> tuple:
        return details_of(values[model_pick], values)

    def show_model(model_type: str, values: dict) -> tuple:
        return (gr.update(choices=every_pick(controller.data), value=printable(model_type)),
                *details_of(printable(model_type), values))

    def select_row(values: dict, evt: gr.SelectData) -> tuple:
        row = evt.row_value if isinstance(evt.row_value, (list, tuple)) else []
        column = TABLE_COLUMNS.index("Model type")
        model_type = str(row[column]) if len(row) > column else None
        return (gr.update(value=model_type), *details_of(model_type, values))

    def select_range(values: dict, evt: gr.SelectData) -> tuple:
        """A range dragged across the chart opens the fastest model in it (native plots select ranges, not
        points)."""
        low, high = (evt.index if isinstance(evt.index, (list, tuple)) and len(evt.index) == 2 else (0, -1))
        filters = filters_from(values)
        shown = chart_of(controller.data, select_models(controller.data, filters), filters.vram_budget_gb,
                         filters.ram_budget_gb)
        model_type = chart_view.model_in_range(shown.frame, float(low), float(high))
        if not model_type:
            return gr.update(), gr.update(), gr.update()
        return (gr.update(value=model_type), *details_of(model_type, values))

    outputs = [summary, table, family, model_pick, legend, budget_pick, chart_box, chart]
    guarded_render = guarded(render, len(outputs), 0, as_html=True)
    refresh.click(guarded(refreshed, len(outputs), 0, as_html=True), inputs, outputs)
    chart_box.expand(lambda: True, None, chart_open, **FAST).then(guarded(chart_points, 1, 0), inputs, chart, **FAST)
    chart_box.collapse(lambda: False, None, chart_open, **FAST)
    for widget in inputs - {opened, chart_open}:
        widget.change(guarded_render, inputs, outputs, trigger_mode="always_last", **FAST)
    # A budget button writes its value into the VRAM field in the browser; that field's change renders (and the
    # buttons then show the typed value when it is one of theirs). The buttons listen to the user only: no loop.
    budget_pick.input(None, budget_pick, vram, js="(value) => value")
    opened.change(on_open, inputs, outputs)
    export.click(guarded(export_table, 1, 0), inputs | {export_details}, export_file)
    table.select(guarded(select_row, 3, 2), inputs, [model_pick, title, details], **FAST).then(
        None, None, None, js=SCROLL_TO.format(selector="#mt-details"))
    chart.select(guarded(select_range, 3, 2), inputs, [model_pick, title, details]).then(
        None, None, None, js=SCROLL_TO.format(selector="#mt-details"))
    model_pick.input(guarded(show_details, 2, 1), inputs | {model_pick}, [title, details], **FAST)
    back.click(None, None, None, js=SCROLL_TO.format(selector="#model-tracker"))
    table.change(None, None, None, js=HEADER_HELP_JS.format(help=json.dumps(COLUMN_HELP, ensure_ascii=False)))

    tab = TrackerTab(summary=summary, table=table, family=family, model_pick=model_pick,
                     details=details, legend=legend, budget_pick=budget_pick, chart_box=chart_box, chart=chart,
                     opened=opened, inputs=inputs,
                     refreshed=refreshed, render_for=render_for, open=on_open, title=title, show_model=show_model)
    return tab

