"""The pre-flight line under the model in Wan2GP's generator, computed without Gradio.

``preflight_line`` reads one model out of a refresh the tab already made (inventory, fit verdicts, usage)
and the download queue's snapshot, and returns a frozen record; ``line_html`` and ``line_text`` render it.
Nothing here scans: the line costs a few dictionary look-ups once the tracker's scan is warm.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from ..downloads.queue import JobState, QueueSnapshot
from ..fit.hardware import FitVerdict
from ..records import FileRecord, ModelRecord, ModelStatus
from ..render.formatting import STATUS_MARKS, format_gb, printable
from ..usage.report import MeasuredSpeed
from .tracker_data import TrackerData

# What one generation of each output type is called in the speed phrase.
OUTPUT_NOUNS = {"video": "clip", "image": "image", "audio": "track"}
# Fit verdicts as the line words them, and the class its colour hangs on.
FIT_FITS, FIT_CHANGE, FIT_NO = "fits", "change", "no"
# The file list in the hover text stops here; the click-open list shows them all.
TITLE_FILES = 12


@dataclass(frozen=True, slots=True)
class PreflightFile:
    """One file the next generation fetches before it starts."""

    name: str
    size: str
    shared: bool = False


@dataclass(frozen=True, slots=True)
class PreflightLine:
    """What the line says about one model on this machine, every text already plain (escaped when rendered)."""

    model_type: str
    name: str
    status: ModelStatus
    files: tuple[PreflightFile, ...] = ()
    download_bytes: int = 0
    download_is_estimate: bool = False
    unknown_sizes: int = 0
    fit: str = ""
    fit_kind: str = ""
    speed: str = ""
    progress: str = ""
    problem: str = ""

    @property
    def mark(self) -> str:
        return STATUS_MARKS[self.status]

    @property
    def missing(self) -> bool:
        return bool(self.files)

    @property
    def downloading(self) -> bool:
        return bool(self.progress)

    @property
    def model_files_missing(self) -> bool:
        """Whether the model itself lacks files (the queue can fetch those; Wan2GP fetches shared tools)."""
        return any(not f.shared for f in self.files)

    @property
    def download_text(self) -> str:
        """ "Generating will first download 3 files, 21.4 GB" (sizes not known are counted apart)."""
        if not self.files:
            return "Nothing to download: every file is on disk" if self.status is ModelStatus.DOWNLOADED \
                else "Nothing this tracker knows of to download"
        count, shared = len(self.files), sum(1 for f in self.files if f.shared)
        what = _plural(count, "shared tool" if shared == count else "file")
        if self.unknown_sizes == count:
            size = " of unknown size"
        else:
            size = f", {format_gb(self.download_bytes, self.download_is_estimate)}" + \
                (f" + {self.unknown_sizes} of unknown size (?)" if self.unknown_sizes else "")
        note = " (once per install)" if shared == count else \
            f" (incl. {_plural(shared, 'shared tool')}, once per install)" if shared else ""
        return f"Generating will first download {what}{size}{note}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _files_to_fetch(model: ModelRecord, shared: Sequence[FileRecord] | None) -> list[tuple[FileRecord, bool]]:
    """The model's missing files, then the missing shared tools (fetched once per install), each path once."""
    seen: set[str] = set()
    chosen: list[tuple[FileRecord, bool]] = []
    for record, is_shared in [(f, False) for f in model.missing_files] + \
                              [(f, True) for f in shared or () if not f.present]:
        key = record.path or record.url or record.filename
        if key not in seen:
            seen.add(key)
            chosen.append((record, is_shared))
    return chosen


def fit_phrase(fit: FitVerdict | None, vram_gb: float | None, ram_gb: float | None) -> tuple[str, str]:
    """The verdict as a short phrase and its kind: "fits on profile 4 (~9 GB VRAM of 12, ~28 GB RAM of 32)",
    "needs a change: …" or "does not fit: …", with the peak measured on this machine when one decided it; empty
    when no verdict could be made (no GPU known)."""
    if fit is None:
        return "", ""
    phrase, kind = _verdict_phrase(fit, vram_gb, ram_gb)
    return (f"{phrase} · {fit.measured}" if fit.measured else phrase), kind


def _verdict_phrase(fit: FitVerdict, vram_gb: float | None, ram_gb: float | None) -> tuple[str, str]:
    if fit.verdict == "incompatible":
        return f"does not fit: {fit.limit or fit.reason}", FIT_NO
    if fit.verdict == "compatible" or not fit.ram_ok:
        change = fit.limit or (fit.ram_note if not fit.ram_ok else "") or fit.profile_hint or fit.reason
        return f"needs a change: {change}", FIT_CHANGE
    if fit.profile and fit.vram_need_gb is not None:
        needs = [f"~{fit.vram_need_gb:g} GB VRAM" + (f" of {vram_gb:g}" if vram_gb else "")]
        if fit.ram_need_gb is not None:
            needs.append(f"~{fit.ram_need_gb:g} GB RAM" + (f" of {ram_gb:g}" if ram_gb else ""))
        return f"fits on profile {fit.profile} ({', '.join(needs)})", FIT_FITS
    return f"fits: {fit.reason}", FIT_FITS


