"""Turn an Inventory into JSON, CSV or a terminal table (Markdown: markdown.py).

Renderers only read records; they never scan. Metrics and fit verdicts are optional extras
keyed by model type, so the same functions serve the command line and the tab's export.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

from .. import __version__
from ..records import FileRecord, Inventory, MeasuredPeak, ModelRecord, ModelStatus, ScanSettings, Summary
from .formatting import (
    LEGEND_MARKS,
    MEASURED_MARK,
    TERMINAL_LEGEND,
    csv_cell,
    download_cell,
    format_gb,
    format_in_unit,
    printable,
    size_unit,
    status_cell,
    status_marks,
    terminal_text,
)
from .terminal import Column, table_lines, wrap_lines, wrap_text


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
        "size_source": record.size_source,
        "size_basis": record.size_basis,
        "is_folder": record.is_folder,
        "warnings": list(record.warnings),
        "other_variants_on_disk": [
            {"filename": v.filename, "path": v.path, "size_bytes": v.size_bytes, "variant": v.variant}
            for v in record.other_variants
        ],
    }


def model_dict(model: ModelRecord, metrics: Any = None, fit: Any = None,
               measured: MeasuredPeak | None = None) -> dict[str, Any]:
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
        "complete": model.complete,
        "completeness_note": model.completeness_note,
        "handler_files_known": model.handler_files_known,
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
    data["measured_peak"] = asdict(measured) if measured is not None else None
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
        "shared_tools_missing": summary.shared_missing,
        "shared_tools_bytes_to_download": summary.shared_bytes_to_download,
        "shared_tools_download_is_estimate": summary.shared_download_is_estimate,
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
    measured: Mapping[str, MeasuredPeak] | None = None,
) -> dict[str, Any]:
    """The JSON contract other tools read (documented in docs/json-contract.md); ``measured``: per model type,
    the peak measured on this machine that its verdict used."""
    chosen = inventory.models if models is None else models
    metrics = metrics or {}
    fits = fits or {}
    measured = measured or {}
    return {
        "tool": {"name": "wan2gp-model-tracker", "version": __version__},
        "generated_at": inventory.scanned_at.isoformat(timespec="seconds"),
        "settings": settings_dict(inventory.settings),
        "summary": summary_dict(inventory.summary()),
        "models": [model_dict(m, metrics.get(m.model_type), fits.get(m.model_type), measured.get(m.model_type))
                   for m in chosen],
        "shared_tools": None if inventory.shared_files is None else {
            "line": shared_tools_line(inventory),
            "files": [_file_dict(f) for f in inventory.shared_files],
        },
        "warnings": [{"message": w.message, "source": w.source} for w in inventory.warnings],
        "incomplete_downloads": [
            {"filename": d.filename, "path": d.path, "bytes_so_far": d.bytes_so_far,
             "in_progress": d.in_progress, "modified": d.modified.isoformat(timespec="seconds")}
            for d in inventory.incomplete_downloads
        ],
    }


def render_json(inventory: Inventory, **extras: Any) -> str:
    return printable(json.dumps(inventory_dict(inventory, **extras), indent=2, ensure_ascii=False))


def _row(model: ModelRecord, metrics: Any, fit: Any, measured: MeasuredPeak | None = None,
         size_text: Any = format_gb) -> dict[str, str]:
    row = {
        "status": status_cell(model),
        "model_type": model.model_type,
        "name": model.name,
        "family": model.family,
        "output": model.output_type,
        "on disk": size_text(model.size_on_disk_bytes, False) if model.size_on_disk_bytes else "—",
        "to download": download_cell(model, size_text),
    }
    if metrics is not None:
        row.update(metrics.table_cells())
        if measured is not None:
            row["vram (GB)"] += f" {MEASURED_MARK}"
    if fit is not None:
        row["fit"] = fit.verdict
    if model.errors and model.status is not ModelStatus.ERROR:
        row["status"] += " (error)"
    return row


def table_rows(models: Sequence[ModelRecord], metrics: Mapping[str, Any] | None = None,
               fits: Mapping[str, Any] | None = None, measured: Mapping[str, MeasuredPeak] | None = None,
               size_text: Any = format_gb) -> list[dict[str, str]]:
    metrics = metrics or {}
    fits = fits or {}
    measured = measured or {}
    rows = [_row(m, metrics.get(m.model_type), fits.get(m.model_type), measured.get(m.model_type), size_text)
            for m in models]
    # Models without figures (a definition Wan2GP cannot load) still get every column.
    columns = list(dict.fromkeys(c for row in rows for c in row))
    return [row if len(row) == len(columns) else {c: row.get(c, "-") for c in columns} for row in rows]


# Raw CSV columns: figures as numbers (empty when unknown), never glyphs or units.
CSV_METRICS = ("speed_tier", "speed_multiplier", "vram_min_gb", "vram_recommended_gb", "ram_gb", "quality_tier",
               "best_for")


def csv_row(model: ModelRecord, metrics: Any = None, fit: Any = None,
            measured: MeasuredPeak | None = None) -> dict[str, Any]:
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
        "complete": "" if model.complete is None else model.complete,
    }
    if metrics is not None:
        row.update({name: "" if metrics.figure(name) is None else metrics.figure(name) for name in CSV_METRICS})
        row["figures_source"] = metrics.source
    row["fit"] = fit.verdict if fit is not None else ""
    row["measured_vram_peak_gb"] = measured.vram_peak_gb if measured is not None else ""
    row["measured_profile"] = measured.profile if measured is not None else ""
    return row


def render_csv(inventory: Inventory, models: Sequence[ModelRecord] | None = None,
               metrics: Mapping[str, Any] | None = None, fits: Mapping[str, Any] | None = None,
               measured: Mapping[str, MeasuredPeak] | None = None) -> str:
    """One row per model with raw values (status word, bytes as integers, GB as numbers)."""
    metrics, fits, measured = metrics or {}, fits or {}, measured or {}
    rows = [csv_row(m, metrics.get(m.model_type), fits.get(m.model_type), measured.get(m.model_type))
            for m in (inventory.models if models is None else models)]
    out = io.StringIO()
    if rows:
        fields = max((list(r) for r in rows), key=len)  # models without metrics have fewer keys
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


# Terminal columns in display order; the essential ones stay while they fit at all, the rest when there is room.
_COLUMNS = (
    Column("mark", "", essential=True), Column("name", "name", essential=True, wrap=True),
    Column("model_type", "model type", wrap=True), Column("status", "status"),
    Column("on disk", "on disk ({unit})", essential=True, justify="right"),
    Column("to download", "to download ({unit})", essential=True, justify="right"),
    Column("vram (GB)", "vram (GB)", essential=True, justify="right"), Column("fit", "fit", essential=True),
    Column("speed", "speed"), Column("quality", "quality"), Column("ram (GB)", "ram (GB)", justify="right"),
    Column("family", "family"), Column("output", "output"), Column("best for", "best for", wrap=True),
    Column("figures", "figures"),
)
_PRIORITY = ("mark", "name", "on disk", "to download", "vram (GB)", "fit", "model_type", "speed", "quality",
             "status", "ram (GB)", "output", "family", "best for", "figures")


def render_table(inventory: Inventory, models: Sequence[ModelRecord] | None = None, width: int | None = None,
                 details: bool = False, **extras: Any) -> str:
    """The summary, then an aligned table within ``width`` cells (None: every column), its legend, and with
    ``details`` each model's files."""
    chosen = list(inventory.models if models is None else models)
    summary = inventory.summary()
    lines = wrap_text(summary_line(summary), width)
    if inventory.shared_files is not None:
        lines += wrap_text(shared_tools_line(inventory), width)
    lines.append("")
    unit, factor = size_unit([summary.bytes_on_disk, *(m.download_bytes for m in chosen)])
    rows = [{k: terminal_text(v) for k, v in row.items()}
            for row in table_rows(chosen, size_text=lambda b, e: format_in_unit(b, factor, e), **extras)]
    for row, model in zip(rows, chosen, strict=True):
        row["mark"] = status_marks(model)
        row["status"] = model.status.value
    if rows:
        columns = [replace(c, header=c.header.format(unit=unit)) for c in _COLUMNS if c.key in rows[0]]
        table = table_lines(rows, columns, width, _PRIORITY)
        lines += table.lines
        lines += wrap_text(legend(extras.get("measured"), TERMINAL_LEGEND), width)
        if table.hidden:
            lines += wrap_text(f"(hidden to fit {width} columns: {', '.join(table.hidden)}; --wide shows them)",
                               width)
    else:
        lines.append("No model matches.")
    if details:
        for model in chosen:
            lines += ["", *wrap_lines(model_detail_text(model), width, "    ")]
    for warning in inventory.warnings:
        lines += wrap_text(f"note: {terminal_text(warning.message)}", width, indent="  ")
    return "\n".join(lines) + "\n"


