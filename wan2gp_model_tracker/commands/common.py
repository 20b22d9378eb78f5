"""What every sub-command shares: the catalog choice, the scan, budgets, the terminal width and safe output.

Nothing here imports Gradio: the inventory answers in a fraction of a second.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalog.base import CatalogProvider
from ..model_analyzer import CatalogUnavailable, ModelAnalyzer
from ..records import Inventory

if TYPE_CHECKING:
    from ..machine.hardware import HardwareInfo

FORMATS = ("table", "markdown", "json", "csv")
# How long the command line waits for exact sizes from the Hub before printing estimates.
HUB_WAIT_SECONDS = 5.0
CATALOG_HELP = "a Wan2GP install folder (default: the built-in demo)"


class CommandError(Exception):
    """A user mistake reported as one line and exit code 2."""


def catalog_for(wan2gp: str | None) -> CatalogProvider:
    """The install at ``wan2gp``, or the built-in demo without one."""
    if wan2gp is None:
        from ..catalog.demo import DemoCatalog

        return DemoCatalog()
    from ..catalog.offline import NotAWan2GPFolder, OfflineCatalog

    try:
        return OfflineCatalog(wan2gp)
    except NotAWan2GPFolder as exc:
        raise CommandError(str(exc)) from exc


@dataclass(frozen=True)
class Scan:
    inventory: Inventory
    metrics: dict[str, Any]
    hardware: HardwareInfo
    memory_profiles: Mapping[str, str]


def scan(args: argparse.Namespace) -> Scan:
    """Scan the chosen catalog and attach metrics and the machine's hardware."""
    from ..hub.sizes import HubSizes
    from ..machine.hardware import detect_hardware
    from ..performance_db import PerformanceDatabase

    database = PerformanceDatabase.default()
    sizes = HubSizes(network=not getattr(args, "no_network", False))
    analyzer = ModelAnalyzer(catalog_for(args.wan2gp), params_lookup=database.model_params_b, hub_sizes=sizes)
    try:
        with progress("Scanning the model definitions and their files…"):
            inventory = analyzer.scan()
            if not sizes.wait(0) and sizes.wait(HUB_WAIT_SECONDS):  # exact sizes arrived in time: use them
                inventory = analyzer.scan()
    except CatalogUnavailable as exc:
        raise CommandError(str(exc)) from exc
    database = database.for_settings(analyzer.state.memory_settings)
    metrics = database.metrics_for_inventory(inventory, analyzer.state.defs)
    return Scan(inventory, metrics, detect_hardware(inventory.settings.checkpoint_roots),
                analyzer.state.memory_profiles)


def measured_peaks(args: argparse.Namespace, found: Scan) -> dict[str, Any]:
    """Per model type, the peak the plugin measured inside this Wan2GP that its verdict uses (none for the demo)."""
    if args.wan2gp is None:
        return {}
    from ..fit.measured import measured_for_inventory
    from ..usage.measurements import peaks_for_inventory

    return measured_for_inventory(found.metrics, peaks_for_inventory(found.inventory), found.memory_profiles)


def state_and_inventory(wan2gp: str | None) -> tuple[Any, Inventory]:
    """The catalog's state and a scan, without metrics or hardware (disk and usage need no more)."""
    analyzer = ModelAnalyzer(catalog_for(wan2gp))
    try:
        inventory = analyzer.scan()
    except CatalogUnavailable as exc:
        raise CommandError(str(exc)) from exc
    return analyzer.state, inventory


def budget(args: argparse.Namespace, hardware: HardwareInfo) -> float | None:
    if args.vram is not None and args.vram <= 0:
        raise CommandError("--vram must be a positive number of GB")
    return args.vram if args.vram is not None else hardware.default_vram_budget_gb


def ram(args: argparse.Namespace, hardware: HardwareInfo) -> float | None:
    """The RAM to judge against: ``--ram`` if given, else this machine's."""
    if args.ram is None:
        return hardware.ram_total_gb
    if not math.isfinite(args.ram) or args.ram <= 0:
        raise CommandError("--ram must be a positive number of GB")
    return args.ram


def check_finite(args: argparse.Namespace) -> None:
    """nan, inf and 1e400 parse as floats but are no budget: JSON would carry NaN or Infinity."""
    for option in ("vram", "ram"):
        value = getattr(args, option, None)
        if value is not None and not math.isfinite(value):
            raise CommandError(f"--{option} must be a finite number of GB, not {value}")


def progress(message: str) -> contextlib.AbstractContextManager:
    """A spinner on stderr while a scan runs, only when a person watches a terminal (pipes stay quiet)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)


def width(args: argparse.Namespace) -> int | None:
    """The width tables must fit: $COLUMNS, else the terminal's; None (everything) with --wide or when piped."""
    if getattr(args, "wide", False):
        return None
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def write(text: str, stream: Any = None) -> None:
    """Write text that survives any terminal encoding: what cannot be encoded is shown as an escape."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    text = text if text.endswith("\n") else text + "\n"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def add_profile_option(parser: argparse.ArgumentParser) -> None:
    """``--profile P``: judge fit for one Wan2GP memory profile."""
    from ..fit.memory import PROFILES

    parser.add_argument("--profile", choices=PROFILES, help="judge fit for this Wan2GP memory profile "
                        "(default: the one wgp_config.json sets, else the fastest that fits)")
