"""The one parser every sub-command registers into, in the order ``--help`` lists them."""

from __future__ import annotations

import argparse

from .. import __version__
from . import cleanup, disk, download, hardware, install, inventory, recommend, serve, usage

COMMANDS = (inventory, hardware, recommend, serve, download, install, usage, disk, cleanup)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wan2gp-model-tracker",
        description="Which Wan2GP models are downloaded, partial or missing, and what they need.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.set_defaults(subparsers=commands.choices)
    for command in COMMANDS:
        command.register(commands)
    return parser
