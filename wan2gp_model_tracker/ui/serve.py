"""The Model Tracker tab as a standalone Gradio app, for use without Wan2GP running."""

from __future__ import annotations

import gradio as gr

from .. import __version__
from ..catalog.base import CatalogProvider
from .view import TrackerController
from ..ui_components import build_tab


def build_app(catalog: CatalogProvider) -> gr.Blocks:
    usage_scanner = None
    if catalog.kind != "demo":  # the demo has no outputs; keep its runs out of the user's usage database
        from functools import partial

        from ..usage.report import scan_usage
        from ..usage.store import UsageStore

        usage_scanner = partial(scan_usage, store=UsageStore())
    controller = TrackerController(catalog, usage_scanner=usage_scanner)
    with gr.Blocks(title="Wan2GP Model Tracker", analytics_enabled=False) as app:
        gr.Markdown(f"# Wan2GP Model Tracker <small>{__version__}</small>")
        tab = build_tab(controller)
        app.load(tab.refreshed, tab.inputs, tab.outputs)
    return app


def serve(catalog: CatalogProvider, host: str, port: int | None) -> None:
    app = build_app(catalog)
    app.queue().launch(server_name=host, server_port=port, share=False, inbrowser=False)
