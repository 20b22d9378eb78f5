"""The Gradio widgets of the Model Tracker tab. All decisions live in ui/view.py."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from .render.formatting import printable
from .render.renderers import md_code
from .ui.disk_panel import build_disk_panel
from .ui.downloads_panel import build_downloads_panel
from .ui.view import (
    ALL,
    FIT_CHOICES,
    SORT_CHOICES,
    TABLE_COLUMNS,
    Filters,
    TrackerController,
    detail_markdown,
    select_models,
    summary_markdown,
    table_frame,
)

HELP_TEXT = """
**Status** follows Wan2GP's own rule for the current quantization settings:
✓ **downloaded** — every file a generation loads is on disk;
◐ **partial** — some are (or only another quantization of the main weights is);
✗ **missing** — none of the main weights are; ⚠ **error** — Wan2GP cannot load the definition (the details
say why). Opening a row lists each file with its path and size.

**Figures**: speed, VRAM and quality come from a curated table with cited sources for the popular models.
Figures marked `*` are *estimated* from the architecture (parameters × bytes per parameter, default resolution
and steps). Sizes marked `~` are estimates for files not downloaded yet.

**Fit** compares a model's VRAM need with the budget (the largest detected GPU unless you set one):
*recommended* runs the model's default workload on the fastest Wan2GP memory profile that fits both VRAM and RAM
(the RAM field, else this machine's); *compatible* runs only with a change the details name (a leaner profile, a
shorter clip, a lower resolution, int8 weights); *incompatible* names the constraint that fails, with both figures.
Speed multipliers marked *theoretical* are derived from parameters and workload, not measured. Speed tiers follow
them per output type: video *fast* from 4×, *medium* from 0.75× Wan2.1 t2v 14B; images (one image against an
81-frame clip) *fast* from 60×, *medium* from 20×; audio by model size.

