"""Markdown out of records: escaping for text from definition files, the inventory report, a model's files."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .. import __version__
from ..records import Inventory, ModelRecord
from .formatting import format_gb, printable, status_label
from .renderers import legend, shared_tools_line, summary_line, table_rows

_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"} | {"\n": " ", "\r": " "})


def md_escape(text: str) -> str:
    """Text from definition files made inert inside Markdown (and its table cells)."""
    return str(text).translate(_MD_SPECIAL)


def md_code(text: str) -> str:
    """Text as an inline code span that no input can close early.

    Backslash escapes do not work inside code spans; instead the fence is one backtick longer
    than the longest run of backticks in the text (CommonMark ends a span only at a run of
    exactly the fence's length), and padded with spaces, which the renderer strips again.
    """
    text = " ".join(str(text).splitlines()) or " "
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    if longest == 0:
        return f"`{text}`"
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def render_markdown(
    inventory: Inventory,
    models: Sequence[ModelRecord] | None = None,
    metrics: Mapping[str, Any] | None = None,
    fits: Mapping[str, Any] | None = None,
    hardware_lines: Sequence[str] = (),
    filters_note: str = "",
    details: bool = False,
    measured: Mapping[str, Any] | None = None,
) -> str:
    """A Markdown inventory: date, settings, hardware, summary, the table and optional details; ``measured`` the
    peak measured on this machine per model type (⏱ in the VRAM column)."""
    chosen = list(inventory.models if models is None else models)
    settings = inventory.settings
    out = [
        "# Wan2GP model inventory",
        "",
        f"Generated {datetime.now():%Y-%m-%d %H:%M} by Wan2GP Model Tracker {__version__}; "
        f"scanned {inventory.scanned_at:%Y-%m-%d %H:%M:%S}.",
        "",
        "## Wan2GP settings",
        "",
        f"- Source: {md_escape(settings.source_detail)}",
        f"- Checkpoint folders: {', '.join(md_escape(r) for r in settings.checkpoint_roots) or 'none'}",
        f"- Transformer quantization: {md_escape(settings.transformer_quantization or 'bf16')}; "
        f"dtype policy: {md_escape(settings.transformer_dtype_policy or 'auto')} "
        f"({md_escape(settings.compute_dtype)}); "
        f"text encoder quantization: {md_escape(settings.text_encoder_quantization)}",
    ]
    if hardware_lines:
        out += ["", "## Hardware", ""] + [f"- {md_escape(line)}" for line in hardware_lines]
    out += ["", "## Summary", "", summary_line(inventory.summary())]
    if inventory.shared_files is not None:
        out += ["", md_escape(shared_tools_line(inventory))]
    if filters_note:
        out += ["", f"Table filtered: {md_escape(filters_note)} ({len(chosen)} of {len(inventory.models)} models)."]
    rows = table_rows(chosen, metrics, fits, measured)
    out += ["", "## Models", ""]
    if rows:
        columns = list(rows[0])
        out.append("| " + " | ".join(columns) + " |")
        out.append("|" + "|".join("---" for _ in columns) + "|")
        out += ["| " + " | ".join(md_escape(r[c]) for c in columns) + " |" for r in rows]
        out += ["", md_escape(legend(measured))]
    else:
        out.append("No model matches the filters.")
    if details:
        for model in chosen:
            out += ["", *model_detail_markdown(model)]
    if inventory.warnings:
        out += ["", "## Notes", ""] + [f"- {md_escape(w.message)}" for w in inventory.warnings]
    return printable("\n".join(out) + "\n")


COMPLETE_TEXT = {
    True: "Complete: a generation would download nothing.",
    False: "Not complete: a generation would download the files marked ✗ first.",
    None: "Whether a generation would download more is unknown here (the family handler's own files are not "
          "known: open the Model Tracker tab inside Wan2GP once).",
}


def model_detail_markdown(model: ModelRecord) -> list[str]:
    lines = [
        f"### {md_escape(model.name)} ({md_code(model.model_type)})",
        "",
        f"{status_label(model.status)}: {md_escape(model.status_reason)}",
        "",
    ]
    if model.completeness_note:
        lines += [f"⚠ {md_escape(model.completeness_note)}", ""]
    lines += [f"{COMPLETE_TEXT[model.complete]}", ""]
    for f in model.files:
        mark = "✓" if f.present else "✗"
        size = format_gb(f.size_bytes, f.size_is_estimate) + (" exact, from the Hub" if f.size_source == "hub" else "")
        kind = " folder" if f.is_folder else ""
        lines.append(f"- {mark} {f.role.label}{kind}: {md_escape(f.filename)} ({size}) — {md_code(f.path)}")
        lines += [f"  - ⚠ {md_escape(w)}" for w in f.warnings]
        lines += [f"  - also on disk: {md_escape(v.filename)} ({md_escape(v.variant or '16-bit')}, "
                  f"{format_gb(v.size_bytes)})"
                  for v in f.other_variants]
    lines += [f"- error: {md_escape(e)}" for e in model.errors]
    lines += [f"- note: {md_escape(w)}" for w in model.warnings]
    return lines
