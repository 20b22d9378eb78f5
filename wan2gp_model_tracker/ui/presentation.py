"""What the tab shows around the table: the summary chips, the legend line, the header tooltips."""

from __future__ import annotations

import html

import pandas as pd
from markdown_it import MarkdownIt

from ..records import ModelStatus
from ..render.formatting import LEGEND_MARKS, STATUS_MARKS, format_gb, printable
from ..render.markdown import md_escape
from ..render.renderers import shared_tools_line
from .details import _plural, fit_budget_label
from .selection import Filters
from .table import TABLE_COLUMNS
from .tracker_data import TrackerData

# The marks are wrapped so the dark theme can outline the black one (see ``mark_html``).
LEGEND_TEXT = LEGEND_MARKS + " · ▶ open in Wan2GP · ↳ finetune of the base model above · ⏱ measured on this machine"


def mark_html(escaped: str) -> str:
    """``escaped`` (already HTML) with each status mark in a span the tab's CSS outlines on dark pages."""
    for mark in STATUS_MARKS.values():
        escaped = escaped.replace(mark, f'<span class="mt-mark">{mark}</span>')
    return escaped


LEGEND = mark_html(LEGEND_TEXT)
# Header tooltips: what each column means and how its marks read.
COLUMN_HELP = {
    "Status": "Wan2GP's own verdict for your quantization: 🟦 every file there, 🟨 some, ⬛ none; 🟥 Wan2GP cannot "
              "load the definition. ⚠: a file on disk looks damaged (truncated or unreadable); the status ignores it.",
    "Name": "▶ the model open in your generator tab; ↳ a finetune under its base model (Sort: family tree).",
    "Model type": "Wan2GP's id for the definition (the JSON file's name).",
    "Speed": "fast / medium / slow, judged within the model's own output type (video, image or audio), so an image "
             "model is not ranked against video ones; the multiplier against Wan2.1 t2v 14B is in the details "
             "(theoretical unless measured). * marks an estimated tier; ⏱ your own measured seconds per step.",
    "VRAM (GB)": "minimum-recommended VRAM; ~ marks an estimate from the architecture; ⏱ a peak measured on this "
                 "machine (in the details), which the fit verdict uses.",
    "Quality": "highest / high / medium / low from published comparisons; * marks an estimated tier.",
    "On disk": "bytes the files Wan2GP would load take on disk now.",
    "To download": "what a generation would fetch first; ~ estimated, ? size unknown (never counted as zero).",
    "Best for": "what the model is known to do well; the details have the full text and sources.",
    "Fit": "against the VRAM and RAM budgets (or this machine's): recommended = the default workload runs on the "
           "fastest Wan2GP memory profile that fits both; compatible = only with a change the details name (a "
           "leaner profile, a shorter clip, a lower resolution, int8 weights); incompatible = the details say "
           "whether VRAM or RAM fails, with both figures.",
}


# The fit cells are HTML (our own words, escaped): their colours come from CSS that reads on light and dark themes.
# Every other cell, names from definition files included, stays plain text.
HTML_COLUMNS = ("Fit",)
TABLE_DATATYPES = ["html" if c in HTML_COLUMNS else "str" for c in TABLE_COLUMNS]
# Fit verdicts coloured like the status marks: runs as is, needs a change, does not run.
FIT_CLASSES = {"recommended": "mt-fit-ok", "compatible": "mt-fit-change", "incompatible": "mt-fit-no"}


def _fit_html(verdict: str) -> str:
    kind = FIT_CLASSES.get(verdict)
    return f'<span class="mt-verdict {kind}">{html.escape(verdict)}</span>' if kind else html.escape(verdict)


