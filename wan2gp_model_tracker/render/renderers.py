"""Turn an Inventory into JSON, CSV, a terminal table or a Markdown report.

Renderers only read records; they never scan. Metrics and fit verdicts are optional extras
keyed by model type, so the same functions serve the command line and the tab's export.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .. import __version__
from .formatting import LEGEND_MARKS, download_cell, format_gb, status_label
from .terminal import fit_table, wrap_text
from ..records import FileRecord, Inventory, ModelRecord, ScanSettings, Summary

_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"} | {"\n": " ", "\r": " "})


def md_escape(text: str) -> str:
    """Text from definition files made inert inside Markdown (and its table cells)."""
    return str(text).translate(_MD_SPECIAL)


def md_code(text: str) -> str:
    """Text as an inline code span; backslash escapes do not work there, so the fence adapts instead."""
    text = str(text).replace("\n", " ")
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _file_dict(record: FileRecord) -> dict[str, Any]:
    return {
        "filename": record.filename,
        "url": record.url,
        "role": record.role.value,
        "variant": record.variant,
        "status": record.status.value,
        "path": record.path,
        "size_bytes": record.size_bytes,
        "size_is_estimate": record.size_is_estimate,
        "size_basis": record.size_basis,
        "warnings": list(record.warnings),
        "other_variants_on_disk": [
            {"filename": v.filename, "path": v.path, "size_bytes": v.size_bytes, "variant": v.variant}
            for v in record.other_variants
        ],
    }


def model_dict(model: ModelRecord, metrics: Any = None, fit: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "model_type": model.model_type,
        "name": model.name,
        "architecture": model.architecture,
        "family": model.family,
        "output_type": model.output_type,
        "status": model.status.value,
        "status_reason": model.status_reason,
        "is_finetune": model.is_finetune,
        "visible": model.visible,
        "definition_path": model.definition_path,
        "size_on_disk_bytes": model.size_on_disk_bytes,
        # null, never 0, when some file's size is unknown; download_unknown_files says how many.
        "download_bytes": model.download_bytes if model.download_size_known else None,
        "download_is_estimate": model.download_is_estimate,
        "download_unknown_files": sum(1 for f in model.missing_files if f.size_bytes is None),
        "damaged_files": len(model.damaged_files),
        "files": [_file_dict(f) for f in model.files],
        "errors": list(model.errors),
        "warnings": list(model.warnings),
    }
    if metrics is not None:
        data["metrics"] = metrics.as_contract()
    if fit is not None:
        data["fit"] = fit.as_contract()
    return data


def summary_dict(summary: Summary) -> dict[str, Any]:
    return {
        "total": summary.total,
        "downloaded": summary.downloaded,
        "partial": summary.partial,
        "missing": summary.missing,
        "errors": summary.errors,
        "with_errors": summary.with_errors,
        "bytes_on_disk": summary.bytes_on_disk,
        "bytes_to_download": summary.bytes_to_download,
        "download_is_estimate": summary.download_is_estimate,
    }


def settings_dict(settings: ScanSettings) -> dict[str, Any]:
    return {
        "source": settings.source,
        "source_detail": settings.source_detail,
        "wan2gp_dir": settings.wan2gp_dir,
        "checkpoint_roots": list(settings.checkpoint_roots),
        "quantization": settings.transformer_quantization,
        "dtype_policy": settings.transformer_dtype_policy,
        "compute_dtype": settings.compute_dtype,
        "text_encoder_quantization": settings.text_encoder_quantization,
        "loras_root": settings.loras_root,
    }


def inventory_dict(
    inventory: Inventory,
    models: Sequence[ModelRecord] | None = None,
    metrics: Mapping[str, Any] | None = None,
    fits: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON contract other tools read (documented in docs/json-contract.md)."""
    chosen = inventory.models if models is None else models
    metrics = metrics or {}
    fits = fits or {}
    return {
        "tool": {"name": "wan2gp-model-tracker", "version": __version__},
        "generated_at": inventory.scanned_at.isoformat(timespec="seconds"),
        "settings": settings_dict(inventory.settings),
        "summary": summary_dict(inventory.summary()),
        "models": [model_dict(m, metrics.get(m.model_type), fits.get(m.model_type)) for m in chosen],
        "warnings": [{"message": w.message, "source": w.source} for w in inventory.warnings],
        "incomplete_downloads": [
            {"filename": d.filename, "path": d.path, "bytes_so_far": d.bytes_so_far,
             "in_progress": d.in_progress, "modified": d.modified.isoformat(timespec="seconds")}
            for d in inventory.incomplete_downloads
        ],
    }


def render_json(inventory: Inventory, **extras: Any) -> str:
    return json.dumps(inventory_dict(inventory, **extras), indent=2, ensure_ascii=False)


