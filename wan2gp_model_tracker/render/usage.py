"""Usage, disk and cleanup reports as terminal tables, Markdown, JSON or CSV.

Every string that comes from a file name or a definition goes through ``term_safe`` (terminal),
``md_escape`` (Markdown) or JSON's own escaping, so a crafted name cannot move the cursor,
recolour the terminal or break a table.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ..usage.cleanup import CleanupPlan, ExecutionResult
from ..usage.disk import DiskReport
from ..usage.report import MeasuredSpeed, Spread, UsageReport
from .formatting import format_gb
from .markdown import md_escape


def term_safe(text: Any) -> str:
    """Control characters (escape sequences, newlines, C1 codes) shown as visible escapes."""
    return "".join(c if unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in str(text))


def _spread(spread: Spread | None, unit: str) -> str:
    if spread is None:
        return "-"
    if spread.low == spread.high:
        return f"{spread.median:.3g} {unit}"
    return f"{spread.median:.3g} {unit} ({spread.low:.3g}–{spread.high:.3g})"


def measured_text(speed: MeasuredSpeed) -> str:
    """One line for a detail view: per generation, per step and normalised, with the number of runs."""
    parts = [f"{_spread(speed.seconds, 's')} per generation"]
    if speed.step_seconds is not None:
        parts.append(f"{_spread(speed.step_seconds, 's')} per step")
    if speed.normalized_step_seconds is not None:
        parts.append(f"{_spread(speed.normalized_step_seconds, 's')} per step at {speed.reference}")
    return "; ".join(parts) + f" — median (quartiles) over {speed.runs} run{'' if speed.runs == 1 else 's'}"


def usage_rows(report: UsageReport, names: Mapping[str, str], since_days: float | None = None) -> list[dict]:
    rows = []
    for model_type, usage in sorted(report.by_model(since_days).items(), key=lambda kv: -kv[1].generations):
        speed = usage.speed
        rows.append({
            "model_type": model_type,
            "name": names.get(model_type, ""),
            "generations": usage.generations,
            "last_used": usage.last_used.isoformat(sep=" ", timespec="minutes"),
            "runs_timed": speed.runs if speed else 0,
            "s_per_generation": _spread(speed.seconds, "s") if speed else "-",
            "s_per_step": _spread(speed.step_seconds, "s") if speed else "-",
            "s_per_step_at_reference": (_spread(speed.normalized_step_seconds, "s") + f" @ {speed.reference}"
                                        if speed and speed.normalized_step_seconds else "-"),
        })
    return rows


def _speed_dict(speed: MeasuredSpeed | None) -> dict | None:
    if speed is None:
        return None
    return {"runs": speed.runs, "reference_workload": speed.reference,
            **{key: None if s is None else {"median": s.median, "low": s.low, "high": s.high}
               for key, s in (("seconds_per_generation", speed.seconds), ("seconds_per_step", speed.step_seconds),
                              ("seconds_per_step_at_reference", speed.normalized_step_seconds))}}


def usage_dict(report: UsageReport, names: Mapping[str, str], since_days: float | None = None) -> dict:
    models = {}
    for model_type, usage in report.by_model(since_days).items():
        models[model_type] = {
            "name": names.get(model_type, ""), "generations": usage.generations,
            "last_used": usage.last_used.isoformat(timespec="seconds"), "loras": list(usage.loras),
            "measured_speed": _speed_dict(usage.speed),
            "measured_speed_by_profile": {p: _speed_dict(s) for p, s in usage.speed_by_profile.items()},
        }
    return {"output_folders": list(report.folders), "since_days": since_days, "files_seen": report.files_seen,
            "files_read": report.files_read, "skipped": dict(report.skipped), "postprocessed": report.postprocessed,
            "duplicates": report.duplicates, "models": models, "warnings": list(report.warnings)}


def usage_footer(report: UsageReport) -> list[str]:
    lines = [f"{len(report.generations)} generations in {', '.join(report.folders)}; {report.files_seen} files seen, "
             f"{report.files_read} read this time, {report.skipped_total} skipped"
             + (f", {report.postprocessed} post-processed copies not counted" if report.postprocessed else "")]
    lines += [f"skipped {count}: {reason}" for reason, count in sorted(report.skipped.items())]
    lines += [f"note: {w}" for w in report.warnings]
    return lines


def disk_rows(report: DiskReport) -> list[dict]:
    return [{"model_type": m.model_type, "name": m.name, "unique": format_gb(m.unique_bytes),
             "shared": format_gb(m.shared_bytes), "shared_with": ", ".join(m.shared_with) or "-",
             "files": len(m.files)}
            for m in sorted(report.models, key=lambda m: -m.unique_bytes)]


def disk_dict(report: DiskReport) -> dict:
    def place(p: Any) -> dict:
        return {"path": p.path, "files": p.files, "logical_bytes": p.logical_bytes,
                "physical_bytes": p.physical_bytes, "free_bytes": p.free_bytes}

    return {
        "wan2gp_dir": report.wan2gp_dir, "drives": [place(p) for p in report.drives],
        "roots": [place(p) for p in report.roots],
        "models": [{"model_type": m.model_type, "name": m.name, "unique_bytes": m.unique_bytes,
                    "shared_bytes": m.shared_bytes, "shared_with": list(m.shared_with), "files": list(m.files)}
                   for m in report.models],
        "orphans": [{"path": o.path, "size_bytes": o.size, "kind": o.kind, "modified": o.modified.isoformat(
            timespec="seconds"), "in_progress": o.in_progress, "reason": o.reason} for o in report.orphans],
        "other_variants": [{"path": v.path, "size_bytes": v.size, "variant": v.variant,
                            "model_types": list(v.model_types)} for v in report.other_variants],
        "warnings": list(report.warnings),
    }


def disk_extra_lines(report: DiskReport, markdown: bool = False) -> list[str]:
    return disk_place_lines(report, markdown) + disk_leftover_lines(report, markdown)


def disk_place_lines(report: DiskReport, markdown: bool = False) -> list[str]:
    """Bytes per drive and per checkpoint or LoRA folder."""
    esc = md_escape if markdown else term_safe
    bullet = "- " if markdown else "  "
    lines = ["", "Drives:" if not markdown else "**Drives**", ""]
    for p in report.drives:
        free = f", {format_gb(p.free_bytes)} free" if p.free_bytes is not None else ""
        lines.append(f"{bullet}{esc(p.path)}: {format_gb(p.physical_bytes)} in {p.files} files{free}")
    lines += ["", "Checkpoint and LoRA folders:" if not markdown else "**Checkpoint and LoRA folders**", ""]
    lines += [f"{bullet}{esc(p.path)}: {format_gb(p.physical_bytes)} in {p.files} files"
              + (f" ({format_gb(p.logical_bytes)} counting hard links twice)" if p.logical_bytes != p.physical_bytes
                 else "") for p in report.roots]
    return lines


def disk_leftover_lines(report: DiskReport, markdown: bool = False) -> list[str]:
    """Orphans, other variants and the scan's notes."""
    esc = md_escape if markdown else term_safe
    bullet = "- " if markdown else "  "
    now = report.scanned_at
    lines = ["", "Orphans (no current definition uses them):" if not markdown else "**Orphans**", ""]
    lines += [f"{bullet}{o.kind}: {esc(o.path)} ({format_gb(o.size)}, {(now - o.modified).days} days old"
              + (", download in progress" if o.in_progress else "") + ")" for o in report.orphans] or [f"{bullet}none"]
    lines += ["", "Other variants (not loaded under the current settings):" if not markdown
              else "**Other variants**", ""]
    lines += [f"{bullet}{esc(v.path)} ({v.variant or '16-bit'}, {format_gb(v.size)}; {esc(', '.join(v.model_types))})"
              for v in report.other_variants] or [f"{bullet}none"]
    lines += [f"note: {esc(w)}" for w in report.warnings]
    return lines


