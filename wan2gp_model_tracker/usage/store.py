"""The tracker's own SQLite database of outputs already read, keyed by path, size and mtime.

A rescan of thousands of outputs then opens only the files that are new or changed. The
database runs in WAL mode with a busy timeout and writes in short ``BEGIN IMMEDIATE``
transactions, so the tab inside Wan2GP and a command line can use it at the same time. If it
cannot be opened (a read-only folder, a corrupt file), an in-memory one takes its place and the
scan only loses its memory of earlier runs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime

from .outputs import Generation, OutputFile, ReadResult

DB_FILENAME = "model_tracker_usage.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sidecar_mtime_ns INTEGER NOT NULL,
    generation TEXT,
    problem TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- One row per generation the plugin's before_metadata_save hook saw (usage/measurements.py).
CREATE TABLE IF NOT EXISTS measurements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at REAL NOT NULL,
    model_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    frames INTEGER NOT NULL,
    steps INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    profile TEXT NOT NULL,
    quantization TEXT NOT NULL,
    gpu_name TEXT NOT NULL,
    gpu_total_gb REAL NOT NULL,
    vram_allocated_gb REAL NOT NULL,
    vram_reserved_gb REAL NOT NULL,
    ram_peak_gb REAL,
    ram_peak_scope TEXT NOT NULL,
    fingerprint TEXT NOT NULL
);
"""


def data_dir() -> str:
    """The tracker's folder for its database and logs: ``WAN2GP_TRACKER_DATA``, else the user's data dir."""
    override = os.environ.get("WAN2GP_TRACKER_DATA")
    if override:
        return override
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, "wan2gp-model-tracker")


Row = tuple[int, int, int, Generation | None, str]


class UsageStore:
    """Outputs already read: path → (size, mtime, sidecar mtime, generation or None, problem)."""

    def __init__(self, path: str | None = None, in_memory: bool = False) -> None:
        self.path = ":memory:" if in_memory else path or os.path.join(data_dir(), DB_FILENAME)
        self.warning = ""
        self._memory: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if in_memory:
            self._open_memory()
            return
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            conn = self._connect()
            try:  # closed here: a connection left to the garbage collector keeps the -wal and -shm files
                conn.executescript(_SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            finally:
                conn.close()
        except (OSError, sqlite3.Error) as exc:
            self.warning = f"usage database {self.path} unavailable ({exc}); outputs are re-read every scan"
            self._open_memory()

    def _open_memory(self) -> None:
        self._memory = sqlite3.connect(":memory:", check_same_thread=False)
        self._memory.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        if self._memory is not None:
            return self._memory
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def rows(self, folders: Iterable[str]) -> dict[str, Row]:
        """Every stored output under these folders."""
        prefixes = tuple(os.path.join(f, "") for f in folders)
        found: dict[str, Row] = {}
        with self._lock:
            conn = self._connect()
            try:
                for path, size, mtime, side, gen, problem in conn.execute(
                        "SELECT path, size, mtime_ns, sidecar_mtime_ns, generation, problem FROM outputs"):
                    if path.startswith(prefixes):
                        found[path] = (size, mtime, side, _decode(gen), problem)
            finally:
                self._close(conn)
        return found

    def update(self, read: Iterable[tuple[OutputFile, ReadResult]], removed: Iterable[str]) -> None:
        """Store what was just read and forget outputs that are gone, in one transaction."""
        rows = [(item.path, item.size, item.mtime_ns, item.sidecar_mtime_ns, _encode(result.generation),
                 result.problem) for item, result in read]
        gone = [(p,) for p in removed]
        if not rows and not gone:
            return
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?)", rows)
                conn.executemany("DELETE FROM outputs WHERE path = ?", gone)
                conn.execute("COMMIT")
            except sqlite3.Error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._close(conn)

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection inside one transaction (``BEGIN IMMEDIATE`` to write, a deferred one to read), for modules
        keeping their own tables here; committed on success, rolled back on any error."""
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._close(conn)

    def _close(self, conn: sqlite3.Connection) -> None:
        if conn is not self._memory:
            conn.close()


def _encode(generation: Generation | None) -> str | None:
    if generation is None:
        return None
    data = asdict(generation)
    data["created"] = generation.created.isoformat()
    return json.dumps(data)


def _decode(text: str | None) -> Generation | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        data["created"] = datetime.fromisoformat(data["created"])
        data["loras"] = tuple(data["loras"])
        return Generation(**data)
    except (ValueError, KeyError, TypeError):
        return None  # an older or damaged row: the file is read again