**⏱ Measured** speeds come from your own outputs: seconds per step scaled to Wan2GP's default workload (832×480,
81 frames for video; 1024×1024 for images), median over the runs counted in brackets.
"""
STATUS_CHOICES = [("All", ALL), ("✓ Downloaded", "downloaded"), ("◐ Partial", "partial"), ("✗ Missing", "missing"),
                  ("⚠ Error", "error")]
SPEED_CHOICES = [("All", ALL), ("Fast", "fast"), ("Medium", "medium"), ("Slow", "slow")]
QUALITY_CHOICES = [("All", ALL), ("Highest", "highest"), ("High", "high"), ("Medium", "medium"), ("Low", "low")]
# Fixed widths for the short columns keep "✓ downloaded" on one line; "Best for" takes the rest.
COLUMN_WIDTHS = ["10%", "16%", "12%", "6%", "8%", "7%", "7%", "8%", "17%", "9%"]
OUTPUT_CHOICES = [("All", ALL), ("Video", "video"), ("Image", "image"), ("Audio", "audio")]
log = logging.getLogger(__name__)


@dataclass
class TrackerTab:
    """The tab's components, kept so the plugin (or the standalone app) can route events to them.

    ``refreshed({widget: value})`` rescans with the widgets' values; ``render()`` rescans with
    the values last used, for host events that carry no widget values.
    """

    summary: Any
    table: Any
    shown: Any
    family: Any
    model_pick: Any
    details: Any
    accordion: Any
    export: Any
    inputs: set[Any]
    refreshed: Callable[..., tuple]
    render: Callable[..., tuple]

    @property
    def outputs(self) -> list[Any]:
        """What a full refresh updates, in the order ``render`` returns it."""
        return [self.summary, self.table, self.shown, self.family, self.model_pick, self.export]

    def error_outputs(self, message: str) -> tuple:
        """A message in the summary, everything else left as it was."""
        return (message, *(gr.update() for _ in self.outputs[1:]))


def _guarded(handler: Callable[..., tuple], count: int, message_at: int) -> Callable[..., tuple]:
    """A handler that shows its failure as a message in the tab instead of raising into Gradio."""

    @functools.wraps(handler)
    def run(*args: Any) -> tuple:
        try:
            return handler(*args)
        except Exception as exc:
            log.exception("Model Tracker: a tab event failed")
            outputs: list[Any] = [gr.update() for _ in range(count)]
            outputs[message_at] = printable(f"⚠ **Model Tracker:** {md_code(f'{type(exc).__name__}: {exc}')}")
            return tuple(outputs)

    return run


def build_tab(controller: TrackerController) -> TrackerTab:
    """Create the tab's components inside the current Gradio context and wire their events."""
    with gr.Column(elem_id="model-tracker"):
        with gr.Accordion("How to read this table", open=False):
            gr.Markdown(HELP_TEXT)
        summary = gr.Markdown("Scanning models…", elem_id="model-tracker-summary")
        with gr.Row():
            status = gr.Dropdown(STATUS_CHOICES, value=ALL, label="Status", elem_id="mt-status")
            speed = gr.Dropdown(SPEED_CHOICES, value=ALL, label="Speed", elem_id="mt-speed")
            quality = gr.Dropdown(QUALITY_CHOICES, value=ALL, label="Quality", elem_id="mt-quality")
            output = gr.Dropdown(OUTPUT_CHOICES, value=ALL, label="Output", elem_id="mt-output")
            family = gr.Dropdown([("All", ALL)], value=ALL, label="Family", elem_id="mt-family")
        with gr.Row():
            text = gr.Textbox(label="Search", placeholder="name, model type, family, description…",
                              elem_id="mt-search", scale=2)
            vram = gr.Number(value=0, minimum=0, maximum=256, step=1, label="VRAM budget in GB (0 = detected GPU)",
                             elem_id="mt-vram")
            ram = gr.Number(value=0, minimum=0, maximum=4096, step=1, label="RAM in GB (0 = this machine)",
                            elem_id="mt-ram")
            fit = gr.Dropdown([(label, key) for key, label in FIT_CHOICES.items()], value=ALL, label="Fit",
                              elem_id="mt-fit")
            sort_by = gr.Dropdown([(label, key) for key, label in SORT_CHOICES.items()], value="name",
                                  label="Sort by", elem_id="mt-sort")
            descending = gr.Checkbox(value=False, label="Reverse order", elem_id="mt-reverse")
        with gr.Row():
            refresh = gr.Button("Refresh", elem_id="mt-refresh", scale=0)
            export_details = gr.Checkbox(value=False, label="Include each model's files in the export",
                                         elem_id="mt-export-details")
            export = gr.DownloadButton("Export Markdown", value=None, elem_id="mt-export", scale=0)
        table = gr.Dataframe(headers=TABLE_COLUMNS, value=None, interactive=False, wrap=True, max_height=640,
                             column_widths=COLUMN_WIDTHS, elem_id="model-tracker-table")
        shown = gr.State([])
        with gr.Accordion("Model details", open=False, elem_id="mt-details") as accordion:
            model_pick = gr.Dropdown([], value=None, label="Model", elem_id="mt-model-pick")
            details = gr.Markdown("Select a model in the table to see its files and alternatives.",
                                  elem_id="mt-detail-text")
        downloads = build_downloads_panel(controller)
        with gr.Accordion("Disk & cleanup", open=False, elem_id="mt-disk"):
            build_disk_panel(controller)

    # Handlers take the widgets as a set: Gradio then passes one dict keyed by component.
    inputs = {status, speed, quality, output, family, fit, vram, ram, text, sort_by, descending, export_details}

    def filters_from(values: dict) -> Filters:
        budget = values[vram]
        return Filters(status=values[status] or ALL, speed=values[speed] or ALL, quality=values[quality] or ALL,
                       output=values[output] or ALL, family=values[family] or ALL, fit=values[fit] or ALL,
                       vram_budget_gb=float(budget) if budget else None, text=values[text] or "",
                       sort_by=values[sort_by] or "name", descending=bool(values[descending]),
                       ram_budget_gb=float(values[ram]) if values[ram] else None)

    def render_filters(filters: Filters, include_details: bool) -> tuple:
        data = controller.data
        controller.last_filters, controller.last_export_details = filters, include_details
        models = select_models(data, filters)
        families = sorted({m.family for m in data.inventory.models})
        family_value = filters.family if filters.family in families else ALL
        pick_choices = [(printable(f"{m.name} ({m.model_type})"), printable(m.model_type)) for m in models]
        return (
            summary_markdown(data, len(models), filters.vram_budget_gb, filters.ram_budget_gb),
            table_frame(models, data, filters.vram_budget_gb, filters.ram_budget_gb),
            [m.model_type for m in models],
            gr.update(choices=[("All", ALL)] + [(printable(f), printable(f)) for f in families], value=family_value),
            gr.update(choices=pick_choices),
            controller.export_markdown(filters, include_details),
        )

    def render(values: dict) -> tuple:
        return render_filters(filters_from(values), bool(values[export_details]))

    def refreshed(values: dict) -> tuple:
        controller.refresh()
        return render(values)

    def details_of(model_type: str | None, values: dict) -> tuple:
        # Choices carry printable model types; map one back to the model it stands for.
        model_type = next((m.model_type for m in controller.data.inventory.models
                           if printable(m.model_type) == model_type), model_type)
        model = controller.data.inventory.get(model_type or "")
        label = f"Model details — {model.name}" if model else "Model details"
        filters = filters_from(values)
        text = detail_markdown(controller.data, model_type or "", filters.vram_budget_gb, filters.ram_budget_gb)
        return gr.update(open=model is not None, label=label), text

    def show_details(values: dict) -> tuple:
        return details_of(values[model_pick], values)

    def select_row(values: dict, evt: gr.SelectData) -> tuple:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        shown_types = values[shown]
        model_type = shown_types[row] if isinstance(row, int) and 0 <= row < len(shown_types) else None
        return (gr.update(value=printable(model_type) if model_type else None), *details_of(model_type, values))

    outputs = [summary, table, shown, family, model_pick, export]
    refresh.click(_guarded(refreshed, len(outputs), 0), inputs, outputs)
    for widget in inputs:
        widget.change(_guarded(render, len(outputs), 0), inputs, outputs, trigger_mode="always_last")
    table.select(_guarded(select_row, 3, 2), inputs | {shown}, [model_pick, accordion, details])
    model_pick.input(_guarded(show_details, 2, 1), inputs | {model_pick}, [accordion, details])

    def render_current() -> tuple:
        """A rescan shown with the filters last used (host events carry no widget values)."""
        controller.refresh()
        return render_filters(controller.last_filters, controller.last_export_details)

    # When a queued model's files are all in place, its row turns downloaded.
    downloads.models_ready.change(render_current, None, outputs)

    return TrackerTab(summary=summary, table=table, shown=shown, family=family, model_pick=model_pick,
                      details=details, accordion=accordion, export=export, inputs=inputs,
                      refreshed=refreshed, render=render_current)
