"""``hardware``: the GPUs, RAM and free disk this machine has."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from . import common


def run(args: argparse.Namespace) -> int:
    from ..machine.hardware import detect_hardware

    roots = ()
    if args.wan2gp:
        roots = common.catalog_for(args.wan2gp).load().settings.checkpoint_roots
    hardware = detect_hardware(roots)
    if args.format == "json":
        common.write(json.dumps(asdict(hardware), indent=2))
    else:
        from ..render.terminal import wrap_lines

        common.write("\n".join(wrap_lines(hardware.summary_lines(), common.width(args), "    ")))
    return 0


def register(commands: Any) -> None:
    hardware = commands.add_parser("hardware", help="show the GPUs, RAM and free disk this machine has")
    hardware.add_argument("--wan2gp", metavar="DIR", help="also report free disk on this install's checkpoint folders")
    hardware.add_argument("--format", choices=("table", "json"), default="table")
    hardware.set_defaults(handler=run)
