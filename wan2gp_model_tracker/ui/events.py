"""How the tab's handlers run: timed on request (benchmarks/bench_ui.py), failures shown in the tab, and the
options of the events a person waits for."""

from __future__ import annotations

import functools
import html
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import gradio as gr

from ..render.formatting import printable
from ..render.markdown import md_code

log = logging.getLogger(__name__)
TIMING_ENV = "WAN2GP_TRACKER_TIMING"
TIMING_PREFIX = "model-tracker-timing"
# Events a person waits for: answered outside the queue (no wait for a worker, no event stream to open) and
# without the loading overlay, whose own re-render costs more than these handlers.
FAST: dict[str, Any] = {"queue": False, "show_progress": "hidden"}


def timed(handler: Callable[..., Any]) -> Callable[..., Any]:
    """With WAN2GP_TRACKER_TIMING=1, each call prints the handler's own time on stderr (benchmarks/bench_ui.py sets
    it beside the browser's round trip); otherwise the handler unchanged."""
    if os.environ.get(TIMING_ENV) != "1" or hasattr(handler, "__wrapped__"):
        return handler

    @functools.wraps(handler)
    def run(*args: Any) -> Any:
        start = time.perf_counter()
        try:
            return handler(*args)
        finally:
            print(f"{TIMING_PREFIX} {handler.__name__} {(time.perf_counter() - start) * 1000:.1f}", file=sys.stderr,
                  flush=True)

    return run


def guarded(handler: Callable[..., Any], count: int, message_at: int, as_html: bool = False) -> Callable[..., Any]:
    """A handler that shows its failure as a message in the tab (an HTML or a Markdown output) instead of
    raising into Gradio."""
    handler = timed(handler)

    @functools.wraps(handler)
    def run(*args: Any) -> Any:
        try:
            return handler(*args)
        except Exception as exc:
            log.exception("Model Tracker: a tab event failed")
            problem = printable(f"{type(exc).__name__}: {exc}")
            message = (f'<div class="mt-chips"><span class="mt-chip mt-error">⚠ Model Tracker: '
                       f"{html.escape(problem)}</span></div>" if as_html
                       else f"⚠ **Model Tracker:** {md_code(problem)}")
            if count == 1:
                return gr.update()
            outputs: list[Any] = [gr.update() for _ in range(count)]
            outputs[message_at] = message
            return tuple(outputs)

    return run