def table_cells_html(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as the tab sends it: ``table.table_frame``'s plain cells, the fit verdicts wrapped for their CSS."""
    shown = frame.copy()
    shown["Fit"] = [_fit_html(cell) for cell in frame["Fit"]]
    return shown


# Raw HTML in the text is not passed through: every text from a definition file is already Markdown-escaped.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str) -> str:
    """Markdown the tab built (details, notes) as HTML, so the browser only has to place it."""
    return _MARKDOWN.render(text)


def _chip(text: str, kind: str = "", title: str = "") -> str:
    """One summary chip; every argument is escaped here, callers pass plain text."""
    attrs = f' class="mt-chip{" mt-" + kind if kind else ""}"' + (f' title="{html.escape(title)}"' if title else "")
    return f"<span{attrs}>{mark_html(html.escape(text))}</span>"


def summary_html(data: TrackerData, shown: int, budget_gb: float | None = None, ram_gb: float | None = None) -> str:
    """The summary as one line of chips; machine, catalog and notes sit in the chips' tooltips."""
    summary = data.inventory.summary()
    damaged = sum(len(m.damaged_files) for m in data.inventory.models)
    hidden = sum(1 for m in data.inventory.models if not m.visible)
    hw = data.hardware
    settings = data.inventory.settings
    chips = [
        _chip(f"{summary.total} models", "total", f"Catalog: {settings.source_detail}; quantization "
              f"{settings.transformer_quantization or 'bf16'}; scanned {data.inventory.scanned_at:%H:%M:%S}"),
        _chip(f"{STATUS_MARKS[ModelStatus.DOWNLOADED]} {summary.downloaded} downloaded", "downloaded"),
        _chip(f"{STATUS_MARKS[ModelStatus.PARTIAL]} {summary.partial} partial", "partial"),
        _chip(f"{STATUS_MARKS[ModelStatus.MISSING]} {summary.missing} missing", "missing"),
    ]
    if summary.errors:
        chips.append(_chip(f"{STATUS_MARKS[ModelStatus.ERROR]} {summary.errors} error", "error",
                           "definitions Wan2GP cannot load; open one for the message"))
    if damaged:
        chips.append(_chip(f"⚠ {_plural(damaged, 'file')} {'looks' if damaged == 1 else 'look'} damaged",
                           "damaged", "present on disk but shorter than their header promises or unreadable; "
                           "Status → ⚠ Damaged files lists them"))
    chips.append(_chip(f"showing {shown}", "shown",
                       f"{hidden} hidden in Wan2GP: More filters → Show hidden models" if hidden else ""))
    chips.append(_chip(f"{format_gb(summary.bytes_on_disk)} on disk", "disk", "each file once, however many "
                       "models share it"))
    chips.append(_chip(f"{format_gb(summary.bytes_to_download, summary.download_is_estimate)} to get",
                       "download", "every missing file of every model, each once; ~ marks an estimate"))
    # Short texts: every chip stays on one line at 1280 px, beside the budget buttons shown without a GPU.
    budget = data.budget(budget_gb)
    fit = f"fit: {budget:g} GB VRAM" + (f" / {ram_gb:g} GB RAM" if ram_gb else "") if budget \
        else "no GPU: pick a budget →" if not hw.gpu.gpus else "fit: set a VRAM budget"
    chips.append(_chip(fit, "fit", f"verdicts for {fit_budget_label(data, budget_gb, ram_gb)} · "
                       + " · ".join(hw.summary_lines()) + " (VRAM (GB) 0 = the largest GPU found)"))
    if data.inventory.shared_files is not None:
        missing_tools = [f for f in data.inventory.shared_files if not f.present]
        chips.append(_chip(f"+{_plural(len(missing_tools), 'tool')} on 1st run"
                           if missing_tools else "shared tools all here", "download" if missing_tools else "",
                           shared_tools_line(data.inventory)))
    notes = [w.message for w in data.inventory.warnings]
    if notes:
        chips.append(_chip(f"ℹ️ {_plural(len(notes), 'note')}", "notes", "\n".join(notes[:20])))
    return printable(f'<div class="mt-chips">{"".join(chips)}</div>')


def legend_markdown(shown: int, filters: Filters) -> str:
    """The line under the table: the legend, or why the table is empty."""
    if shown:
        return LEGEND
    why = filters.describe()
    return (f"**No model matches** {md_escape(why)}: clear the search or set the filters back to All."
            if why else "**No model to show**: this catalog is empty or every model is hidden in Wan2GP "
            "(More filters → Show hidden models).")
