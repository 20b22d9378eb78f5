"""The one parser every sub-command registers into, in the order ``--help`` lists them; misspelt commands,
choices and options get a "did you mean" from difflib."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from .. import __version__
from . import cleanup, disk, download, hardware, install, inventory, recommend, serve, usage

COMMANDS = (inventory, hardware, recommend, serve, download, install, usage, disk, cleanup)


def did_you_mean(given: str, known: Iterable[str]) -> str:
    """" (did you mean X?)" when ``given`` is close to one of ``known``, else nothing."""
    close = difflib.get_close_matches(given, [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


class SuggestingParser(argparse.ArgumentParser):
    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # argparse's one hook for a value outside ``choices`` (a sub-command, --format, --status).
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as exc:
            if action.choices is None or "you meant" in str(exc):  # Python 3.14 may suggest on its own
                raise
            raise argparse.ArgumentError(action, exc.message + did_you_mean(str(value), action.choices)) from None

    def unknown_options(self, unknown: Sequence[str]) -> str:
        """The message for arguments nothing accepts, with the closest option each one may stand for."""
        options = [s for action in self._actions for s in action.option_strings]
        parts = [arg + (did_you_mean(arg.split("=", 1)[0], options) if arg.startswith("-") else "")
                 for arg in unknown]
        return f"unrecognized arguments: {' '.join(parts)}"


def build_parser() -> SuggestingParser:
    parser = SuggestingParser(
        prog="wan2gp-model-tracker",
        description="Which Wan2GP models are downloaded, partial or missing, and what they need.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.set_defaults(subparsers=commands.choices)
    for command in COMMANDS:
        command.register(commands)
    return parser
