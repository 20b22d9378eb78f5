"""``usage``: how often and how fast each model was used, read back from Wan2GP's outputs."""

from __future__ import annotations

import argparse
from typing import Any

from . import common


def usage_report(wan2gp_dir: str, demo: bool = False) -> Any:
    from ..usage.report import scan_usage
    from ..usage.store import UsageStore

    # The demo's outputs folder is a throwaway: keep it out of the user's database.
    return scan_usage(wan2gp_dir, UsageStore(in_memory=demo))


def measured_speeds(wan2gp_dir: str, given: str | None) -> dict[str, Any]:
    """Measured speeds for ``recommend``; the demo catalog has no outputs, so nothing is read for it."""
    if given is None:
        return {}
    try:
        return usage_report(wan2gp_dir).measured()
    except Exception:  # measured speed only refines the answer; recommend works without it
        return {}


def run(args: argparse.Namespace) -> int:
    from ..render import usage as r

    if args.since is not None and args.since < 0:
        raise common.CommandError("--since must be a positive number of days")
    state, _ = common.state_and_inventory(args.wan2gp)
    report = usage_report(state.settings.wan2gp_dir, demo=args.wan2gp is None)
    names = {t: str(d.get("name", "")) for t, d in state.defs.items()}
    if args.format == "json":
        common.write(r.to_json(r.usage_dict(report, names, args.since)))
        return 0
    if args.format == "table":
        from ..render.terminal_reports import usage_text

        common.write(usage_text(report, names, args.since, common.width(args)))
        return 0
    text = r.render_rows(r.usage_rows(report, names, args.since), args.format, "No generation found.")
    if args.format != "csv":
        text += "\n" + "\n".join(r.term_safe(line) for line in r.usage_footer(report))
    common.write(text)
    return 0


def register(commands: Any) -> None:
    usage = commands.add_parser("usage", help="how often and how fast you used each model, read from your outputs")
    usage.add_argument("--wan2gp", metavar="DIR", help=common.CATALOG_HELP)
    usage.add_argument("--since", type=float, metavar="DAYS", help="only generations of the last DAYS days")
    usage.add_argument("--format", choices=common.FORMATS, default="table")
    usage.set_defaults(handler=run)
