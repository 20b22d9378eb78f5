"""``inventory``: every model with its download status, sizes, VRAM and fit."""

from __future__ import annotations

import argparse
from typing import Any

from ..records import ModelStatus
from . import common, names


def run(args: argparse.Namespace) -> int:
    from ..fit.hardware import assess_fit
    from ..render import markdown, renderers

    if args.details and args.format == "csv":
        raise common.CommandError("--details cannot fit in CSV (one row per model); use --format json, markdown "
                                  "or table")
    scan = common.scan(args)
    inventory = scan.inventory
    budget = common.budget(args, scan.hardware)
    ram = common.ram(args, scan.hardware)
    profiles = scan.memory_profiles
    measured = common.measured_peaks(args, scan)
    fits = {t: assess_fit(m, budget, ram, profiles.get(m.output_type),
                          profile=args.profile or profiles.get(m.output_type), measured=measured.get(t))
            for t, m in scan.metrics.items()} if budget else {}
    wanted = set(names.model_types(args.models, inventory, common.width(args))) if args.models else None
    models = [m for m in inventory.models if (args.status is None or m.status.value == args.status)
              and (wanted is None or m.model_type in wanted)]
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
        text = renderers.render_table(inventory, width=common.width(args), details=args.details, **extras)
    common.write(text)
    return 0


def register(commands: Any) -> None:
    inventory = commands.add_parser("inventory", help="list every model with its download status")
    inventory.add_argument("models", nargs="*", metavar="MODEL",
                           help="only these models: model types, display names, older names or Hub repositories")
    inventory.add_argument("--wan2gp", metavar="DIR", help=common.CATALOG_HELP)
    inventory.add_argument("--format", choices=common.FORMATS, default="table")
    inventory.add_argument("--status", choices=[s.value for s in ModelStatus], help="only models with this status")
    inventory.add_argument("--details", action="store_true",
                           help="add each model's files (table, Markdown; JSON always has them; not CSV)")
    inventory.add_argument("--wide", action="store_true", help="every column, however wide the terminal")
    inventory.add_argument("--vram", type=float, metavar="GB", help="judge fit for this VRAM budget "
                           "(default: the largest detected GPU)")
    inventory.add_argument("--ram", type=float, metavar="GB", help="judge fit for this much system RAM "
                           "(default: this machine's)")
    common.add_profile_option(inventory)
    inventory.add_argument("--no-network", action="store_true",
                           help="never ask the Hugging Face Hub for exact sizes (cached sizes are still used)")
    inventory.set_defaults(handler=run)
