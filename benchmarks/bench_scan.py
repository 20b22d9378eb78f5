"""How much a refresh of the Model Tracker costs, at Wan2GP's scale and beyond.

Builds synthetic Wan2GP folders from the real catalog (../shared/wan2gp/catalog/defaults),
scaled with synthetic finetunes, with two checkpoint roots holding thousands of sparse files,
and measures (median, min, max over repeats): ``scan()`` cold and warm, the full refresh the tab
does (scan + metrics + hardware + table frame), the same refresh with a VRAM and RAM budget (what
a machine with a GPU, or a budget typed in the tab, adds: a fit verdict per model), and the
Markdown export. It also counts the
filesystem calls of one warm refresh and the peak Python memory of a cold one.

    python benchmarks/bench_scan.py                       # 217, 2,217 and 10,000 definitions
    python benchmarks/bench_scan.py --sizes 217 --repeat 5
    python benchmarks/bench_scan.py --wan2gp DIR --repeat N --json   # an existing install

Timings are printed, never asserted: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wan2gp_model_tracker.catalog.demo import write_sparse_safetensors  # noqa: E402
from wan2gp_model_tracker.catalog.offline import OfflineCatalog  # noqa: E402
from wan2gp_model_tracker.model_analyzer import ModelAnalyzer  # noqa: E402
from wan2gp_model_tracker.ui import tracker_data  # noqa: E402
from wan2gp_model_tracker.ui.selection import Filters, select_models  # noqa: E402
from wan2gp_model_tracker.ui.table import table_frame  # noqa: E402
from wan2gp_model_tracker.ui.view import TrackerController  # noqa: E402

DEFAULT_CATALOG = REPO.parent / "shared" / "wan2gp" / "catalog" / "defaults"
HF = "https://huggingface.co/Synthetic/Bench/resolve/main"
NOISE_FILES_PER_ROOT = 2000
NO_BUDGET = Filters()
# The budget of the "refresh + fit" figure: a 12 GB card in a 32 GB machine.
BUDGET = Filters(vram_budget_gb=12.0, ram_budget_gb=32.0)


# --- building synthetic Wan2GP folders ---------------------------------------------------------

def build_folder(root: Path, catalog: Path, definitions: int, noise_files: int = NOISE_FILES_PER_ROOT) -> Path:
    """A Wan2GP folder with the real catalog, synthetic finetunes up to ``definitions``, and weights."""
    (root / "defaults").mkdir(parents=True)
    (root / "finetunes").mkdir()
    (root / "wgp.py").write_text("# benchmark stand-in\n")
    (root / "wgp_config.json").write_text(json.dumps({"checkpoints_paths": ["ckpts", "ckpts2"]}))
    bases = sorted(catalog.glob("*.json"))
    for path in bases:
        shutil.copy(path, root / "defaults" / path.name)
    base_defs = [(p.stem, json.loads(p.read_text())["model"]) for p in bases]
    for number in range(max(definitions - len(bases), 0)):
        base_type, base = base_defs[number % len(base_defs)]
        model: dict[str, Any] = {"name": f"Synthetic {number} on {base['name']}", "architecture": base["architecture"],
                                 "description": f"Synthetic finetune {number} for benchmarking."}
        if number % 2:
            model["URLs"] = base_type  # a string reference, like most catalog finetunes
        else:
            model["URLs"] = [f"{HF}/synthetic_{number}_mbf16.safetensors",
                             f"{HF}/synthetic_{number}_quanto_mbf16_int8.safetensors"]
        if number % 7 == 0:
            model["loras"] = [f"{HF}/synthetic_{number}_lora.safetensors"]
        (root / "finetunes" / f"synthetic_{number:05d}.json").write_text(
            json.dumps({"model": model, "num_inference_steps": 8 + number % 30}))
    # Weights: every other model's files, alternating between the two roots, plus unrelated files.
    inventory = ModelAnalyzer(OfflineCatalog(str(root), bf16_supported=True)).scan()
    written = 0
    for index, model in enumerate(inventory.models):
        if index % 2:
            continue
        for record in model.files:
            target = Path(record.path)
            if index % 4 == 0 and "ckpts" in target.parts:
                target = Path(str(target).replace(f"{os.sep}ckpts{os.sep}", f"{os.sep}ckpts2{os.sep}", 1))
            if not target.exists():
                write_sparse_safetensors(str(target), 2_000_000_000 + written)
                written += 1
    for root_name in ("ckpts", "ckpts2"):
        folder = root / root_name
        folder.mkdir(exist_ok=True)
        for number in range(noise_files):
            (folder / f"unrelated_{number:05d}.safetensors").touch()
    # A real install's folders have not changed for a while; listings of folders modified in the last
    # two seconds are never reused (coarse timestamps could hide a change), so let these settle.
    time.sleep(2.1)
    return root


# --- measuring -----------------------------------------------------------------------------------

def timings(action: Callable[[], Any], repeat: int) -> dict[str, float]:
    values = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        values.append((time.perf_counter() - start) * 1000)
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2)}


class _CountingEntry:
    """A DirEntry whose stat() calls are counted."""

    def __init__(self, entry: os.DirEntry, counts: Counter) -> None:
        self._entry, self._counts = entry, counts
        self.name, self.path = entry.name, entry.path

    def stat(self, *args: Any, **kwargs: Any) -> os.stat_result:
        self._counts["stat"] += 1
        return self._entry.stat(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._entry, name)


@contextlib.contextmanager
def counting_fs_calls() -> Iterator[Counter]:
    """Count listdir/scandir, stat and open calls made through Python while the block runs."""
    counts: Counter = Counter()
    real = {"scandir": os.scandir, "stat": os.stat, "lstat": os.lstat, "listdir": os.listdir, "open": builtins.open}

    @contextlib.contextmanager
    def scandir(path: Any = ".") -> Iterator[Iterator[_CountingEntry]]:
        counts["scandir"] += 1
        with real["scandir"](path) as it:
            yield (_CountingEntry(e, counts) for e in it)

    def wrap(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return real[name](*args, **kwargs)
        return call

    os.scandir = scandir  # type: ignore[assignment]
    os.stat, os.lstat, os.listdir = wrap("stat"), wrap("lstat"), wrap("listdir")
    builtins.open = wrap("open")
    try:
        yield counts
    finally:
        os.scandir, os.stat, os.lstat, os.listdir = real["scandir"], real["stat"], real["lstat"], real["listdir"]
        builtins.open = real["open"]


def full_refresh(controller: TrackerController, filters: Filters = NO_BUDGET) -> None:
    """What the tab does when it is opened: rescan, then build the table it shows (with fit verdicts when the
    filters hold a VRAM budget)."""
    data = controller.refresh()
    table_frame(select_models(data, filters), data, filters.vram_budget_gb, ram_gb=filters.ram_budget_gb)


def measure(folder: Path, repeat: int) -> dict[str, Any]:
    def cold_scan() -> None:
        ModelAnalyzer(OfflineCatalog(str(folder), bf16_supported=True)).scan()

    warm = ModelAnalyzer(OfflineCatalog(str(folder), bf16_supported=True))
    models = len(warm.scan().models)
    controller = TrackerController(OfflineCatalog(str(folder), bf16_supported=True))
    tracemalloc.start()
    full_refresh(controller)  # the first refresh resolves every definition: the peak of a cold start
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    result = {
        "models": models,
        "scan_cold_ms": timings(cold_scan, max(repeat // 2, 1)),
        "scan_ms": timings(warm.scan, repeat),
        "refresh_ms": timings(lambda: full_refresh(controller), repeat),
        **_budget_timings(controller, repeat),
        "export_ms": timings(lambda: controller.export_markdown(Filters(), details=False), repeat),
        "peak_python_mb_cold_refresh": round(peak_mb, 1),
    }
    with counting_fs_calls() as counts:
        full_refresh(controller)
    result["fs_calls"] = sum(counts.values())
    result["fs_calls_by_kind"] = dict(counts)
    result["folders_listed"] = counts["scandir"]
    return result


def _budget_timings(controller: TrackerController, repeat: int) -> dict[str, Any]:
    """Warm refreshes with a budget: the first one judges every model, later ones should reuse the verdicts
    (how many a warm refresh judges again is counted)."""
    full_refresh(controller, BUDGET)
    judged = Counter()
    real = tracker_data.assess_fit

    def counting(*args: Any, **kwargs: Any) -> Any:
        judged["verdicts"] += 1
        return real(*args, **kwargs)

    tracker_data.assess_fit = counting
    try:
        full_refresh(controller, BUDGET)
    finally:
        tracker_data.assess_fit = real
    return {"refresh_budget_ms": timings(lambda: full_refresh(controller, BUDGET), repeat),
            "fit_verdicts": len(controller.data.fits(BUDGET.vram_budget_gb, BUDGET.ram_budget_gb)),
            "verdicts_judged_again_warm": judged["verdicts"]}


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.processor() or 'unknown processor'}")


def print_table(results: list[dict[str, Any]]) -> None:
    print(f"machine: {machine()}")
    columns = ("scan cold", "scan warm", "refresh", "refresh + fit", "export")
    header = f"{'models':>7} " + " ".join(f"{c:>22}" for c in columns) + f" {'fs calls':>9} {'peak MB':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        cells = [f"{r[k]['median']:7.1f} ({r[k]['min']:.1f}-{r[k]['max']:.1f})"
                 for k in ("scan_cold_ms", "scan_ms", "refresh_ms", "refresh_budget_ms", "export_ms")]
        print(f"{r['models']:>7} " + " ".join(f"{c:>22}" for c in cells)
              + f" {r['fs_calls']:>9} {r['peak_python_mb_cold_refresh']:>8}")
    print("times in ms: median (min-max); refresh + fit: with a 12 GB VRAM / 32 GB RAM budget; "
          "fs calls: scandir + stat + open of one warm refresh")
    for r in results:
        print(f"{r['models']} models with the budget: {r['fit_verdicts']} fit verdicts, "
              f"{r['verdicts_judged_again_warm']} judged again by a warm refresh")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wan2gp", metavar="DIR", help="measure an existing Wan2GP folder instead")
    parser.add_argument("--sizes", default="217,2217,10000", help="definition counts to build (comma-separated)")
    parser.add_argument("--repeat", type=int, default=9, help="repeats per figure (default 9)")
    parser.add_argument("--catalog", default=str(DEFAULT_CATALOG), help="folder of real definition files")
    parser.add_argument("--noise-files", type=int, default=NOISE_FILES_PER_ROOT,
                        help="unrelated files per checkpoint root")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    if args.wan2gp:
        results = [measure(Path(args.wan2gp), args.repeat)]
    else:
        catalog = Path(args.catalog)
        if not catalog.is_dir():
            parser.error(f"the real catalog is needed to build synthetic folders: {catalog} is missing")
        results = []
        with tempfile.TemporaryDirectory(prefix="wan2gp-bench-") as scratch:
            for size in (int(s) for s in args.sizes.split(",")):
                folder = build_folder(Path(scratch) / f"Wan2GP-{size}", catalog, size, args.noise_files)
                results.append(measure(folder, args.repeat))
    if args.json:
        print(json.dumps(results[0] if args.wan2gp else results, indent=2))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