def duration_text(seconds: float) -> str:
    """ "45 s", "4 min", "1.5 h": a generation's length at a glance."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def speed_phrase(speed: MeasuredSpeed | None, output_type: str) -> str:
    """ "⏱ 4 min per clip on this machine (7 runs)", from the generations read back from the outputs."""
    if speed is None:
        return ""
    noun = OUTPUT_NOUNS.get(output_type, "generation")
    runs = f"{speed.runs} run{'' if speed.runs == 1 else 's'}"
    return f"⏱ {duration_text(speed.seconds.median)} per {noun} on this machine ({runs})"


def _queue_state(snapshot: QueueSnapshot | None, model_type: str) -> tuple[str, str]:
    """(progress, problem) of this model's files in the download queue."""
    if snapshot is None:
        return "", ""
    jobs = [j for j in snapshot.jobs if model_type in j.model_types and j.state is not JobState.CANCELLED]
    active = [j for j in jobs if j.state.active]
    if active:
        done = sum(1 for j in jobs if j.state is JobState.DONE)
        total = sum(j.total_bytes or 0 for j in jobs)
        got = sum(j.bytes_done for j in jobs)
        size = f", {format_gb(got)} of {format_gb(total)}" if total else ""
        return f"⬇ downloading: {done} of {len(jobs)} files done{size}", ""
    failed = [j for j in jobs if j.state is JobState.FAILED]
    if failed:
        return "", f"download failed: {failed[0].filename}: {failed[0].error or failed[0].error_kind}"
    return "", ""


def preflight_line(data: TrackerData, model_type: str, snapshot: QueueSnapshot | None = None) -> PreflightLine | None:
    """The line for one model, or None when the tracker does not know the model (the line then hides)."""
    model = data.inventory.get(model_type)
    if model is None:
        return None
    fetch = _files_to_fetch(model, data.inventory.shared_files)
    files = tuple(PreflightFile(printable(f.filename.rstrip("/")), format_gb(f.size_bytes, f.size_is_estimate),
                                shared) for f, shared in fetch)
    vram, ram = data.budget(None), data.hardware.ram_total_gb
    fit, kind = fit_phrase(data.fits(None).get(model_type), vram, ram)
    used = data.usage.get(model_type)
    progress, problem = _queue_state(snapshot, model_type)
    return PreflightLine(
        model_type=model_type, name=printable(model.name), status=model.status, files=files,
        download_bytes=sum(f.size_bytes or 0 for f, _ in fetch),
        download_is_estimate=any(f.size_is_estimate for f, _ in fetch),
        unknown_sizes=sum(1 for f, _ in fetch if f.size_bytes is None),
        fit=printable(fit), fit_kind=kind, speed=speed_phrase(used.speed if used else None, model.output_type),
        progress=progress if model.missing_files else "", problem=printable(problem) if model.missing_files else "")


def _file_label(f: PreflightFile) -> str:
    return f"{f.name} ({f.size}{', shared tool, once per install' if f.shared else ''})"


def line_parts(line: PreflightLine) -> list[str]:
    """The line's phrases in reading order, as plain text."""
    parts = [f"{line.mark} {line.name}"]
    if line.missing or line.status is not ModelStatus.DOWNLOADED:
        parts.append(line.download_text)
    parts += [p for p in (line.progress, line.problem and f"⚠ {line.problem}", line.fit, line.speed) if p]
    return parts


def line_text(line: PreflightLine) -> str:
    """The line as one plain sentence (logs, the command line, tests)."""
    return " · ".join(line_parts(line))


def line_html(line: PreflightLine) -> str:
    """The line as HTML. With files to fetch the whole line is a ``<details>``: a click opens their list under
    it (the host's header group clips anything floating), and the download phrase lists them on hover."""
    esc = html.escape
    out = [f'<span class="mt-pf-mark" title="{esc(line.status.value)}">{line.mark}</span> '
           f'<b class="mt-pf-name">{esc(line.name)}</b>']
    names = [_file_label(f) for f in line.files]
    if line.missing:
        hover = "\n".join(names[:TITLE_FILES] + ([f"… {len(names) - TITLE_FILES} more"]
                                                  if len(names) > TITLE_FILES else []))
        out.append(f'<span class="mt-pf-dl mt-pf-files" title="{esc(hover)}">{esc(line.download_text)}</span>')
    elif line.status is not ModelStatus.DOWNLOADED:
        out.append(f'<span class="mt-pf-dl">{esc(line.download_text)}</span>')
    if line.progress:
        out.append(f'<span class="mt-pf-progress">{esc(line.progress)}</span>')
    if line.problem:
        out.append(f'<span class="mt-pf-problem">⚠ {esc(line.problem)}</span>')
    if line.fit:
        out.append(f'<span class="mt-pf-fit mt-pf-fit-{line.fit_kind or "none"}">{esc(line.fit)}</span>')
    if line.speed:
        out.append(f'<span class="mt-pf-speed">{esc(line.speed)}</span>')
    phrases = '<span class="mt-pf-sep"> · </span>'.join(out)
    attributes = f'class="mt-pf-line mt-pf-{line.status.value}" data-model="{esc(line.model_type)}"'
    if not line.missing:
        return f'<div {attributes}><div class="mt-pf-phrases">{phrases}</div></div>'
    items = "".join(f"<li>{esc(name)}</li>" for name in names)
    return (f'<details {attributes}><summary class="mt-pf-phrases">{phrases}</summary>'
            f'<ul class="mt-pf-list">{items}</ul></details>')
