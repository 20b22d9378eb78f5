"""Command line: ``python -m wan2gp_model_tracker <command>`` or ``wan2gp-model-tracker <command>``.

Nothing here imports Gradio except ``serve``: the inventory answers in a fraction of a second.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import __version__
from .catalog.base import CatalogProvider
from .model_analyzer import CatalogUnavailable, ModelAnalyzer
from .records import Inventory, ModelStatus
from .render.formatting import terminal_text

if TYPE_CHECKING:
    from .fit.hardware import HardwareInfo

FORMATS = ("table", "markdown", "json", "csv")
# How long the command line waits for exact sizes from the Hub before printing estimates.
HUB_WAIT_SECONDS = 5.0


class CommandError(Exception):
    """A user mistake reported as one line and exit code 2."""


def _catalog(wan2gp: str | None) -> CatalogProvider:
    if wan2gp is None:
        from .catalog.demo import DemoCatalog

        return DemoCatalog()
    from .catalog.offline import NotAWan2GPFolder, OfflineCatalog

    try:
        return OfflineCatalog(wan2gp)
    except NotAWan2GPFolder as exc:
        raise CommandError(str(exc)) from exc


@dataclass(frozen=True)
class _Scan:
    inventory: Inventory
    metrics: dict[str, Any]
    hardware: HardwareInfo
    memory_profiles: Mapping[str, str]


def _scan(args: argparse.Namespace) -> _Scan:
    """Scan the chosen catalog and attach metrics and the machine's hardware."""
    from .downloads.hub import HubSizes
    from .fit.hardware import detect_hardware
    from .performance_db import PerformanceDatabase

    database = PerformanceDatabase.default()
    sizes = HubSizes(network=not getattr(args, "no_network", False))
    analyzer = ModelAnalyzer(_catalog(args.wan2gp), params_lookup=database.model_params_b, hub_sizes=sizes)
    try:
        with _progress("Scanning the model definitions and their files…"):
            inventory = analyzer.scan()
            if not sizes.wait(0) and sizes.wait(HUB_WAIT_SECONDS):  # exact sizes arrived in time: use them
                inventory = analyzer.scan()
    except CatalogUnavailable as exc:
        raise CommandError(str(exc)) from exc
    metrics = database.metrics_for_inventory(inventory, analyzer.state.defs)
    return _Scan(inventory, metrics, detect_hardware(inventory.settings.checkpoint_roots),
                 analyzer.state.memory_profiles)


def _measured(args: argparse.Namespace, scan: _Scan) -> dict[str, Any]:
    """Per model type, the peak the plugin measured inside this Wan2GP that the verdict uses (none for the demo)."""
    if args.wan2gp is None:
        return {}
    from .fit.measured import measured_for_inventory
    from .usage.measurements import peaks_for_inventory

    return measured_for_inventory(scan.metrics, peaks_for_inventory(scan.inventory), scan.memory_profiles)


def _budget(args: argparse.Namespace, hardware: HardwareInfo) -> float | None:
    if args.vram is not None and args.vram <= 0:
        raise CommandError("--vram must be a positive number of GB")
    return args.vram if args.vram is not None else hardware.default_vram_budget_gb


def _ram(args: argparse.Namespace, hardware: HardwareInfo) -> float | None:
    """The RAM to judge against: ``--ram`` if given, else this machine's."""
    if args.ram is None:
        return hardware.ram_total_gb
    if not math.isfinite(args.ram) or args.ram <= 0:
        raise CommandError("--ram must be a positive number of GB")
    return args.ram


def _check_finite(args: argparse.Namespace) -> None:
    """nan, inf and 1e400 parse as floats but are no budget: JSON would carry NaN or Infinity."""
    for option in ("vram", "ram"):
        value = getattr(args, option, None)
        if value is not None and not math.isfinite(value):
            raise CommandError(f"--{option} must be a finite number of GB, not {value}")


