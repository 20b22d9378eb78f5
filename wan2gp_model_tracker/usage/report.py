"""Per model: how often it was used, when last, and how fast it ran on this machine.

``scan_usage`` walks the output folders, reads only files the store has not seen in their
current size and mtime, and returns a frozen report. Each generation counts once: post-processed
copies (upscaled, regrained, remuxed) carry their source's settings, time and creation date, so they
are matched to their source; a copy whose source is gone still stands for that one generation.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .measurements import Measurement, load, plugin_store, run_for
from .outputs import (
    Generation,
    OutputFile,
    ReadResult,
    output_folders,
    read_again,
    read_output,
    walk_outputs,
)
from .store import UsageStore

# Speeds are normalised to Wan2GP's default workloads: 832x480, 81 frames for video; 1024x1024 for images.
REFERENCE_WORKLOAD = {"video": (832 * 480 * 81, "832×480, 81 frames"), "image": (1024 * 1024, "1024×1024")}


@dataclass(frozen=True, slots=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """Median and interquartile range (the range itself for fewer than four runs)."""
        ordered = sorted(values)
        if len(ordered) < 4:
            return cls(statistics.median(ordered), ordered[0], ordered[-1])
        q1, q2, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        return cls(q2, q1, q3)


@dataclass(frozen=True, slots=True)
class MeasuredSpeed:
    """Speed measured from a model's outputs on this machine."""

    runs: int
    seconds: Spread
    step_seconds: Spread | None
    normalized_step_seconds: Spread | None
    reference: str

    def short(self) -> str:
        """ "1.9 s/step (5 runs)" at the reference workload; else per step as run, else per generation."""
        runs = f"{self.runs} run{'' if self.runs == 1 else 's'}"
        if self.normalized_step_seconds is not None:
            return f"{self.normalized_step_seconds.median:.3g} s/step ({runs})"
        if self.step_seconds is not None:
            return f"{self.step_seconds.median:.3g} s/step as run ({runs})"
        return f"{self.seconds.median:.3g} s/gen ({runs})"

    @property
    def rank_value(self) -> float:
        """Lower is faster: normalised seconds per step, else per step, else per generation."""
        figure = self.normalized_step_seconds or self.step_seconds or self.seconds
        return figure.median


@dataclass(frozen=True, slots=True)
class ModelUsage:
    model_type: str
    generations: int
    last_used: datetime
    speed: MeasuredSpeed | None
    loras: tuple[str, ...] = ()
    # The same speed split per memory profile, for the outputs the plugin's hook recorded a run for
    # (Wan2GP's metadata does not say which profile made an output).
    speed_by_profile: Mapping[str, MeasuredSpeed] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageReport:
    """Every generation found in the output folders, and what the scan had to skip."""

    folders: tuple[str, ...]
    generations: tuple[Generation, ...]
    files_seen: int
    files_read: int
    skipped: Mapping[str, int]
    postprocessed: int
    duplicates: int
    scanned_at: datetime
    warnings: tuple[str, ...] = ()
    # The runs the plugin's hook recorded (usage/measurements.py): they tell each output's profile.
    runs: tuple[Measurement, ...] = ()
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def by_model(self, since_days: float | None = None) -> dict[str, ModelUsage]:
        """Usage per model type, optionally only for generations of the last ``since_days`` days."""
        if since_days not in self._cache:
            self._cache[since_days] = summarize(self.generations, since_days, self.scanned_at, self.runs)
        return self._cache[since_days]

    def measured(self) -> dict[str, MeasuredSpeed]:
        return {t: u.speed for t, u in self.by_model().items() if u.speed is not None}


def summarize(generations: Sequence[Generation], since_days: float | None = None,
              now: datetime | None = None, runs: Sequence[Measurement] = ()) -> dict[str, ModelUsage]:
    cutoff = (now or datetime.now()) - timedelta(days=since_days) if since_days is not None else None
    grouped: dict[str, list[Generation]] = {}
    for gen in generations:
        if cutoff is None or gen.created >= cutoff:
            grouped.setdefault(gen.model_type, []).append(gen)
    usage = {}
    for model_type, gens in sorted(grouped.items()):
        loras = sorted({lora for g in gens for lora in g.loras})
        usage[model_type] = ModelUsage(model_type, len(gens), max(g.created for g in gens), measure(gens),
                                       tuple(loras), speed_by_profile(gens, runs))
    return usage