def _row(model: ModelRecord, metrics: Any, fit: Any) -> dict[str, str]:
    row = {
        "status": status_label(model.status, bool(model.damaged_files)),
        "model_type": model.model_type,
        "name": model.name,
        "family": model.family,
        "output": model.output_type,
        "on disk": format_gb(model.size_on_disk_bytes) if model.size_on_disk_bytes else "—",
        "to download": download_cell(model),
    }
    if metrics is not None:
        row.update(metrics.table_cells())
    if fit is not None:
        row["fit"] = fit.verdict
    if model.errors:
        row["status"] += " (error)"
    return row


def table_rows(models: Sequence[ModelRecord], metrics: Mapping[str, Any] | None = None,
               fits: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    metrics = metrics or {}
    fits = fits or {}
    return [_row(m, metrics.get(m.model_type), fits.get(m.model_type)) for m in models]


# Raw CSV columns: figures as numbers (empty when unknown), never glyphs or units.
CSV_METRICS = ("speed_tier", "speed_multiplier", "vram_min_gb", "vram_recommended_gb", "ram_gb", "quality_tier",
               "best_for")


def csv_row(model: ModelRecord, metrics: Any = None, fit: Any = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "status": model.status.value,
        "damaged_files": len(model.damaged_files),
        "model_type": model.model_type,
        "name": model.name,
        "family": model.family,
        "output": model.output_type,
        "visible": model.visible,
        "on_disk_bytes": model.size_on_disk_bytes,
        "download_bytes": model.download_bytes if model.download_size_known else "",
        "download_is_estimate": model.download_is_estimate,
        "download_unknown_files": sum(1 for f in model.missing_files if f.size_bytes is None),
    }
    if metrics is not None:
        row.update({name: "" if metrics.figure(name) is None else metrics.figure(name) for name in CSV_METRICS})
        row["figures_source"] = metrics.source
    row["fit"] = fit.verdict if fit is not None else ""
    return row


def render_csv(inventory: Inventory, models: Sequence[ModelRecord] | None = None,
               metrics: Mapping[str, Any] | None = None, fits: Mapping[str, Any] | None = None) -> str:
    """One row per model with raw values (status word, bytes as integers, GB as numbers)."""
    metrics, fits = metrics or {}, fits or {}
    rows = [csv_row(m, metrics.get(m.model_type), fits.get(m.model_type))
            for m in (inventory.models if models is None else models)]
    out = io.StringIO()
    if rows:
        fields = max((list(r) for r in rows), key=len)  # models without metrics have fewer keys
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


# Terminal columns by value, least first: what goes when the terminal is too narrow.
DROP_ORDER = ("figures", "ram (GB)", "best for", "family", "output", "quality", "speed", "on disk", "fit",
              "vram (GB)", "to download")
KEEP = ("status", "model_type", "name")


def render_table(inventory: Inventory, models: Sequence[ModelRecord] | None = None, width: int | None = None,
                 details: bool = False, **extras: Any) -> str:
    """An aligned table for terminals fitting ``width`` cells (None: every column), a legend, the summary
    line, and with ``details`` each model's files."""
    chosen = list(inventory.models if models is None else models)
    rows = table_rows(chosen, **extras)
    lines: list[str] = []
    if rows:
        fitted = fit_table(rows, list(rows[0]), width, DROP_ORDER, KEEP)
        lines += fitted.lines
        lines += wrap_text(LEGEND_MARKS, width)
        if fitted.hidden:
            lines += wrap_text(f"(hidden to fit {width} columns: {', '.join(fitted.hidden)}; --wide shows them)",
                               width)
    else:
        lines.append("No model matches.")
    if details:
        for model in chosen:
            lines += ["", *model_detail_text(model)]
    lines.append("")
    lines += wrap_text(summary_line(inventory.summary()), width)
    for warning in inventory.warnings:
        lines += wrap_text(f"note: {warning.message}", width, indent="  ")
    return "\n".join(lines) + "\n"


def model_detail_text(model: ModelRecord) -> list[str]:
    """One model's files for a terminal: what is there, what is missing, where."""
    lines = [f"{model.name} ({model.model_type}): {status_label(model.status, bool(model.damaged_files))}, "
             f"{model.status_reason}"]
    for f in model.files:
        mark = "✓" if f.present else "✗"
        lines.append(f"  {mark} {f.role.label}: {f.filename} ({format_gb(f.size_bytes, f.size_is_estimate)}) "
                     f"{f.path}")
        lines += [f"      ⚠ {w}" for w in f.warnings]
    lines += [f"  error: {e}" for e in model.errors]
    lines += [f"  note: {w}" for w in model.warnings]
    return lines


def summary_line(summary: Summary) -> str:
    return (
        f"{summary.total} models: {summary.downloaded} downloaded, {summary.partial} partial, "
        f"{summary.missing} missing"
        + (f", {summary.with_errors} with errors" if summary.with_errors else "")
        + f". On disk: {format_gb(summary.bytes_on_disk)}. Still to download for all: "
        + format_gb(summary.bytes_to_download, summary.download_is_estimate)
        + "."
    )


def render_markdown(
    inventory: Inventory,
    models: Sequence[ModelRecord] | None = None,
    metrics: Mapping[str, Any] | None = None,
    fits: Mapping[str, Any] | None = None,
    hardware_lines: Sequence[str] = (),
    filters_note: str = "",
    details: bool = False,
) -> str:
    """A Markdown inventory: date, settings, hardware, summary, the table and optional details."""
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
        f"dtype policy: {md_escape(settings.transformer_dtype_policy or 'auto')} ({settings.compute_dtype}); "
        f"text encoder quantization: {md_escape(settings.text_encoder_quantization)}",
    ]
    if hardware_lines:
        out += ["", "## Hardware", ""] + [f"- {md_escape(line)}" for line in hardware_lines]
    out += ["", "## Summary", "", summary_line(inventory.summary())]
    if filters_note:
        out += ["", f"Table filtered: {md_escape(filters_note)} ({len(chosen)} of {len(inventory.models)} models)."]
    rows = table_rows(chosen, metrics, fits)
    out += ["", "## Models", ""]
    if rows:
        columns = list(rows[0])
        out.append("| " + " | ".join(columns) + " |")
        out.append("|" + "|".join("---" for _ in columns) + "|")
        out += ["| " + " | ".join(md_escape(r[c]) for c in columns) + " |" for r in rows]
        out += ["", md_escape(LEGEND_MARKS)]
    else:
        out.append("No model matches the filters.")
    if details:
        for model in chosen:
            out += ["", *model_detail_markdown(model)]
    if inventory.warnings:
        out += ["", "## Notes", ""] + [f"- {md_escape(w.message)}" for w in inventory.warnings]
    return "\n".join(out) + "\n"


