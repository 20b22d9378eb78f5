"""The Model Tracker tab as a standalone Gradio app, for use without Wan2GP running."""

from __future__ import annotations

import signal
import sys
from typing import Any

import gradio as gr

from .. import __version__
from ..catalog.base import CatalogProvider
from .preflight_host import build_standalone_line, selector_update
from .tab import build_tab
from .view import TrackerController


def build_app(catalog: CatalogProvider) -> gr.Blocks:
    usage_scanner = measured_loader = None
    if catalog.kind != "demo":  # the demo has no outputs; keep its runs out of the user's usage database
        from functools import partial

        from ..usage.measurements import peaks_for_inventory
        from ..usage.report import scan_usage
        from ..usage.store import UsageStore

        usage_scanner = partial(scan_usage, store=UsageStore())
        measured_loader = peaks_for_inventory  # what the plugin recorded inside that Wan2GP
    controller = TrackerController(catalog, usage_scanner=usage_scanner, measured_loader=measured_loader)
    # delete_cache: Gradio's copies of the exports a user asked for go when the server stops.
    with gr.Blocks(title="Wan2GP Model Tracker", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        gr.Markdown(f"## Wan2GP Model Tracker <small>{__version__}</small>")
        # No generator here: a selector stands in for its model choice, with the line Wan2GP would show under it.
        pick, _, tab = build_standalone_line(controller, lambda: build_tab(controller))
        app.load(tab.refreshed, tab.inputs, tab.outputs).then(
            lambda current: selector_update(controller, current), [pick], [pick])
    return app


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    # SystemExit unwinds through Gradio's wait loop, so the atexit handlers remove the demo and export folders.
    # A second SIGTERM (a supervisor repeating itself) must not interrupt that cleanup.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(128 + signum)


def serve(catalog: CatalogProvider, host: str, port: int | None) -> None:
    app = build_app(catalog)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    app.queue().launch(server_name=host, server_port=port, share=False, inbrowser=False)
