"""Memory measured on this machine: one row per generation the plugin's hook saw, and the peaks per model.

The rows live in the usage store's database (table ``measurements``), never in the user's
outputs. ``measured_peaks`` folds them into ``MeasuredPeak`` records, one per model, profile,
resolution and frame band (``records.frames_bucket``) under the current quantization: the
highest peak over the runs and how many runs there were. ``run_for`` pairs each output
read back from disk with the run recorded for it (same model type, recorded within seconds of
the output's creation time), so that usage.report can split the speed measured from outputs per
profile, which Wan2GP's own metadata does not record.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields

from ..records import Inventory, MeasuredPeak, frames_bucket
from .outputs import Generation
from .store import DB_FILENAME, UsageStore

# The hook runs right after Wan2GP computes the output's creation time and before it writes the file
# (HOST.md 1.8 and 10), so an output and its run lie within a second or two; more than this is another run.
MATCH_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Measurement:
    """One generation as the hook saw it: workload, profile, GPU and the peaks since the previous one."""

    recorded_at: float  # Unix time of the hook call
    model_type: str
    width: int
    height: int
    frames: int  # frames per output × outputs per batch (1 per image)
    steps: int
    batch: int
    profile: str
    quantization: str
    gpu_name: str
    gpu_total_gb: float
    vram_allocated_gb: float
    vram_reserved_gb: float
    ram_peak_gb: float | None
    # "run": the process's peak RSS since the previous record (Linux resets it); "process": since it started.
    ram_peak_scope: str
    # The settings' digest: the files of one generation (a batch of images, sliding windows) share it.
    fingerprint: str


_COLUMNS = tuple(f.name for f in fields(Measurement))


def record(store: UsageStore, run: Measurement) -> None:
    """Store one run; a run with the same settings as the last one stored is the same generation writing its
    next file, so its peaks are merged into that row instead of counting another run."""
    with store.transaction() as conn:
        last = conn.execute("SELECT id, model_type, fingerprint, vram_allocated_gb, vram_reserved_gb, ram_peak_gb "
                            "FROM measurements ORDER BY id DESC LIMIT 1").fetchone()
        if last is not None and run.fingerprint and last[1:3] == (run.model_type, run.fingerprint):
            ram = max((v for v in (last[5], run.ram_peak_gb) if v is not None), default=None)
            conn.execute("UPDATE measurements SET vram_allocated_gb = ?, vram_reserved_gb = ?, ram_peak_gb = ? "
                         "WHERE id = ?", (max(last[3], run.vram_allocated_gb), max(last[4], run.vram_reserved_gb),
                                          ram, last[0]))
            return
        conn.execute(f"INSERT INTO measurements ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                     astuple(run))


def load(store: UsageStore) -> list[Measurement]:
    """Every run stored, oldest first; a damaged row is left out."""
    with store.transaction(write=False) as conn:
        rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM measurements ORDER BY recorded_at, id").fetchall()
    found = []
    for row in rows:
        try:
            found.append(_checked(Measurement(*row)))
        except (TypeError, ValueError):
            continue
    return found


def _checked(run: Measurement) -> Measurement:
    """A row another program may have written: numbers must be numbers, texts texts."""
    for name in ("recorded_at", "gpu_total_gb", "vram_allocated_gb", "vram_reserved_gb"):
        if not isinstance(getattr(run, name), (int, float)):
            raise ValueError(name)
    for name in ("width", "height", "frames", "steps", "batch"):
        if not isinstance(getattr(run, name), int):
            raise ValueError(name)
    for name in ("model_type", "profile", "quantization", "gpu_name", "ram_peak_scope", "fingerprint"):
        if not isinstance(getattr(run, name), str):
            raise ValueError(name)
    if run.ram_peak_gb is not None and not isinstance(run.ram_peak_gb, (int, float)):
        raise ValueError("ram_peak_gb")
    return run


def aggregate(runs: Iterable[Measurement], quantization: str | None = None) -> dict[str, tuple[MeasuredPeak, ...]]:
    """Per model type: one peak per profile, resolution, frame band and GPU (the highest over its runs), most
    runs first. With ``quantization``, only runs made under it count (int8 and 16-bit weights differ)."""
    groups: dict[tuple, list[Measurement]] = {}
    for run in runs:
        if quantization is not None and run.quantization != quantization:
            continue
        key = (run.model_type, run.profile, run.width, run.height, frames_bucket(run.frames), run.gpu_name)
        groups.setdefault(key, []).append(run)
    peaks: dict[str, list[MeasuredPeak]] = {}
    for (model_type, profile, width, height, _, gpu), group in groups.items():
        peaks.setdefault(model_type, []).append(MeasuredPeak(
            model_type=model_type, profile=profile, width=width, height=height,
            frames=max(r.frames for r in group),
            vram_peak_gb=round(max(r.vram_reserved_gb for r in group), 2),
            vram_allocated_gb=round(max(r.vram_allocated_gb for r in group), 2),
            ram_peak_gb=round(max((r.ram_peak_gb for r in group if r.ram_peak_gb is not None), default=0.0), 2),
            runs=len(group), gpu_name=gpu, gpu_total_gb=round(max(r.gpu_total_gb for r in group), 2)))
    return {t: tuple(sorted(p, key=lambda m: (-m.runs, m.profile, -m.vram_peak_gb))) for t, p in peaks.items()}


def measured_peaks(store: UsageStore | None, quantization: str | None = None) -> dict[str, tuple[MeasuredPeak, ...]]:
    """The peaks measured per model; empty without a store or when its database cannot be read."""
    if store is None:
        return {}
    try:
        return aggregate(load(store), quantization)
    except sqlite3.Error:
        return {}


def plugin_store(wan2gp_dir: str) -> UsageStore | None:
    """The database the plugin keeps in its folder inside a Wan2GP install (where the hook records), for the
    command line; None when no installed copy of the tracker has one."""
    plugins = os.path.join(wan2gp_dir, "plugins")
    try:
        folders = sorted(entry.path for entry in os.scandir(plugins) if entry.is_dir())
    except OSError:
        return None
    for folder in folders:
        path = os.path.join(folder, DB_FILENAME)
        if os.path.isfile(path):
            return UsageStore(path)
    return None


def peaks_for_inventory(inventory: Inventory, store: UsageStore | None = None) -> dict[str, tuple[MeasuredPeak, ...]]:
    """The peaks measured for an inventory's models under its quantization, from ``store`` (inside Wan2GP: the
    plugin's), else from the database of the tracker installed in the inventory's Wan2GP folder."""
    store = store if store is not None else plugin_store(inventory.settings.wan2gp_dir)
    return measured_peaks(store, inventory.settings.transformer_quantization)


def run_for(generation: Generation, runs: Sequence[Measurement]) -> Measurement | None:
    """The recorded run an output came from: same model type, recorded closest to its creation time."""
    created = generation.created.timestamp()
    close = [r for r in runs if r.model_type == generation.model_type and abs(r.recorded_at - created) <= MATCH_SECONDS]
    return min(close, key=lambda r: abs(r.recorded_at - created), default=None)
