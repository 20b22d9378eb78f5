"""The ``usage``, ``disk`` and ``cleanup`` commands (wired into cli.py's parser by ``add_commands``).

``cleanup`` is two steps: ``--plan`` shows (and with ``--save-plan`` saves) exactly what would be
removed; ``--yes --plan-file FILE`` then executes that saved plan and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from .cli import FORMATS, CommandError, _catalog, _write


def _state_and_inventory(wan2gp: str | None) -> tuple[Any, Any]:
    from .model_analyzer import CatalogUnavailable, ModelAnalyzer

    analyzer = ModelAnalyzer(_catalog(wan2gp))
    try:
        inventory = analyzer.scan()
    except CatalogUnavailable as exc:
        raise CommandError(str(exc)) from exc
    return analyzer.state, inventory


def _usage_report(wan2gp_dir: str, demo: bool = False) -> Any:
    from .usage.report import scan_usage
    from .usage.store import UsageStore

    # The demo's outputs folder is a throwaway: keep it out of the user's database.
    return scan_usage(wan2gp_dir, UsageStore(in_memory=demo))


def measured_speeds(wan2gp_dir: str, given: str | None) -> dict[str, Any]:
    """Measured speeds for ``recommend``; the demo catalog has no outputs, so nothing is read for it."""
    if given is None:
        return {}
    try:
        return _usage_report(wan2gp_dir).measured()
    except Exception:  # measured speed only refines the answer; recommend works without it
        return {}


def cmd_usage(args: argparse.Namespace) -> int:
    from .render import usage as r

    if args.since is not None and args.since < 0:
        raise CommandError("--since must be a positive number of days")
    state, _ = _state_and_inventory(args.wan2gp)
    report = _usage_report(state.settings.wan2gp_dir, demo=args.wan2gp is None)
    names = {t: str(d.get("name", "")) for t, d in state.defs.items()}
    if args.format == "json":
        _write(r.to_json(r.usage_dict(report, names, args.since)))
        return 0
    text = r.render_rows(r.usage_rows(report, names, args.since), args.format, "No generation found.")
    if args.format != "csv":
        text += "\n" + "\n".join(r.term_safe(line) for line in r.usage_footer(report))
    _write(text)
    return 0


def cmd_disk(args: argparse.Namespace) -> int:
    from .render import usage as r
    from .usage.disk import disk_report

    state, inventory = _state_and_inventory(args.wan2gp)
    report = disk_report(inventory, state.defs)
    if args.format == "json":
        _write(r.to_json(r.disk_dict(report)))
        return 0
    text = r.render_rows(r.disk_rows(report), args.format, "No model has its main weights on disk.")
    if args.format != "csv":
        text += "\n".join(r.disk_extra_lines(report, markdown=args.format == "markdown"))
    _write(text)
    return 0


def cmd_cleanup(args: argparse.Namespace) -> int:
    if args.yes:
        return _execute(args)
    if not args.plan:
        raise CommandError("cleanup needs --plan (show what would be removed) or --yes --plan-file FILE")
    from .fileio import write_json_atomic
    from .render import usage as r
    from .usage import cleanup
    from .usage.disk import disk_report

    state, inventory = _state_and_inventory(args.wan2gp)
    report = disk_report(inventory, state.defs)
    try:
        if args.models:
            plan = cleanup.plan_models(report, args.models)
        elif args.unused_days is not None:
            usage = _usage_report(state.settings.wan2gp_dir, demo=args.wan2gp is None).by_model()
            plan = cleanup.plan_unused(report, usage, args.unused_days)
        elif args.orphans:
            plan = cleanup.plan_orphans(report, include_loras=args.include_loras)
        elif args.other_variants:
            plan = cleanup.plan_other_variants(report)
        elif args.stale_partials:
            plan = cleanup.plan_stale_partials(report)
        else:
            raise CommandError("choose what to remove: --models, --unused-days, --orphans, --other-variants "
                               "or --stale-partials")
    except cleanup.PlanError as exc:
        raise CommandError(str(exc)) from exc
    if args.format == "json":
        _write(r.to_json(plan.to_dict()))
    else:
        _write("\n".join(r.plan_lines(plan, markdown=args.format == "markdown")))
    if args.save_plan:
        try:
            write_json_atomic(args.save_plan, plan.to_dict(), indent=1, ensure_ascii=True)
        except OSError as exc:
            raise CommandError(f"cannot save the plan to {args.save_plan}: {exc.strerror or exc}") from exc
        print(f"\nPlan saved. To remove exactly these files (to the trash): "
              f"python -m wan2gp_model_tracker cleanup --yes --plan-file {r.term_safe(args.save_plan)}",
              file=sys.stderr)
    return 0


def _execute(args: argparse.Namespace) -> int:
    from .render import usage as r
    from .usage import cleanup
    from .usage.disk import disk_report

    if not args.plan_file:
        raise CommandError("--yes needs --plan-file FILE (a plan saved with --plan --save-plan FILE)")
    try:
        with open(args.plan_file, encoding="utf-8") as fh:
            plan = cleanup.CleanupPlan.from_dict(json.load(fh))
    except (OSError, ValueError, cleanup.PlanError) as exc:
        raise CommandError(f"cannot use plan {args.plan_file}: {exc}") from exc
    if args.wan2gp and os.path.abspath(args.wan2gp) != os.path.abspath(plan.wan2gp_dir):
        raise CommandError(f"the plan was made for {plan.wan2gp_dir}, not {args.wan2gp}")
    # The folders a removal may touch come from the install's current settings, never from the plan file.
    state, inventory = _state_and_inventory(plan.wan2gp_dir)
    report = disk_report(inventory, state.defs)
    _write("\n".join(r.plan_lines(plan)))
    result = cleanup.execute(plan, report.allowed_roots, permanent=args.permanent)
    _write("\n" + "\n".join(r.execution_lines(result)))
    return 1 if result.refused or result.problems else 0


def add_commands(commands: Any) -> None:
    usage = commands.add_parser("usage", help="how often and how fast you used each model, read from your outputs")
    usage.add_argument("--wan2gp", metavar="DIR", help="a Wan2GP install folder (default: the built-in demo)")
    usage.add_argument("--since", type=float, metavar="DAYS", help="only generations of the last DAYS days")
    usage.add_argument("--format", choices=FORMATS, default="table")
    usage.set_defaults(handler=cmd_usage)

    disk = commands.add_parser("disk", help="disk used per model (unique and shared), orphans and other variants")
    disk.add_argument("--wan2gp", metavar="DIR", help="a Wan2GP install folder (default: the built-in demo)")
    disk.add_argument("--format", choices=FORMATS, default="table")
    disk.set_defaults(handler=cmd_disk)

    clean = commands.add_parser("cleanup", help="plan a cleanup (--plan), then execute that exact plan (--yes)")
    clean.add_argument("--wan2gp", metavar="DIR", help="a Wan2GP install folder (default: the built-in demo)")
    what = clean.add_mutually_exclusive_group()
    what.add_argument("--models", nargs="+", metavar="MODEL_TYPE", help="remove these models' files")
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
    clean.set_defaults(handler=cmd_cleanup)