def plan_lines(plan: CleanupPlan, markdown: bool = False) -> list[str]:
    esc = md_escape if markdown else term_safe
    bullet = "- " if markdown else "  "
    lines = [f"{'### ' if markdown else ''}Cleanup plan {plan.digest}: {esc(plan.description)}", "",
             f"Frees {format_gb(plan.total_bytes)} ({plan.total_bytes:,} bytes) in {len(plan.files)} files:"]
    lines += [f"{bullet}{esc(f.path)} ({format_gb(f.size)}) — {esc(f.reason)}" for f in plan.files] or \
        [f"{bullet}nothing to remove"]
    if plan.kept:
        lines += ["", "Kept because another downloaded model needs them:"]
        lines += [f"{bullet}{esc(k.path)} ({format_gb(k.size)}) — needed by {esc(', '.join(k.needed_by))}"
                  for k in plan.kept]
    return lines


def execution_lines(result: ExecutionResult) -> list[str]:
    if result.refused:
        return [f"Nothing removed: {term_safe(result.refused)}"]
    verb = "moved to the trash" if result.mode == "trash" else "deleted"
    lines = [f"{len(result.removed)} files {verb}, {format_gb(result.freed_bytes)} freed (plan {result.plan_digest})."]
    lines += [f"  not removed: {term_safe(o.path)} — {term_safe(o.message)}" for o in result.problems]
    lines.append(f"Log: {term_safe(result.log_path)}")
    return lines


def render_rows(rows: Sequence[dict], fmt: str, empty: str = "Nothing to show.") -> str:
    """Rows as a Markdown table or CSV (terminal tables: render/terminal_reports.py)."""
    if fmt == "csv":
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return out.getvalue()
    if not rows:
        return empty + "\n"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(md_escape(str(r[c])) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def to_json(data: Any) -> str:
    # ASCII escapes keep C1 control characters in names from reaching the terminal raw.
    return json.dumps(data, indent=2, ensure_ascii=True)