def speed_by_profile(generations: Sequence[Generation], runs: Sequence[Measurement]) -> dict[str, MeasuredSpeed]:
    """The measured speed per profile, over the outputs paired with a recorded run (same model type, recorded
    within seconds of the output's creation time; usage.measurements.run_for)."""
    if not runs:
        return {}
    by_profile: dict[str, list[Generation]] = {}
    for generation in generations:
        run = run_for(generation, runs)
        if run is not None:
            by_profile.setdefault(run.profile, []).append(generation)
    speeds = {profile: measure(gens) for profile, gens in sorted(by_profile.items())}
    return {profile: speed for profile, speed in speeds.items() if speed is not None}


def measure(generations: Sequence[Generation]) -> MeasuredSpeed | None:
    """Median and spread of the timed runs; None when no run recorded its time."""
    timed = [g for g in generations if g.generation_time]
    if not timed:
        return None
    per_step = [g.generation_time / g.steps for g in timed if g.steps]
    kind = max({g.kind for g in timed}, key=lambda k: sum(1 for g in timed if g.kind == k))
    reference, label = REFERENCE_WORKLOAD.get(kind, (None, ""))
    normalized = [g.generation_time / g.steps * reference / g.pixels_frames for g in timed
                  if reference and g.steps and g.pixels_frames and g.kind == kind]
    return MeasuredSpeed(
        runs=len(timed),
        seconds=Spread.of([g.generation_time for g in timed]),
        step_seconds=Spread.of(per_step) if per_step else None,
        normalized_step_seconds=Spread.of(normalized) if normalized else None,
        reference=label if normalized else "",
    )


def scan_usage(wan2gp_dir: str, store: UsageStore, folders: tuple[str, ...] | None = None) -> UsageReport:
    """Read the generations in Wan2GP's output folders, opening only new or changed files."""
    folders = folders or output_folders(wan2gp_dir)
    warnings: list[str] = [store.warning] if store.warning else []
    try:
        known = store.rows(folders)
    except Exception as exc:  # a database another process broke: scan everything afresh
        warnings.append(f"usage database unreadable ({exc}); every output is read again")
        known = {}
    fresh: list[tuple[OutputFile, ReadResult]] = []
    results: list[ReadResult] = []
    seen = 0
    for item in walk_outputs(folders, warnings):
        seen += 1
        row = known.pop(item.path, None)
        if (row is not None and row[:3] == (item.size, item.mtime_ns, item.sidecar_mtime_ns)
                and (row[3] or (row[4] and not read_again(item.path, row[4])))):
            results.append(ReadResult(row[3], row[4]))
            continue
        result = read_output(item)
        fresh.append((item, result))
        results.append(result)
    try:
        store.update(fresh, known.keys())
    except Exception as exc:  # the report is still right; only the next scan re-reads more
        warnings.append(f"could not update the usage database: {exc}")
    skipped: dict[str, int] = {}
    generations: list[Generation] = []
    by_identity: dict[str, Generation] = {}
    postprocessed = duplicates = 0
    # Originals first, so that a copy (post-processed or saved twice) finds its source already counted.
    found = sorted((r.generation for r in results if r.generation is not None), key=lambda g: g.postprocessed)
    for result in results:
        if result.generation is None:
            skipped[result.problem] = skipped.get(result.problem, 0) + 1
    for gen in found:
        if gen.postprocessed:
            postprocessed += 1
        if gen.identity and gen.identity in by_identity:
            duplicates += not gen.postprocessed
            continue
        if gen.postprocessed and not gen.identity:
            continue  # a copy that cannot be matched to its source is never counted as a generation
        # A post-processed copy whose source is gone still shows that one generation happened.
        by_identity[gen.identity or gen.path] = gen
        generations.append(gen)
    generations.sort(key=lambda g: (g.created, g.path))
    return UsageReport(tuple(folders), tuple(generations), seen, len(fresh), skipped, postprocessed, duplicates,
                       datetime.now(), tuple(warnings), _recorded_runs(store, wan2gp_dir))


def _recorded_runs(store: UsageStore, wan2gp_dir: str) -> tuple[Measurement, ...]:
    """The runs in this store, else in the database of the tracker installed in that Wan2GP (where the hook
    writes when the command line keeps its own store)."""
    try:
        runs = load(store)
        if not runs and (installed := plugin_store(wan2gp_dir)) is not None and installed.path != store.path:
            runs = load(installed)
    except Exception:  # the per-profile split is an extra; the report stands without it
        return ()
    return tuple(runs)

