"""``download``: plan, reuse or fetch, show progress, rescan, and say in the exit code what failed."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TextIO

from ..downloads.fetch import FetchOptions, remote_metadata
from ..downloads.plan import DOWNLOAD, DownloadPlan, PlanError, build_plan
from ..downloads.queue import DownloadQueue, JobState, JobView, QueueSnapshot
from ..downloads.reuse import ReuseIndex, default_sources
from ..model_analyzer import CatalogUnavailable, ModelAnalyzer
from ..records import Inventory
from ..render.formatting import format_gb, status_label, terminal_text
from ..render.terminal import wrap_lines
from . import common, names

EXIT_OK = 0
EXIT_NO_SPACE = 3
EXIT_FAILED = 4
EXIT_LEFT_OFFLINE = 5
EXIT_INTERRUPTED = 130
# Documented in the README; the command line's own usage errors exit with 2.
EXIT_CODES = {
    EXIT_OK: "every file the models need is on disk now (or --dry-run printed the plan)",
    2: "bad arguments: unknown model type, not a Wan2GP folder",
    EXIT_NO_SPACE: "refused before starting: not enough free disk space",
    EXIT_FAILED: "at least one file failed (HTTP 404, gated repository, network, checksum, disk full)",
    EXIT_LEFT_OFFLINE: "--no-network: some files could only be downloaded and are still missing",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C): the downloads in flight stopped; run the command again to resume them",
}


@dataclass(frozen=True)
class DownloadRequest:
    model_types: tuple[str, ...]
    dry_run: bool = False
    reuse_from: tuple[str, ...] = ()
    link: str | None = None
    no_network: bool = False
    endpoint: str | None = None
    timeout_seconds: float = 6 * 3600
    width: int | None = None  # the terminal's, for the plan's lines; None: as they are


def make_plan(inventory: Inventory, request: DownloadRequest) -> DownloadPlan:
    index = ReuseIndex(default_sources(inventory.settings.checkpoint_roots, request.reuse_from))
    options = FetchOptions(endpoint=request.endpoint)
    lookup = None if request.no_network else lambda files: remote_metadata(files, options)
    return build_plan(inventory, request.model_types, find_reuse=index.candidates, link=request.link,
                      metadata=lookup)


def run_download(scan: Callable[[], Inventory], request: DownloadRequest, out: TextIO | None = None,
                 queue: DownloadQueue | None = None) -> int:
    """Plan, then (unless a dry run) reuse or download; returns an exit code from EXIT_CODES."""
    out = out or sys.stdout
    inventory = scan()
    plan = make_plan(inventory, request)  # PlanError (unknown model type) is the caller's usage error
    out.write(_plan_text(plan, request.width))
    if request.dry_run:
        return EXIT_NO_SPACE if not plan.fits else EXIT_OK
    if not plan.fits:
        out.write("Refused: nothing was downloaded.\n")
        return EXIT_NO_SPACE
    left_offline = 0
    if request.no_network:
        kept = tuple(f for f in plan.files if f.action != DOWNLOAD)
        left_offline = len(plan.files) - len(kept)
        plan = replace(plan, files=kept)
    if not plan.files:
        return _report(scan(), request, out, failed=False, left_offline=left_offline)
    queue = queue or DownloadQueue(options=FetchOptions(endpoint=request.endpoint))
    try:
        queue.submit(plan)
    except PlanError as exc:
        out.write(f"Refused: {exc}\n")
        return EXIT_NO_SPACE
    try:
        snapshot = _follow(queue, out, request.timeout_seconds)
    except KeyboardInterrupt:
        queue.cancel_all()
        queue.wait(30)
        out.write("Interrupted: the bytes downloaded so far are kept (never under a final name); run the same "
                  "command again to resume.\n")
        return EXIT_INTERRUPTED
    failed = any(j.state is not JobState.DONE for j in snapshot.jobs)
    return _report(scan(), request, out, failed=failed, left_offline=left_offline)


def _plan_text(plan: DownloadPlan, width: int | None) -> str:
    """The plan with its total first (what a person reads before the list of files), wrapped to ``width``."""
    lines = plan.describe().splitlines()
    total = [line for line in lines if line.startswith("Total to download")]
    rest = [line for line in lines if line not in total]
    return "\n".join(wrap_lines([*total, *rest], width, "    ")) + "\n"


def _report(inventory: Inventory, request: DownloadRequest, out: TextIO, failed: bool, left_offline: int) -> int:
    for model_type in request.model_types:
        model = inventory.get(model_type)
        if model is not None:
            out.write(f"{model_type}: {status_label(model.status)} ({model.status_reason})\n")
    if failed:
        return EXIT_FAILED
    if left_offline:
        out.write(f"{left_offline} file(s) not downloaded because of --no-network.\n")
        return EXIT_LEFT_OFFLINE
    return EXIT_OK


def _resumed(job: JobView, separator: str) -> str:
    """``separator`` + "resumed at 1.2 GB" when the job continued from bytes already on disk, else nothing."""
    return f"{separator}resumed at {format_gb(job.resumed_from)}" if job.resumed_from else ""


def _follow(queue: DownloadQueue, out: TextIO, timeout: float) -> QueueSnapshot:
    """Show progress until the queue is idle: a rich bar on a terminal, one line per finished file otherwise."""
    deadline = time.monotonic() + timeout
    if out.isatty():
        return _follow_rich(queue, deadline)
    reported: set[int] = set()
    while True:
        idle = queue.wait(0.5)
        snapshot = queue.snapshot()
        for job in snapshot.jobs:
            if not job.state.active and job.job_id not in reported:
                reported.add(job.job_id)
                size = format_gb(job.total_bytes) if job.total_bytes is not None else "?"
                detail = f": {job.error}" if job.error else ""
                out.write(terminal_text(f"{job.state.value:<9} {job.filename} ({size}{_resumed(job, ', ')}) -> "
                                        f"{job.target}{detail}") + "\n")
                out.flush()
        if idle or time.monotonic() > deadline:
            if not idle:
                queue.cancel_all()
                queue.wait(30)
            return queue.snapshot()


def _follow_rich(queue: DownloadQueue, deadline: float) -> QueueSnapshot:
    from rich.markup import escape
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns) as progress:
        total = progress.add_task("total", total=None)
        tasks: dict[int, int] = {}
        while True:
            idle = queue.wait(0.3)
            snapshot = queue.snapshot()
            for job in snapshot.jobs:
                if job.job_id not in tasks:
                    tasks[job.job_id] = progress.add_task("", total=job.total_bytes)
                label = job.filename + _resumed(job, " · ") + ("" if job.state.active else f" [{job.state.value}]")
                progress.update(tasks[job.job_id], completed=job.bytes_done, total=job.total_bytes,
                                description=escape(terminal_text(label + (f" — {job.error}" if job.error else ""))))
            progress.update(total, completed=snapshot.bytes_done, total=snapshot.total_bytes or None)
            if idle or time.monotonic() > deadline:
                if not idle:
                    queue.cancel_all()
                    queue.wait(30)
                return queue.snapshot()


def run(args: argparse.Namespace) -> int:
    analyzer = ModelAnalyzer(common.catalog_for(args.wan2gp))
    try:
        chosen = names.model_types(args.model_types, analyzer.scan(), common.width(args))
        request = DownloadRequest(chosen, args.dry_run, tuple(args.reuse_from or ()), args.link, args.no_network,
                                  width=common.width(args))
        return run_download(analyzer.scan, request)
    except (PlanError, CatalogUnavailable) as exc:
        raise common.CommandError(str(exc)) from exc


def register(commands: Any) -> None:
    download = commands.add_parser(
        "download", help="fetch (or reuse from disk) what models need, where Wan2GP expects it",
        epilog="exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()))
    download.add_argument("model_types", nargs="+", metavar="MODEL",
                          help="a model type, display name, older Wan2GP name or maker's Hub repository")
    download.add_argument("--wan2gp", metavar="DIR", help=common.CATALOG_HELP)
    download.add_argument("--dry-run", action="store_true", help="only show the plan")
    download.add_argument("--reuse-from", action="append", metavar="DIR",
                          help="also look for copies in this folder (e.g. ComfyUI's models/); repeatable")
    download.add_argument("--link", choices=("hard", "sym", "copy"),
                          help="reuse copies found on disk this way instead of downloading them")
    download.add_argument("--no-network", action="store_true", help="only reuse copies; download nothing")
    download.set_defaults(handler=run)