def model_detail_markdown(model: ModelRecord) -> list[str]:
    lines = [
        f"### {md_escape(model.name)} ({md_code(model.model_type)})",
        "",
        f"{status_label(model.status)}: {md_escape(model.status_reason)}",
        "",
    ]
    for f in model.files:
        mark = "✓" if f.present else "✗"
        size = format_gb(f.size_bytes, f.size_is_estimate)
        lines.append(f"- {mark} {f.role.label}: {md_escape(f.filename)} ({size}) — {md_code(f.path)}")
        lines += [f"  - ⚠ {md_escape(w)}" for w in f.warnings]
        lines += [f"  - also on disk: {md_escape(v.filename)} ({v.variant or '16-bit'}, {format_gb(v.size_bytes)})"
                  for v in f.other_variants]
    lines += [f"- error: {md_escape(e)}" for e in model.errors]
    lines += [f"- note: {md_escape(w)}" for w in model.warnings]
    return lines


def recommendations_dict(result: Any) -> dict[str, Any]:
    return {
        "vram_budget_gb": result.vram_budget_gb,
        "ram_gb": result.ram_gb,
        "tasks": [
            {"output_type": group.output_type, "task": group.task, "picks": [
                {"model_type": p.model_type, "name": p.name, "status": p.status.value, "fit": p.fit.as_contract(),
                 "download_gb": p.download_gb, "download_is_estimate": p.download_is_estimate,
                 "quality_tier": p.quality_tier, "speed_tier": p.speed_tier, "metrics_source": p.metrics_source}
                for p in group.picks]}
            for group in result.groups
        ],
        "suggestions": [{"title": s.title, "detail": s.detail, "source": s.source} for s in result.suggestions],
    }


def render_recommendations(result: Any, fmt: str = "table") -> str:
    """Recommendations per task (from recommendations.recommend) as text, Markdown or JSON."""
    if fmt == "json":
        return json.dumps(recommendations_dict(result), indent=2, ensure_ascii=False)
    markdown = fmt == "markdown"
    esc = md_escape if markdown else str
    ram = f", {result.ram_gb:g} GB RAM" if result.ram_gb else ""
    lines = [f"{'# ' if markdown else ''}Best models for {result.vram_budget_gb:g} GB of VRAM{ram}", ""]
    for group in result.groups:
        lines.append(f"{'## ' if markdown else ''}{group.output_type} — {group.task}")
        for pick in group.picks:
            if pick.downloaded:
                cost = "ready"
            elif pick.download_gb is None:
                cost = "download size unknown"
            else:
                cost = f"{'~' if pick.download_is_estimate else ''}{pick.download_gb:g} GB to download"
            lines.append(f"{'-' if markdown else ' '} {status_label(pick.status)} {esc(pick.name)} "
                         f"({esc(pick.model_type)}): {pick.fit.verdict}, {cost}; quality {pick.quality_tier or '?'}, "
                         f"speed {pick.speed_tier or '?'}"
                         + (f" — {esc(pick.fit.profile_hint)}" if pick.fit.profile_hint else ""))
        lines.append("")
    if result.suggestions:
        lines.append(f"{'## ' if markdown else ''}Suggestions")
        lines += [f"{'-' if markdown else ' '} {esc(s.title)}: {esc(s.detail)} (source: {esc(s.source)})"
                  for s in result.suggestions]
    return "\n".join(lines).rstrip() + "\n"
