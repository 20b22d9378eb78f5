"""``serve``: the Model Tracker tab as a standalone web app."""

from __future__ import annotations

import argparse
import os
from typing import Any

from . import common


def run(args: argparse.Namespace) -> int:
    from ..hub.sizes import NO_NETWORK_ENV
    from ..ui.serve import serve

    if args.no_network:  # the tab reads the setting when it builds its size fetcher
        os.environ[NO_NETWORK_ENV] = "1"
    catalog = common.catalog_for(args.wan2gp)
    try:
        serve(catalog, args.host, args.port)
    except OSError as exc:  # Gradio reports a busy or forbidden port this way
        raise common.CommandError(f"cannot serve on {args.host}:{args.port or 'the default port'}: {exc}") from exc
    return 0


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="open the Model Tracker tab as a standalone web app")
    serve.add_argument("--wan2gp", metavar="DIR", help=common.CATALOG_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: Gradio's, 7860 or the next free one)")
    serve.add_argument("--no-network", action="store_true", help="never ask the Hugging Face Hub for exact sizes")
    serve.set_defaults(handler=run)
