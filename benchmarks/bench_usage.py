"""How much reading Wan2GP's outputs back costs: a cold scan, a warm rescan and a rescan after new outputs.

Writes N tagged outputs (MP4 ``©cmt`` and PNG text, as Wan2GP writes them) into a temporary
outputs folder, then times ``scan_usage`` with a SQLite store: cold (empty database), warm (nothing
changed) and after 10 new files. Reports files opened per scan.

    python benchmarks/bench_usage.py                  # 1,000 and 5,000 outputs
    python benchmarks/bench_usage.py --sizes 200 --json

Timings are printed, never asserted: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from outputs_fixture import settings, write_mp4, write_png  # noqa: E402

from wan2gp_model_tracker.usage.report import scan_usage  # noqa: E402
from wan2gp_model_tracker.usage.store import UsageStore  # noqa: E402


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def measure(size: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-usage-") as folder:
        root = Path(folder)
        outputs = root / "Wan2GP" / "outputs"
        start = datetime(2026, 1, 1)
        for n in range(size):
            meta = settings(("t2v", "i2v", "flux")[n % 3], seconds=30 + n % 50, created=start + timedelta(minutes=n),
                            seed=n)
            (write_png if n % 3 == 2 else write_mp4)(outputs / f"{n:06d}.{'png' if n % 3 == 2 else 'mp4'}", meta)
        store = UsageStore(str(root / "usage.sqlite3"))
        cold_ms, cold = timed(lambda: scan_usage(str(root / "Wan2GP"), store))
        warm = [timed(lambda: scan_usage(str(root / "Wan2GP"), store)) for _ in range(repeat)]
        for n in range(10):
            write_mp4(outputs / f"new{n}.mp4", settings("t2v", created=start, seed=10**6 + n))
        new_ms, new = timed(lambda: scan_usage(str(root / "Wan2GP"), store))
        warm_ms = [ms for ms, _ in warm]
        return {"outputs": size, "cold_ms": round(cold_ms, 1), "cold_files_read": cold.files_read,
                "warm_ms": {"median": round(statistics.median(warm_ms), 1), "min": round(min(warm_ms), 1),
                            "max": round(max(warm_ms), 1)},
                "warm_files_read": warm[-1][1].files_read, "after_10_new_ms": round(new_ms, 1),
                "after_10_new_files_read": new.files_read, "generations": len(new.generations)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [measure(size, args.repeat) for size in args.sizes]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("| outputs | cold ms (files read) | warm ms median (min–max, files read) | after 10 new ms (files read) |")
    print("|---:|---:|---:|---:|")
    for r in results:
        w = r["warm_ms"]
        print(f"| {r['outputs']:,} | {r['cold_ms']} ({r['cold_files_read']:,}) | {w['median']} ({w['min']}–{w['max']}, "
              f"{r['warm_files_read']}) | {r['after_10_new_ms']} ({r['after_10_new_files_read']}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
