"""The download queue: one per Wan2GP process, shared by every browser session and the tab's reloads.

It is the tracker's one process-level object, because downloads outlive a page. It holds jobs
(one per target file: never two writers to one file), runs them on worker threads that exist
only while there is work, and hands out frozen snapshots for display.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum

from .failures import Cancelled, FetchError
from .fetch import FetchOptions, fetch_file
from .plan import DOWNLOAD, DownloadPlan, PlanError, PlannedFile
from .reuse import ReuseError, apply_reuse

RATE_WINDOW_SECONDS = 5.0


class JobState(str, Enum):
    QUEUED = "queued"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in _ACTIVE


_ACTIVE = {JobState.QUEUED, JobState.DOWNLOADING, JobState.VERIFYING}


@dataclass(frozen=True, slots=True)
class JobView:
    """One file of the queue as the tab and the command line show it."""

    job_id: int
    filename: str
    target: str
    model_types: tuple[str, ...]
    action: str
    state: JobState
    bytes_done: int
    total_bytes: int | None
    rate_bps: float
    error: str = ""
    error_kind: str = ""
    resumed_from: int = 0  # bytes found on disk from an earlier attempt and kept (0: started from the beginning)

    @property
    def eta_seconds(self) -> float | None:
        if self.total_bytes is None or self.rate_bps <= 0 or not self.state.active:
            return None
        return max(self.total_bytes - self.bytes_done, 0) / self.rate_bps


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    jobs: tuple[JobView, ...]
    completed_models: tuple[str, ...]

    @property
    def active(self) -> bool:
        return any(j.state.active for j in self.jobs)

    @property
    def total_bytes(self) -> int:
        return sum(j.total_bytes or 0 for j in self.jobs if j.state is not JobState.CANCELLED)

    @property
    def bytes_done(self) -> int:
        return sum(j.bytes_done for j in self.jobs if j.state is not JobState.CANCELLED)

    @property
    def rate_bps(self) -> float:
        return sum(j.rate_bps for j in self.jobs if j.state.active)

    @property
    def eta_seconds(self) -> float | None:
        remaining = sum(max((j.total_bytes or 0) - j.bytes_done, 0) for j in self.jobs if j.state.active)
        rate = self.rate_bps
        return remaining / rate if rate > 0 else None


@dataclass
class _Job:
    job_id: int
    item: PlannedFile
    state: JobState = JobState.QUEUED
    bytes_done: int = 0
    total_bytes: int | None = None
    error: str = ""
    error_kind: str = ""
    resumed_from: int = 0
    cancel: threading.Event = field(default_factory=threading.Event)
    samples: deque = field(default_factory=deque)

    def rate(self, now: float) -> float:
        while self.samples and now - self.samples[0][0] > RATE_WINDOW_SECONDS:
            self.samples.popleft()
        if len(self.samples) < 2 or not self.state.active:
            return 0.0
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def view(self, now: float) -> JobView:
        item = self.item
        return JobView(self.job_id, item.filename, item.target, item.model_types, item.action, self.state,
                       self.bytes_done, self.total_bytes, self.rate(now), self.error, self.error_kind,
                       self.resumed_from)


Fetcher = Callable[..., str]


class DownloadQueue:
    """Jobs keyed by target path, run by up to ``workers`` threads; all methods are thread-safe."""

    def __init__(self, fetcher: Fetcher = fetch_file, options: FetchOptions | None = None, workers: int = 1) -> None:
        self._fetcher = fetcher
        self.options = options or FetchOptions()
        self._workers = max(1, workers)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._jobs: dict[int, _Job] = {}
        self._next_id = 1
        self._threads: list[threading.Thread] = []
        self._completed_models: list[str] = []
        self._listeners: list[Callable[[str], None]] = []
        self._notifying = 0  # completion callbacks running: the queue is not idle until they are done

    def add_model_listener(self, callback: Callable[[str], None]) -> None:
        """``callback(model_type)`` runs (on a worker thread) when every queued file of a model is done."""
        with self._lock:
            if callback not in self._listeners:
                self._listeners.append(callback)

    def submit(self, plan: DownloadPlan) -> list[int]:
        """Queue a plan's files; a file already queued or in flight is not queued twice.

        A plan whose files do not fit on their drives is refused with PlanError before anything starts.
        """
        if not plan.fits:
            raise PlanError("; ".join(plan.space_problems()))
        ids = []
        with self._lock:
            active = {j.item.target: j for j in self._jobs.values() if j.state.active}
            for item in plan.files:
                job = active.get(item.target)
                if job is None:
                    # A new attempt replaces earlier finished ones, so a retried model can complete.
                    self._jobs = {i: j for i, j in self._jobs.items() if j.item.target != item.target}
                    job = _Job(self._next_id, item, total_bytes=item.size_bytes if not item.size_is_estimate
                               else None)
                    self._jobs[job.job_id] = job
                    active[item.target] = job
                    self._next_id += 1
                else:
                    extra = tuple(t for t in item.model_types if t not in job.item.model_types)
                    job.item = _with_models(job.item, extra)
                ids.append(job.job_id)
            self._start_workers()
        return ids

    def cancel(self, job_id: int) -> bool:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not job.state.active:
                return False
            job.cancel.set()
            if job.state is JobState.QUEUED:
                job.state = JobState.CANCELLED
                self._idle.notify_all()
            return True

    def cancel_all(self) -> int:
        with self._lock:
            ids = [j.job_id for j in self._jobs.values() if j.state.active]
        return sum(self.cancel(i) for i in ids)

    def retry(self, job_id: int) -> bool:
        """Queue a failed file again, as it was planned; False when the job is not a failure (or its file is
        already queued by another job)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state is not JobState.FAILED or any(
                    j.state.active and j.item.target == job.item.target for j in self._jobs.values()):
                return False
            retried = _Job(job.job_id, job.item, total_bytes=job.total_bytes)
            self._jobs[job_id] = retried
            self._start_workers()
            return True

    def clear_finished(self) -> None:
        with self._lock:
            self._jobs = {i: j for i, j in self._jobs.items() if j.state.active}

    def snapshot(self) -> QueueSnapshot:
        now = time.monotonic()
        with self._lock:
            return QueueSnapshot(tuple(j.view(now) for j in self._jobs.values()), tuple(self._completed_models))

    def wait(self, timeout: float) -> bool:
        """Block until no job is active (and completion callbacks ran) or ``timeout`` passes; True when idle."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._notifying or any(j.state.active for j in self._jobs.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.5))
            return True

    # --- workers ---------------------------------------------------------------------------------------

    def _start_workers(self) -> None:
        queued = sum(1 for j in self._jobs.values() if j.state is JobState.QUEUED)
        while len(self._threads) < min(self._workers, queued):
            thread = threading.Thread(target=self._work, name="model-tracker-download", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _next_job(self) -> _Job | None:
        with self._lock:
            busy = {j.item.target for j in self._jobs.values() if j.state in (JobState.DOWNLOADING,
                                                                              JobState.VERIFYING)}
            for job in self._jobs.values():
                if job.state is JobState.QUEUED and job.item.target not in busy:
                    job.state = JobState.DOWNLOADING
                    return job
            # Leave under the lock, so that a submit from now on starts a fresh worker.
            self._threads = [t for t in self._threads if t is not threading.current_thread()]
            return None

    def _work(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._run(job)
                self._finish(job, JobState.DONE)
            except Cancelled:
                self._finish(job, JobState.CANCELLED)
            except FetchError as exc:
                self._finish(job, JobState.FAILED, str(exc), exc.kind)
            except ReuseError as exc:
                self._finish(job, JobState.FAILED, str(exc), "reuse")
            except Exception as exc:  # a worker must survive anything one file throws
                self._finish(job, JobState.FAILED, f"{type(exc).__name__}: {exc}", "error")

    def _run(self, job: _Job) -> None:
        item = job.item
        if item.action != DOWNLOAD:
            self._set(job, state=JobState.VERIFYING)
            apply_reuse(item.reuse_from, item.target, item.action, item.sha256)
            self._set(job, bytes_done=item.size_bytes or 0, total_bytes=item.size_bytes)
            return

        def progress(done: int, total: int | None) -> None:
            now = time.monotonic()
            with self._lock:
                job.bytes_done = done
                job.total_bytes = total if total is not None else job.total_bytes
                job.samples.append((now, done))

        self._fetcher(item, progress, job.cancel, self.options,
                      on_verify=lambda: self._set(job, state=JobState.VERIFYING),
                      on_resume=lambda offset: self._set(job, resumed_from=offset))

    def _set(self, job: _Job, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)

    def _finish(self, job: _Job, state: JobState, error: str = "", kind: str = "") -> None:
        with self._lock:
            job.state, job.error, job.error_kind = state, error, kind
            if state is JobState.DONE and job.total_bytes is not None:
                job.bytes_done = job.total_bytes
            finished = [] if state is not JobState.DONE else [
                t for t in job.item.model_types
                if all(j.state is JobState.DONE for j in self._jobs.values() if t in j.item.model_types)]
            self._completed_models += [t for t in finished if t not in self._completed_models]
            listeners = list(self._listeners) if finished else []
            self._notifying += 1
            self._idle.notify_all()
        try:
            for model_type in finished:
                for callback in listeners:
                    # A failing rescan must not stop the downloads.
                    with contextlib.suppress(Exception):
                        callback(model_type)
        finally:
            with self._lock:
                self._notifying -= 1
                self._idle.notify_all()


def _with_models(item: PlannedFile, extra: tuple[str, ...]) -> PlannedFile:
    return replace(item, model_types=item.model_types + extra) if extra else item


_default_queue: DownloadQueue | None = None
_default_lock = threading.Lock()


def default_queue() -> DownloadQueue:
    """The process's queue, created on first use."""
    global _default_queue
    with _default_lock:
        if _default_queue is None:
            _default_queue = DownloadQueue()
        return _default_queue
