"""``cleanup``: two steps. ``--plan`` shows (and with ``--save-plan`` saves) exactly what would be removed;
``--yes --plan-file FILE`` then executes that saved plan and nothing else."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from . import common, names
from .usage import usage_report


def run(args: argparse.Namespace) -> int:
    if args.yes:
        return _execute(args)
    if not args.plan:
        raise common.CommandError("cleanup needs --plan (show what would be removed) or --yes --plan-file FILE")
    from ..fileio import write_json_atomic
    from ..render import usage as r
    from ..usage import cleanup
    from ..usage.disk import disk_report

    state, inventory = common.state_and_inventory(args.wan2gp)
    report = disk_report(inventory, state.defs)
    try:
        if args.models:
            plan = cleanup.plan_models(report, list(names.model_types(args.models, inventory, common.width(args))))
        elif args.unused_days is not None:
            usage = usage_report(state.settings.wan2gp_dir, demo=args.wan2gp is None).by_model()
            plan = cleanup.plan_unused(report, usage, args.unused_days)
        elif args.orphans:
            plan = cleanup.plan_orphans(report, include_loras=args.include_loras)
        elif args.other_variants:
            plan = cleanup.plan_other_variants(report)
        elif args.stale_partials:
            plan = cleanup.plan_stale_partials(report)
        else:
            raise common.CommandError("choose what to remove: --models, --unused-days, --orphans, --other-variants "
                                      "or --stale-partials")
    except cleanup.PlanError as exc:
        raise common.CommandError(str(exc)) from exc
    if args.format == "json":
        common.write(r.to_json(plan.to_dict()))
    else:
        from ..render.terminal import wrap_lines

        markdown = args.format == "markdown"
        lines = r.plan_lines(plan, markdown=markdown)
        common.write("\n".join(lines if markdown else wrap_lines(lines, common.width(args), "    ")))
    if args.save_plan:
        try:
            write_json_atomic(args.save_plan, plan.to_dict(), indent=1, ensure_ascii=True)
        except OSError as exc:
            raise common.CommandError(f"cannot save the plan to {args.save_plan}: {exc.strerror or exc}") from exc
        print(f"\nPlan saved. To remove exactly these files (to the trash): "
              f"python -m wan2gp_model_tracker cleanup --yes --plan-file {r.term_safe(args.save_plan)}",
              file=sys.stderr)
    return 0


def _execute(args: argparse.Namespace) -> int:
    from ..render import usage as r
    from ..usage import cleanup
    from ..usage.disk import disk_report

    if not args.plan_file:
        raise common.CommandError("--yes needs --plan-file FILE (a plan saved with --plan --save-plan FILE)")
    try:
        with open(args.plan_file, encoding="utf-8") as fh:
            plan = cleanup.CleanupPlan.from_dict(json.load(fh))
    except (OSError, ValueError, cleanup.PlanError) as exc:
        raise common.CommandError(f"cannot use plan {args.plan_file}: {exc}") from exc
    if args.wan2gp and os.path.abspath(args.wan2gp) != os.path.abspath(plan.wan2gp_dir):
        raise common.CommandError(f"the plan was made for {plan.wan2gp_dir}, not {args.wan2gp}")
    # The folders a removal may touch come from the install's current settings, never from the plan file.
    state, inventory = common.state_and_inventory(plan.wan2gp_dir)
    report = disk_report(inventory, state.defs)
    from ..render.terminal import wrap_lines

    width = common.width(args)
    common.write("\n".join(wrap_lines(r.plan_lines(plan), width, "    ")))
    result = cleanup.execute(plan, report.allowed_roots, permanent=args.permanent)
    common.write("\n" + "\n".join(wrap_lines(r.execution_lines(result), width, "    ")))
    return 1 if result.refused or result.problems else 0


def register(commands: Any) -> None:
    clean = commands.add_parser("cleanup", help="plan a cleanup (--plan), then execute that exact plan (--yes)")
    clean.add_argument("--wan2gp", metavar="DIR", help=common.CATALOG_HELP)
    what = clean.add_mutually_exclusive_group()
    what.add_argument("--models", nargs="+", metavar="MODEL", help="remove these models' files (model types or any "
                      "name the inventory knows them by)")
    what.add_argument("--unused-days", type=float, metavar="N", help="models not used for N days")
    what.add_argument("--orphans", action="store_true", help="weight files no definition uses")
    what.add_argument("--other-variants", action="store_true", help="quantizations the settings do not load")
    what.add_argument("--stale-partials", action="store_true", help="abandoned partial downloads")
    clean.add_argument("--include-loras", action="store_true", help="with --orphans: also LoRAs no definition ships")
    clean.add_argument("--plan", action="store_true", help="show what would be removed (removes nothing)")
    clean.add_argument("--save-plan", metavar="FILE", help="with --plan: save the plan for --yes --plan-file")
    clean.add_argument("--yes", action="store_true", help="execute the plan saved in --plan-file")
    clean.add_argument("--plan-file", metavar="FILE", help="a plan saved with --save-plan")
    clean.add_argument("--permanent", action="store_true", help="delete instead of moving to the trash")
    clean.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    clean.set_defaults(handler=run)
