"""Command line: ``python -m wan2gp_model_tracker <command>`` or ``wan2gp-model-tracker <command>``.

Each sub-command lives in ``commands/``; this entry point parses and reports a user mistake as one line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .commands.common import CommandError, check_finite, write
from .commands.parser import build_parser
from .render.formatting import terminal_text


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # a misspelt option: the sub-command's own usage says what it accepts, and what was meant
        sub = args.subparsers[args.command]
        sub.error(sub.unknown_options(unknown))
    try:
        check_finite(args)
        return args.handler(args)
    except CommandError as exc:
        write(f"wan2gp-model-tracker: {terminal_text(str(exc))}", sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