def _progress(message: str) -> contextlib.AbstractContextManager:
    """A spinner on stderr while a scan runs, only when a person watches a terminal (pipes stay quiet)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)


def _width(args: argparse.Namespace) -> int | None:
    """The width tables must fit: $COLUMNS, else the terminal's; None (everything) with --wide or when piped."""
    if getattr(args, "wide", False):
        return None
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _write(text: str, stream: Any = None) -> None:
    """Write text that survives any terminal encoding: what cannot be encoded is shown as an escape."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    text = text if text.endswith("\n") else text + "\n"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def cmd_inventory(args: argparse.Namespace) -> int:
    from .fit.hardware import assess_fit
    from .render import markdown, renderers

    if args.details and args.format == "csv":
        raise CommandError("--details cannot fit in CSV (one row per model); use --format json, markdown or table")
    scan = _scan(args)
    inventory = scan.inventory
    budget = _budget(args, scan.hardware)
    ram = _ram(args, scan.hardware)
    profiles = scan.memory_profiles
    measured = _measured(args, scan)
    fits = {t: assess_fit(m, budget, ram, profiles.get(m.output_type), measured=measured.get(t))
            for t, m in scan.metrics.items()} if budget else {}
    models = [m for m in inventory.models if args.status is None or m.status.value == args.status]
    extras = {"models": models, "metrics": scan.metrics, "fits": fits, "measured": measured}
    if args.format == "json":
        text = renderers.render_json(inventory, **extras)
    elif args.format == "csv":
        text = renderers.render_csv(inventory, **extras)
    elif args.format == "markdown":
        notes = [f"status {args.status}"] if args.status else []
        if budget:
            notes.append(f"fit judged for {budget:g} GB of VRAM" + (f" and {ram:g} GB of RAM" if ram else ""))
        text = markdown.render_markdown(inventory, details=args.details, filters_note=", ".join(notes),
                                         hardware_lines=scan.hardware.summary_lines(), **extras)
    else:
        text = renderers.render_table(inventory, width=_width(args), details=args.details, **extras)
    _write(text)
    return 0


def cmd_hardware(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .fit.hardware import detect_hardware

    roots = ()
    if args.wan2gp:
        roots = _catalog(args.wan2gp).load().settings.checkpoint_roots
    hardware = detect_hardware(roots)
    if args.format == "json":
        _write(json.dumps(asdict(hardware), indent=2))
    else:
        _write("\n".join(hardware.summary_lines()))
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from .fit.recommendations import recommend
    from .render.recommendations import render_recommendations

    scan = _scan(args)
    budget = _budget(args, scan.hardware)
    if budget is None:
        raise CommandError(f"{scan.hardware.gpu.error or 'no GPU detected'}; give a budget with --vram GB")
    ram = _ram(args, scan.hardware)
    from .cli_usage import measured_speeds

    result = recommend(scan.inventory, scan.metrics, budget, ram, memory_profiles=scan.memory_profiles,
                       measured=measured_speeds(scan.inventory.settings.wan2gp_dir, args.wan2gp),
                       measured_peaks=_measured(args, scan))
    text = render_recommendations(result, args.format)
    if args.format == "table":
        from .render.terminal import wrap_text

        width = _width(args)
        text = "\n".join(part for line in text.splitlines() for part in wrap_text(line, width, "    "))
    _write(text)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .downloads.hub import NO_NETWORK_ENV
    from .ui.serve import serve

    if args.no_network:  # the tab reads the setting when it builds its size fetcher
        os.environ[NO_NETWORK_ENV] = "1"
    catalog = _catalog(args.wan2gp)
    try:
        serve(catalog, args.host, args.port)
    except OSError as exc:  # Gradio reports a busy or forbidden port this way
        raise CommandError(f"cannot serve on {args.host}:{args.port or 'the default port'}: {exc}") from exc
    return 0


def _install_action(args: argparse.Namespace, planner, action, verb: str) -> int:
    from .catalog.offline import NotAWan2GPFolder
    from .installer import InstallError

    try:
        plan = planner(args.wan2gp)
        if args.dry_run:
            _write(f"Would {verb}:\n{plan.describe()}")
            return 0
        action(args.wan2gp)
    except (NotAWan2GPFolder, InstallError, OSError) as exc:
        raise CommandError(str(exc)) from exc
    _write(f"Done ({verb}):\n{plan.describe()}")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    from .installer import install, plan_install

    return _install_action(args, plan_install, install, "install")


def cmd_uninstall(args: argparse.Namespace) -> int:
    from .installer import plan_uninstall, uninstall

    return _install_action(args, plan_uninstall, uninstall, "uninstall")


def cmd_download(args: argparse.Namespace) -> int:
    from .downloads.command import DownloadRequest, run_download
    from .downloads.plan import PlanError

    analyzer = ModelAnalyzer(_catalog(args.wan2gp))
    request = DownloadRequest(tuple(args.model_types), args.dry_run, tuple(args.reuse_from or ()), args.link,
                              args.no_network)
    try:
        return run_download(analyzer.scan, request)
    except (PlanError, CatalogUnavailable) as exc:
        raise CommandError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wan2gp-model-tracker",
        description="Which Wan2GP models are downloaded, partial or missing, and what they need.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.set_defaults(subparsers=commands.choices)

    inventory = commands.add_parser("inventory", help="list every model with its download status")
    inventory.add_argument("--wan2gp", metavar="DIR", help="a Wan2GP install folder (default: the built-in demo)")
    inventory.add_argument("--format", choices=FORMATS, default="table")
    inventory.add_argument("--status", choices=[s.value for s in ModelStatus], help="only models with this status")
    inventory.add_argument("--details", action="store_true",
                           help="add each model's files (table, Markdown; JSON always has them; not CSV)")
    inventory.add_argument("--wide", action="store_true", help="every column, however wide the terminal")
    inventory.add_argument("--vram", type=float, metavar="GB", help="judge fit for this VRAM budget "
                           "(default: the largest detected GPU)")
    inventory.add_argument("--ram", type=float, metavar="GB", help="judge fit for this much system RAM "
                           "(default: this machine's)")
    inventory.add_argument("--no-network", action="store_true",
                           help="never ask the Hugging Face Hub for exact sizes (cached sizes are still used)")
    inventory.set_defaults(handler=cmd_inventory)

    hardware = commands.add_parser("hardware", help="show the GPUs, RAM and free disk this machine has")
    hardware.add_argument("--wan2gp", metavar="DIR", help="also report free disk on this install's checkpoint folders")
    hardware.add_argument("--format", choices=("table", "json"), default="table")
    hardware.set_defaults(handler=cmd_hardware)

    rec = commands.add_parser("recommend", help="the best models for each task within a VRAM budget")
    rec.add_argument("--wan2gp", metavar="DIR", help="a Wan2GP install folder (default: the built-in demo)")
    rec.add_argument("--vram", type=float, metavar="GB", help="VRAM budget (default: the largest detected GPU)")
    rec.add_argument("--ram", type=float, metavar="GB", help="system RAM (default: this machine's)")
    rec.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    rec.add_argument("--no-network", action="store_true", help="never ask the Hugging Face Hub for exact sizes")
    rec.add_argument("--wide", action="store_true", help="do not wrap lines to the terminal's width")
    rec.set_defaults(handler=cmd_recommend)

    serve = commands.add_parser("serve", help="open the Model Tracker tab as a standalone web app")
    serve.add_argument("--wan2gp", metavar="DIR", help="a Wan2GP install folder (default: the built-in demo)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: Gradio's, 7860 or the next free one)")
    serve.add_argument("--no-network", action="store_true", help="never ask the Hugging Face Hub for exact sizes")
    serve.set_defaults(handler=cmd_serve)

    from .downloads.command import EXIT_CODES

    download = commands.add_parser(
        "download", help="fetch (or reuse from disk) what models need, where Wan2GP expects it",
        epilog="exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()))
    download.add_argument("model_types", nargs="+", metavar="MODEL_TYPE")
    download.add_argument("--wan2gp", metavar="DIR", help="a Wan2GP install folder (default: the built-in demo)")
    download.add_argument("--dry-run", action="store_true", help="only show the plan")
    download.add_argument("--reuse-from", action="append", metavar="DIR",
                          help="also look for copies in this folder (e.g. ComfyUI's models/); repeatable")
    download.add_argument("--link", choices=("hard", "sym", "copy"),
                          help="reuse copies found on disk this way instead of downloading them")
    download.add_argument("--no-network", action="store_true", help="only reuse copies; download nothing")
    download.set_defaults(handler=cmd_download)

    for name, handler, text in (("install", cmd_install, "put the plugin into a Wan2GP folder and enable it"),
                                ("uninstall", cmd_uninstall, "disable the plugin and remove its folder")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--wan2gp", metavar="DIR", required=True, help="the Wan2GP install folder")
        sub.add_argument("--dry-run", action="store_true", help="only show what would change")
        sub.set_defaults(handler=handler)
    from .cli_usage import add_commands

    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # a misspelt option: the sub-command's own usage says what it accepts
        args.subparsers[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        _check_finite(args)
        return args.handler(args)
    except CommandError as exc:
        _write(f"wan2gp-model-tracker: {terminal_text(str(exc))}", sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