def legend(measured: Mapping[str, MeasuredPeak] | None = None, marks: str = LEGEND_MARKS) -> str:
    """The marks under a table; ⏱ only when some row carries it."""
    return marks + (f" · {MEASURED_MARK} measured on this machine" if measured else "")


def model_detail_text(model: ModelRecord) -> list[str]:
    """One model's files for a terminal: what is there, what is missing, where."""
    t = terminal_text
    lines = [f"{t(model.name)} ({t(model.model_type)}): {status_cell(model)}, {t(model.status_reason)}"]
    for f in model.files:
        mark = "✓" if f.present else "✗"
        lines.append(f"  {mark} {f.role.label}: {t(f.filename)} ({format_gb(f.size_bytes, f.size_is_estimate)}) "
                     f"{t(f.path)}")
        lines += [f"      ⚠ {t(w)}" for w in f.warnings]
    lines += [f"  error: {t(e)}" for e in model.errors]
    lines += [f"  note: {t(w)}" for w in model.warnings]
    return lines


def summary_line(summary: Summary) -> str:
    return (
        f"{summary.total} models: {summary.downloaded} downloaded, {summary.partial} partial, "
        f"{summary.missing} missing"
        + (f", {summary.errors} unloadable (error)" if summary.errors else "")
        + (f", {summary.with_errors} with errors" if summary.with_errors else "")
        + f". On disk: {format_gb(summary.bytes_on_disk)}. Still to download for all: "
        + format_gb(summary.bytes_to_download, summary.download_is_estimate)
        + "."
    )


def shared_tools_line(inventory: Inventory) -> str:
    """The shared tools the first generation in this Wan2GP fetches, once for the install."""
    shared = inventory.shared_files
    if shared is None:
        return "The shared tools a first generation fetches are unknown here."
    missing = [f for f in shared if not f.present]
    if not missing:
        return f"The shared tools every first generation needs are all here ({len(shared)} items)."
    summary = inventory.summary()
    names = ", ".join(f.filename.rstrip("/") for f in missing[:6]) + (", ..." if len(missing) > 6 else "")
    known = len(missing) - summary.shared_unknown_sizes
    size = format_gb(summary.shared_bytes_to_download, summary.shared_download_is_estimate) if known else "size unknown"
    if known and summary.shared_unknown_sizes:
        size += f" plus {summary.shared_unknown_sizes} of unknown size"
    return (f"The first generation in this Wan2GP also fetches {len(missing)} shared tool"
            f"{'' if len(missing) == 1 else 's'} ({names}): {size}, once for the install.")
