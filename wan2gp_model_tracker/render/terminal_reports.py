"""The disk and usage reports as terminal text: a summary first, then a table within the width (one unit per
column), then the lists, every line wrapped at word boundaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..usage.disk import DiskReport
from ..usage.report import UsageReport
from .formatting import format_gb, format_in_unit, size_unit
from .terminal import Column, table_lines, wrap_lines, wrap_text
from .usage import disk_leftover_lines, disk_place_lines, term_safe, usage_footer, usage_rows


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def disk_summary(report: DiskReport) -> str:
    unique = sum(m.unique_bytes for m in report.models)
    shared = sum(m.shared_bytes for m in report.models)
    orphans = sum(o.size for o in report.orphans)
    variants = sum(v.size for v in report.other_variants)
    return (f"{_plural(len(report.models), 'model')} with weights on disk: {format_gb(unique)} their own, "
            f"{format_gb(shared)} shared with others; {_plural(len(report.orphans), 'orphan')} "
            f"({format_gb(orphans)}); {_plural(len(report.other_variants), 'other variant')} ({format_gb(variants)}).")


_DISK_COLUMNS = (Column("name", "name", essential=True, wrap=True), Column("model_type", "model type", wrap=True),
                 Column("unique", "unique ({unit})", essential=True, justify="right"),
                 Column("shared", "shared ({unit})", essential=True, justify="right"),
                 Column("files", "files", justify="right"), Column("shared_with", "shared with", wrap=True))
_DISK_PRIORITY = ("name", "unique", "shared", "model_type", "files", "shared_with")


def disk_text(report: DiskReport, width: int | None) -> str:
    lines = wrap_text(disk_summary(report), width)
    lines += wrap_lines(disk_place_lines(report), width, "    ")
    lines.append("")
    models = sorted(report.models, key=lambda m: -m.unique_bytes)
    if models:
        unit, factor = size_unit([b for m in models for b in (m.unique_bytes, m.shared_bytes)])
        rows = [{"name": term_safe(m.name), "model_type": term_safe(m.model_type),
                 "unique": format_in_unit(m.unique_bytes, factor), "shared": format_in_unit(m.shared_bytes, factor),
                 "files": str(len(m.files)), "shared_with": term_safe(", ".join(m.shared_with)) or "—"}
                for m in models]
        columns = [Column(c.key, c.header.format(unit=unit), c.essential, c.wrap, c.justify) for c in _DISK_COLUMNS]
        lines += table_lines(rows, columns, width, _DISK_PRIORITY).lines
    else:
        lines.append("No model has its main weights on disk.")
    lines += wrap_lines(disk_leftover_lines(report), width, "    ")
    return "\n".join(lines) + "\n"


_USAGE_COLUMNS = (
    Column("name", "name", essential=True, wrap=True), Column("model_type", "model type", wrap=True),
    Column("generations", "generations", essential=True, justify="right"),
    Column("last_used", "last used", essential=True),
    Column("s_per_generation", "s per generation", essential=True, wrap=True),
    Column("runs_timed", "runs timed", justify="right"), Column("s_per_step", "s per step", wrap=True),
    Column("s_per_step_at_reference", "s per step at reference", wrap=True),
)
_USAGE_PRIORITY = ("name", "generations", "last_used", "s_per_generation", "model_type", "s_per_step",
                   "runs_timed", "s_per_step_at_reference")


def usage_text(report: UsageReport, names: Mapping[str, str], since_days: float | None, width: int | None) -> str:
    footer = [term_safe(line) for line in usage_footer(report)]
    lines = wrap_text(footer[0], width, "  ")
    rows: Sequence[dict] = usage_rows(report, names, since_days)
    if rows:
        cells = [{k: term_safe(v) for k, v in row.items()} for row in rows]
        lines += ["", *table_lines(cells, _USAGE_COLUMNS, width, _USAGE_PRIORITY).lines]
    else:
        lines += ["", "No generation found."]
    lines += wrap_lines(footer[1:], width, "  ")
    return "\n".join(lines) + "\n"
