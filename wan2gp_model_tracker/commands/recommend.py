"""``recommend``: the best models for each task within a VRAM budget, downloaded ones first."""

from __future__ import annotations

import argparse
from typing import Any

from . import common
from .usage import measured_speeds


def run(args: argparse.Namespace) -> int:
    from ..fit.recommendations import recommend
    from ..render.recommendations import render_recommendations

    scan = common.scan(args)
    budget = common.budget(args, scan.hardware)
    if budget is None:
        raise common.CommandError(f"{scan.hardware.gpu.error or 'no GPU detected'}; give a budget with --vram GB")
    ram = common.ram(args, scan.hardware)
    result = recommend(scan.inventory, scan.metrics, budget, ram, memory_profiles=scan.memory_profiles,
                       profile=args.profile,
                       measured=measured_speeds(scan.inventory.settings.wan2gp_dir, args.wan2gp),
                       measured_peaks=common.measured_peaks(args, scan))
    text = render_recommendations(result, args.format)
    if args.format == "table":
        from ..render.terminal import wrap_lines

        text = "\n".join(wrap_lines(text.splitlines(), common.width(args), "    "))
    common.write(text)
    return 0


def register(commands: Any) -> None:
    rec = commands.add_parser("recommend", help="the best models for each task within a VRAM budget")
    rec.add_argument("--wan2gp", metavar="DIR", help=common.CATALOG_HELP)
    rec.add_argument("--vram", type=float, metavar="GB", help="VRAM budget (default: the largest detected GPU)")
    rec.add_argument("--ram", type=float, metavar="GB", help="system RAM (default: this machine's)")
    common.add_profile_option(rec)
    rec.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    rec.add_argument("--no-network", action="store_true", help="never ask the Hugging Face Hub for exact sizes")
    rec.add_argument("--wide", action="store_true", help="do not wrap lines to the terminal's width")
    rec.set_defaults(handler=run)
