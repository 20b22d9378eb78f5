"""What the Downloads panel shows, computed without Gradio: model choices, the plan, the queue's progress."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..downloads.fetch import FetchOptions, remote_metadata
from ..downloads.plan import DOWNLOAD, DownloadPlan, build_plan
from ..downloads.queue import JobState, QueueSnapshot
from ..downloads.reuse import ReuseIndex, default_sources
from ..records import Inventory, ModelStatus
from ..render.formatting import download_cell, format_gb, status_label
from ..render.markdown import md_code, md_escape

NO_LINK = "none"
LINK_CHOICES = [("Download everything", NO_LINK), ("Hard link (same drive, no extra space)", "hard"),
                ("Symbolic link", "sym"), ("Copy", "copy")]
# Exact sizes are asked of the server with this timeout while planning; a dead network keeps the estimates.
METADATA_TIMEOUT_SECONDS = 5.0


def downloadable_choices(inventory: Inventory) -> list[tuple[str, str]]:
    """Models with something to fetch, as (label, model type); sizes read as the table's (never 0 for unknown)."""
    return [(f"{status_label(m.status)} · {m.name} ({m.model_type}) · {download_cell(m)}", m.model_type)
            for m in inventory.models if m.status is not ModelStatus.ERROR and m.missing_files]


def file_choices(inventory: Inventory, model_types: Sequence[str]) -> list[tuple[str, str]]:
    """The missing files of the chosen models, each once, as (label, file name)."""
    names: dict[str, str] = {}
    for model_type in model_types:
        model = inventory.get(model_type)
        for f in model.missing_files if model is not None else ():
            size = format_gb(f.size_bytes, f.size_is_estimate)
            names.setdefault(f.filename, f"{f.filename} ({f.role.label}, {size})")
    return [(label, name) for name, label in names.items()]


def parse_folders(text: str) -> tuple[str, ...]:
    """One folder per line; blank lines ignored, ``~`` expanded."""
    return tuple(os.path.expanduser(line.strip()) for line in (text or "").splitlines() if line.strip())


def network_allowed() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() not in ("1", "true", "yes", "on")


def make_panel_plan(inventory: Inventory, model_types: Sequence[str], folders: Sequence[str],
                    link: str, only_files: Sequence[str] = ()) -> DownloadPlan:
    """The plan for the panel's choices: every missing file of the models, or only the files picked."""
    index = ReuseIndex(default_sources(inventory.settings.checkpoint_roots, folders))
    lookup = (lambda files: remote_metadata(files, FetchOptions(), METADATA_TIMEOUT_SECONDS)) \
        if network_allowed() else None
    return build_plan(inventory, model_types, only_files=set(only_files) or None, find_reuse=index.candidates,
                      link=None if link == NO_LINK else link, metadata=lookup)


def plan_markdown(plan: DownloadPlan) -> str:
    """The plan as the panel shows it: one row per file, reuse offers, totals and space problems."""
    if not plan.files and not plan.skipped:
        return "Nothing to download: every file these models need is on disk."
    rows = ["| File | Goes to | Size | How |", "|---|---|---|---|"]
    for f in plan.files:
        size = format_gb(f.size_bytes, f.size_is_estimate)
        if f.action == DOWNLOAD:
            how = "download" + (f" (a copy exists: {md_code(f.reuse[0].path)})" if f.reuse else "")
        else:
            how = f"{f.action} from {md_code(f.reuse_from)}"
        rows.append(f"| {md_escape(f.filename)} | {md_code(f.target)} | {size} | {how} |")
    rows += [f"| {md_escape(name)} | — | — | skipped: {md_escape(reason)} |" for name, reason in plan.skipped]
    estimate = any(f.size_is_estimate for f in plan.files if f.action == DOWNLOAD)
    lines = ["\n".join(rows), "", f"**To download:** {format_gb(plan.download_bytes, estimate)}"
             + (f" · **saved by reusing copies:** {format_gb(plan.saved_bytes)}" if plan.saved_bytes else "")]
    offers = sum(1 for f in plan.files if f.action == DOWNLOAD and any(c.size_confirmed for c in f.reuse))
    if offers:
        lines.append(f"💡 {offers} file(s) already exist elsewhere on this machine: choose a link or copy to "
                     "reuse them instead of downloading.")
    lines += [f"⚠ **Refused:** {md_escape(problem)}" for problem in plan.space_problems()]
    return "\n".join(lines)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _rate(bps: float) -> str:
    return f"{bps / 1e6:.1f} MB/s" if bps > 0 else "—"


def progress_markdown(snapshot: QueueSnapshot) -> str:
    """Per file and in total: bytes, rate, ETA and state."""
    if not snapshot.jobs:
        return "No downloads queued."
    rows = ["| File | Models | State | Progress | Rate | ETA |", "|---|---|---|---|---|---|"]
    for job in snapshot.jobs:
        total = format_gb(job.total_bytes) if job.total_bytes is not None else "?"
        percent = f" ({100 * job.bytes_done / job.total_bytes:.0f}%)" if job.total_bytes else ""
        state = job.state.value + (f" · resumed at {format_gb(job.resumed_from)}" if job.resumed_from else "")
        state += f": {md_code(job.error)}" if job.error else ""  # may hold paths and URLs
        done = format_gb(job.bytes_done) if job.bytes_done else "0"
        rows.append(f"| {md_escape(job.filename)} | {md_escape(', '.join(job.model_types))} | {state} | "
                    f"{done} / {total}{percent} | {_rate(job.rate_bps)} | {_duration(job.eta_seconds)} |")
    summary = (f"**Total:** {format_gb(snapshot.bytes_done)} / {format_gb(snapshot.total_bytes)} · "
               f"{_rate(snapshot.rate_bps)} · ETA {_duration(snapshot.eta_seconds)}"
               if snapshot.active else "**Queue idle.**")
    if snapshot.completed_models:
        summary += " · ready: " + ", ".join(md_code(t) for t in snapshot.completed_models)
    return summary + "\n\n" + "\n".join(rows)


def job_choices(snapshot: QueueSnapshot) -> list[tuple[str, int]]:
    return [(f"{j.filename} ({j.state.value})", j.job_id) for j in snapshot.jobs if j.state.active]


def failed_choices(snapshot: QueueSnapshot) -> list[tuple[str, int]]:
    return [(f"{j.filename} ({j.state.value})", j.job_id) for j in snapshot.jobs if j.state is JobState.FAILED]


@dataclass(frozen=True)
class RescanOnCompletion:
    """A queue listener that rescans the tab's controller when a model's files are all in place."""

    controller: Any

    def __call__(self, model_type: str) -> None:
        self.controller.refresh()
