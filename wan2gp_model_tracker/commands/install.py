"""``install`` and ``uninstall``: the plugin into (or out of) a Wan2GP folder, ``enabled_plugins`` edited."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from . import common


def _act(args: argparse.Namespace, planner: Callable[[str], Any], action: Callable[[str], Any], verb: str) -> int:
    from ..catalog.offline import NotAWan2GPFolder
    from ..installer import InstallError

    try:
        plan = planner(args.wan2gp)
        if args.dry_run:
            common.write(f"Would {verb}:\n{plan.describe()}")
            return 0
        action(args.wan2gp)
    except (NotAWan2GPFolder, InstallError, OSError) as exc:
        raise common.CommandError(str(exc)) from exc
    common.write(f"Done ({verb}):\n{plan.describe()}")
    return 0


def run_install(args: argparse.Namespace) -> int:
    from ..installer import install, plan_install

    return _act(args, plan_install, install, "install")


def run_uninstall(args: argparse.Namespace) -> int:
    from ..installer import plan_uninstall, uninstall

    return _act(args, plan_uninstall, uninstall, "uninstall")


def register(commands: Any) -> None:
    for name, handler, text in (("install", run_install, "put the plugin into a Wan2GP folder and enable it"),
                                ("uninstall", run_uninstall, "disable the plugin and remove its folder")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--wan2gp", metavar="DIR", required=True, help="the Wan2GP install folder")
        sub.add_argument("--dry-run", action="store_true", help="only show what would change")
        sub.set_defaults(handler=handler)
