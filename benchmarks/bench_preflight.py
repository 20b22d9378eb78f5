"""What the pre-flight line costs the generator: server time of one model switch, on Wan2GP's scale.

Builds the synthetic 217-definition folder of ``bench_scan.py`` (the real catalog, two checkpoint roots, every
other model's files), warms the tracker up with one refresh, then switches the line through every model in turn:

- **switch (cached scan)**: the tracker scanned less than ``FRESH_SECONDS`` ago: the line is look-ups and HTML;
- **switch (warm rescan)**: the last scan is older, so the switch rescans first (the analyzer reuses what did
  not change on disk): the slowest a switch gets once warm.

    python benchmarks/bench_preflight.py                # 217 definitions, 3 rounds through every model
    python benchmarks/bench_preflight.py --definitions 2217 --rounds 1

Timings are printed, never asserted: the numbers depend on the machine. Hub size look-ups are switched off
(``WAN2GP_TRACKER_NO_NETWORK``): inside Wan2GP they run on a background thread and never in a switch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("WAN2GP_TRACKER_NO_NETWORK", "1")

from bench_scan import DEFAULT_CATALOG, build_folder, machine  # noqa: E402

from wan2gp_model_tracker.catalog.offline import OfflineCatalog  # noqa: E402
from wan2gp_model_tracker.downloads.queue import DownloadQueue  # noqa: E402
from wan2gp_model_tracker.ui import preflight_widgets  # noqa: E402
from wan2gp_model_tracker.ui.preflight_settings import TrackerSettings  # noqa: E402
from wan2gp_model_tracker.ui.preflight_widgets import PreflightWidgets  # noqa: E402
from wan2gp_model_tracker.ui.view import TrackerController  # noqa: E402


def switches(widgets: PreflightWidgets, model_types: list[str], rounds: int) -> list[float]:
    """Milliseconds per switch, one session going through every model ``rounds`` times."""
    session: dict = {}
    times = []
    for _ in range(rounds):
        for model_type in model_types:
            start = time.perf_counter()
            outputs = widgets.show(model_type, session)
            times.append((time.perf_counter() - start) * 1000)
            assert outputs[0].get("visible") is True, model_type
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {max(times):.2f} ms "
            f"({len(times)} switches)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--definitions", type=int, default=217)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-preflight-") as tmp:
        folder = build_folder(Path(tmp) / "Wan2GP", args.catalog, args.definitions)
        controller = TrackerController(OfflineCatalog(str(folder), bf16_supported=True))
        start = time.perf_counter()
        controller.refresh()
        first = (time.perf_counter() - start) * 1000
        models = [m.model_type for m in controller.data.inventory.models]
        widgets = PreflightWidgets(box=None, html=None, download=None, details=None, session=None, timer=None,
                                   done=None, controller_of=lambda: controller,
                                   settings=TrackerSettings(os.path.join(tmp, "settings.json")),
                                   queue=DownloadQueue())
        switches(widgets, models[:20], 1)  # warm-up: caches of the line's own path
        controller.refresh()
        cached = switches(widgets, models, args.rounds)
        preflight_widgets.FRESH_SECONDS = -1.0  # every switch finds the scan old and rescans first
        rescan = switches(widgets, models, args.rounds)
        print(f"machine: {machine()}")
        print(f"{len(models)} models; first (cold) refresh {first:.1f} ms")
        print(f"switch (cached scan): {summary(cached)}")
        print(f"switch (warm rescan): {summary(rescan)}")


if __name__ == "__main__":
    main()
