"""``disk``: bytes per drive and root, unique and shared bytes per model, orphans and other variants."""

from __future__ import annotations

import argparse
from typing import Any

from . import common


def run(args: argparse.Namespace) -> int:
    from ..render import usage as r
    from ..usage.disk import disk_report

    state, inventory = common.state_and_inventory(args.wan2gp)
    report = disk_report(inventory, state.defs)
    if args.format == "json":
        common.write(r.to_json(r.disk_dict(report)))
        return 0
    if args.format == "table":
        from ..render.terminal_reports import disk_text

        common.write(disk_text(report, common.width(args)))
        return 0
    text = r.render_rows(r.disk_rows(report), args.format, "No model has its main weights on disk.")
    if args.format != "csv":
        text += "\n".join(r.disk_extra_lines(report, markdown=True))
    common.write(text)
    return 0


def register(commands: Any) -> None:
    disk = commands.add_parser("disk", help="disk used per model (unique and shared), orphans and other variants")
    disk.add_argument("--wan2gp", metavar="DIR", help=common.CATALOG_HELP)
    disk.add_argument("--format", choices=common.FORMATS, default="table")
    disk.set_defaults(handler=run)
