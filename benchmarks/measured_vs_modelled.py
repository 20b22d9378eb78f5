"""The memory model against what the plugin's hook measured on this machine.

    python benchmarks/measured_vs_modelled.py --database FILE [--catalog DIR]
    python benchmarks/fit_claims.py --measured FILE          (the same report)

FILE is the tracker's database inside Wan2GP (``plugins/<tracker>/model_tracker_usage.sqlite3``), where
the ``before_metadata_save`` hook records each generation's peaks (usage/peak_hook.py). For every model,
profile and workload measured there, this prints the measured peak (torch ``max_memory_reserved``, and
``max_memory_allocated``), the memory model's VRAM need for that profile and workload, and the signed
error (modelled - measured) / measured; then the median absolute error and how many the model underestimates.
RAM is printed beside it: the process's peak resident memory, which also holds Wan2GP itself and its UI (on
Linux since the previous record; elsewhere since Wan2GP started), so it is read as an upper bound.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wan2gp_model_tracker.fit.definition_facts import definition_from_file  # noqa: E402
from wan2gp_model_tracker.fit.measured import describe_peak  # noqa: E402
from wan2gp_model_tracker.fit.memory import MemoryInputs, profile_need  # noqa: E402
from wan2gp_model_tracker.performance_db import PerformanceDatabase  # noqa: E402
from wan2gp_model_tracker.records import MeasuredPeak  # noqa: E402
from wan2gp_model_tracker.usage.measurements import measured_peaks  # noqa: E402
from wan2gp_model_tracker.usage.store import UsageStore  # noqa: E402

DEFAULT_CATALOG = REPO.parent / "shared" / "wan2gp" / "catalog" / "defaults"


@dataclass(frozen=True)
class Comparison:
    peak: MeasuredPeak
    modelled_vram_gb: float | None
    modelled_ram_gb: float | None
    note: str = ""

    @property
    def error_pct(self) -> float | None:
        """(modelled - measured) / measured in percent: negative when the model underestimates."""
        if self.modelled_vram_gb is None or self.peak.vram_peak_gb <= 0:
            return None
        return 100 * (self.modelled_vram_gb - self.peak.vram_peak_gb) / self.peak.vram_peak_gb


def compare(peaks: Mapping[str, Sequence[MeasuredPeak]],
            memory_of: Callable[[str], MemoryInputs | None]) -> list[Comparison]:
    """Each measured peak beside the memory model's need for the same model, profile and workload."""
    found = []
    for model_type in sorted(peaks):
        inputs = memory_of(model_type)
        for peak in peaks[model_type]:
            if inputs is None:
                found.append(Comparison(peak, None, None, "not in this catalog, or no memory model"))
                continue
            workload = inputs.workload
            if peak.width and peak.height:
                workload = workload.with_resolution(peak.width, peak.height)
            if inputs.output_type == "video" and peak.frames:
                workload = workload.with_frames(peak.frames)
            try:
                need = profile_need(inputs, peak.profile, workload)
            except (KeyError, ValueError) as exc:
                found.append(Comparison(peak, None, None, f"profile {peak.profile!r} not modelled ({exc})"))
                continue
            found.append(Comparison(peak, round(need.vram_gb, 2), round(need.ram_gb, 2)))
    return found


def report_lines(comparisons: Sequence[Comparison]) -> list[str]:
    if not comparisons:
        return ["No measurement recorded yet: generate with the tracker enabled inside Wan2GP on a CUDA GPU."]
    lines = [f"{'model':26} {'profile':7} {'workload':16} {'runs':>4} {'reserved':>8} {'alloc.':>7} "
             f"{'modelled':>8} {'error':>7}  {'RAM meas.':>9} {'RAM mod.':>8}  GPU"]
    for c in comparisons:
        p = c.peak
        error = f"{c.error_pct:+6.0f}%" if c.error_pct is not None else "      -"
        modelled = f"{c.modelled_vram_gb:8.1f}" if c.modelled_vram_gb is not None else "       -"
        ram_mod = f"{c.modelled_ram_gb:8.1f}" if c.modelled_ram_gb is not None else "       -"
        workload = f"{p.width}x{p.height}x{p.frames}" if p.width else "-"
        lines.append(f"{p.model_type[:26]:26} {p.profile:7} {workload:16} {p.runs:4d} {p.vram_peak_gb:8.1f} "
                     f"{p.vram_allocated_gb:7.1f} {modelled} {error}  {p.ram_peak_gb:9.1f} {ram_mod}  "
                     f"{p.gpu_name} ({p.gpu_total_gb:g} GB)" + (f"  note: {c.note}" if c.note else ""))
    errors = [c.error_pct for c in comparisons if c.error_pct is not None]
    if errors:
        under = sum(1 for e in errors if e < 0)
        lines += ["", f"{len(errors)} measured peaks compared: median absolute VRAM error "
                  f"{statistics.median(abs(e) for e in errors):.0f} %, {under} underestimated by the model, "
                  f"{len(errors) - under} over or exact (measured = torch max_memory_reserved)"]
    return lines


def catalog_memory(catalog: Path) -> Callable[[str], MemoryInputs | None]:
    """The memory model's inputs per model type, from a folder of Wan2GP definition files."""
    defs = {p.stem: definition_from_file(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(catalog.glob("*.json"))}
    database = PerformanceDatabase.default()

    def memory_of(model_type: str) -> MemoryInputs | None:
        if model_type not in defs:
            return None
        return database.get_metrics(model_type, defs[model_type], catalog=defs).memory

    return memory_of


def run(database: str, catalog: Path) -> int:
    """Print the report; 2 when the database or the catalog is not there."""
    if not Path(database).is_file():
        print(f"no measurement database at {database}", file=sys.stderr)
        return 2
    if not catalog.is_dir():
        print(f"no catalog at {catalog}", file=sys.stderr)
        return 2
    peaks = measured_peaks(UsageStore(database))
    comparisons = compare(peaks, catalog_memory(catalog))
    print("\n".join(report_lines(comparisons)))
    for c in comparisons:
        if c.error_pct is not None and c.error_pct < -15:
            print(f"underestimated: {c.peak.model_type}: {describe_peak(c.peak)}, modelled {c.modelled_vram_gb:g} GB")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, metavar="FILE", help="the tracker's database inside Wan2GP")
    parser.add_argument("--catalog", default=str(DEFAULT_CATALOG), help="folder of real definition files")
    args = parser.parse_args(argv)
    return run(args.database, Path(args.catalog))


if __name__ == "__main__":
    sys.exit(main())
