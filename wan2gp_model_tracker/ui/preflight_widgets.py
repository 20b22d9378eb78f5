"""The pre-flight line's Gradio widgets: built under the generator's model header (or above the standalone
app's tab), following one browser session's model, never raising into the host's events.

Per-session values live in a ``gr.State`` dict (the model shown, a switch counter, a queueing problem); the
line's content comes from ui/preflight.py over the tracker's cached scan, so a switch costs look-ups only.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import gradio as gr

from ..downloads.plan import PlanError
from ..downloads.queue import DownloadQueue, default_queue
from ..records import ModelStatus
from .downloads_view import NO_LINK, RescanOnCompletion, make_panel_plan
from .preflight import PreflightLine, line_html, preflight_line
from .preflight_settings import TrackerSettings
from .view import TrackerController

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
# A switch rescans (warm: the analyzer reuses what did not change) when the tracker's last scan is older than this,
# so files added or removed outside the tracker show; quicker switches answer from that scan.
FRESH_SECONDS = 5.0
TOGGLE_LABEL = "Show the pre-flight line under the model in the generator"
# Scoped to the line's own element; colours tinted from transparent read on Wan2GP's light and dark themes.
PREFLIGHT_CSS = """
#mt-preflight { gap: 4px; padding: 2px 8px 4px; }
#mt-preflight #mt-pf-style { display: none; }
#mt-preflight .mt-pf-row { align-items: flex-start; flex-wrap: nowrap; gap: 6px; }
#mt-preflight .mt-pf-phrases { font-size: var(--text-sm); line-height: 1.5; display: flex; flex-wrap: wrap;
  align-items: baseline; column-gap: 2px; }
#mt-preflight .mt-pf-sep { padding: 0 6px; opacity: 0.7; }
#mt-preflight summary.mt-pf-phrases { cursor: pointer; list-style: none; }
#mt-preflight summary.mt-pf-phrases::-webkit-details-marker { display: none; }
#mt-preflight .mt-pf-files { text-decoration: underline dotted; }
#mt-preflight .mt-pf-list { margin: 2px 0 4px 18px; font-size: var(--text-xs); max-height: 7.5em; overflow-y: auto; }
#mt-preflight .mt-pf-fit-fits { color: color-mix(in srgb, #16a34a 80%, var(--body-text-color)); }
#mt-preflight .mt-pf-fit-change { color: color-mix(in srgb, #ca8a04 85%, var(--body-text-color)); }
#mt-preflight .mt-pf-fit-no, #mt-preflight .mt-pf-problem { color: color-mix(in srgb, #dc2626 85%,
  var(--body-text-color)); }
#mt-preflight button { flex-grow: 0; }
"""

_failures_logged: set[str] = set()


def _log_once(what: str) -> None:
    """The first failure of each handler is logged with its traceback; repeats would flood Wan2GP's console."""
    if what in _failures_logged:
        log.debug("Model Tracker: the pre-flight %s failed again", what, exc_info=True)
    else:
        _failures_logged.add(what)
        log.exception("Model Tracker: the pre-flight %s failed; the line hides", what)


def _guarded(what: str, fallback: Callable[[], Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A handler that returns ``fallback()`` (the line hidden) instead of raising into the host's event."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def run(*args: Any) -> Any:
            try:
                return handler(*args)
            except Exception:
                _log_once(what)
                try:
                    return fallback()
                except Exception:  # even building the fallback failed: change nothing
                    return None

        return run

    return wrap


def model_from_target(value: Any) -> str:
    """The model in Wan2GP's ``model_choice_target`` value ("<model type>|<time>")."""
    return str(value or "").split("|", 1)[0].strip() if isinstance(value, str) else ""


def model_from_state(state: Any) -> str:
    """The model in the host's per-session ``state`` dict."""
    model_type = state.get("model_type") if isinstance(state, dict) else None
    return model_type if isinstance(model_type, str) else ""


@dataclass
class PreflightWidgets:
    """The line's components and the handlers the host-side wiring reuses."""

    box: Any
    html: Any
    download: Any
    details: Any
    session: Any
    timer: Any
    done: Any
    controller_of: Callable[[], TrackerController | None]
    settings: TrackerSettings
    queue: DownloadQueue

    @property
    def outputs(self) -> list[Any]:
        """What ``show`` returns, in order."""
        return [self.box, self.html, self.download, self.timer]

    @property
    def tick_outputs(self) -> list[Any]:
        return [*self.outputs, self.done]

    # --- content ------------------------------------------------------------------------------------

    def hidden(self) -> tuple:
        return gr.update(visible=False), gr.update(), gr.update(), gr.Timer(active=False)

    @staticmethod
    def unchanged() -> tuple:
        return gr.update(), gr.update(), gr.update(), gr.update()

    def line_for(self, model_type: str, session: dict) -> PreflightLine | None:
        controller = self.controller_of()
        if controller is None or not model_type or not self.settings.preflight_enabled:
            return None
        data = controller.data
        scanned = data.inventory.scanned_at
        if (datetime.now(scanned.tzinfo) - scanned).total_seconds() > FRESH_SECONDS:
            data = controller.refresh()
        line = preflight_line(data, model_type, self.queue.snapshot())
        if line is not None and session.get("problem_for") == model_type:
            line = replace(line, problem=str(session.get("problem", "")))
        return line

    def _outputs_for(self, line: PreflightLine | None) -> tuple:
        if line is None:
            return self.hidden()
        can_queue = line.model_files_missing and not line.downloading
        return (gr.update(visible=True), line_html(line), gr.update(visible=can_queue),
                gr.Timer(active=line.downloading))

    def show(self, model_type: str, session: Any) -> tuple:
        """The line for ``model_type`` in this session; a newer switch that started meanwhile wins."""
        session = session if isinstance(session, dict) else {}
        token = int(session.get("token", 0)) + 1
        session.update(token=token, model=model_type)
        session.pop("problem_for", None)  # a queueing problem shows until the next switch, not after it
        line = self.line_for(model_type, session)
        if session.get("token") != token:
            return self.unchanged()
        return self._outputs_for(line)

    def tick(self, session: Any) -> tuple:
        """Progress while this session's model downloads; the rescan and the 🟦 when it is done."""
        session = session if isinstance(session, dict) else {}
        token, model_type = session.get("token"), str(session.get("model") or "")
        line = self.line_for(model_type, session)
        controller = self.controller_of()
        if line is not None and not line.downloading and line.status is not ModelStatus.DOWNLOADED \
                and controller is not None and model_type in self.queue.snapshot().completed_models:
            # The queue's own rescan runs on its worker thread after the job is marked done: do not wait for it.
            controller.refresh()
            line = self.line_for(model_type, session)
        if session.get("token") != token:
            return (*self.unchanged(), gr.update())
        return (*self._outputs_for(line), len(self.queue.snapshot().completed_models))

    def queue_missing(self, session: Any) -> Any:
        """Queue exactly what this session's model is missing; progress then shows on the timer's ticks."""
        session = session if isinstance(session, dict) else {}
        model_type = str(session.get("model") or "")
        controller = self.controller_of()
        if controller is None or not model_type:
            return gr.Timer(active=False)
        self.queue.add_model_listener(RescanOnCompletion(controller))
        session.pop("problem_for", None)
        try:
            plan = make_panel_plan(controller.data.inventory, [model_type], (), NO_LINK)
            if plan.files:
                self.queue.submit(plan)
        except PlanError as exc:  # not enough space, nothing to fetch: said on the line, not raised
            session.update(problem_for=model_type, problem=f"nothing was queued: {exc}")
        return gr.Timer(active=True)

    # --- wiring -------------------------------------------------------------------------------------

    def follow(self, trigger: Callable[..., Any], inputs: Sequence[Any], model_of: Callable[..., str]) -> None:
        """Render the line whenever ``trigger`` fires (a switch, a page load), for the model ``model_of`` reads
        from ``inputs``."""

        @_guarded("update", self.hidden)
        def update(*values: Any) -> tuple:
            return self.show(model_of(*values[:-1]), values[-1])

        trigger(update, [*inputs, self.session], self.outputs, show_progress="hidden", trigger_mode="always_last",
                concurrency_limit=None)

    def connect_details(self, handler: Callable[[str, Any], tuple], inputs: Sequence[Any],
                        outputs: Sequence[Any]) -> None:
        """``handler(model_type, *values)`` opens the tracker on this session's model."""
        count = len(outputs)

        @_guarded("details", lambda: tuple(gr.update() for _ in range(count)) if count > 1 else gr.update())
        def open_details(session: Any, *values: Any) -> Any:
            model_type = str(session.get("model") or "") if isinstance(session, dict) else ""
            return handler(model_type, *values)

        self.details.click(open_details, [self.session, *inputs], list(outputs), show_progress="hidden").then(
            None, None, None, js="() => setTimeout(() => document.querySelector('#mt-details')"
            "?.scrollIntoView({block: 'start'}), 300)")

    def connect_tab(self, tab: Any) -> None:
        """The tracker's table rescans when a download started here completes."""
        self.done.change(_guarded("rescan", lambda: tab.error_outputs("⚠ rescan failed"))(tab.open), tab.inputs,
                         tab.outputs)

    def connect_toggle(self, toggle: Any) -> None:
        """The checkbox that turns the line off (and on again) for every session, remembered across runs."""

        @_guarded("setting", self.hidden)
        def toggled(enabled: Any, session: Any) -> tuple:
            self.settings.set_preflight_enabled(bool(enabled))
            model_type = str(session.get("model") or "") if isinstance(session, dict) else ""
            return self.show(model_type, session)

        toggle.input(toggled, [toggle, self.session], self.outputs, show_progress="hidden")


def build_preflight(controller_of: Callable[[], TrackerController | None], settings: TrackerSettings | None = None,
                    queue: DownloadQueue | None = None) -> PreflightWidgets:
    """Create the line (one top-level column, hidden until a model is known) in the current Gradio context.

    Wan2GP's ``insert_after`` moves the last block its constructor added, so everything lives in one column."""
    settings = settings or TrackerSettings()
    queue = queue or default_queue()
    with gr.Column(elem_id="mt-preflight", visible=False) as box:
        gr.HTML(f"<style>{PREFLIGHT_CSS}</style>", elem_id="mt-pf-style", padding=False)
        with gr.Row(elem_classes="mt-pf-row", equal_height=True):
            text = gr.HTML("", elem_id="mt-pf-text", padding=False)
            download = gr.Button("Download now", elem_id="mt-pf-download", size="sm", scale=0, min_width=120,
                                 visible=False)
            details = gr.Button("Details", elem_id="mt-pf-details", size="sm", scale=0, min_width=80)
        session = gr.State({"model": "", "token": 0})
        timer = gr.Timer(POLL_SECONDS, active=False)
        done = gr.Number(value=len(queue.snapshot().completed_models), visible=False)
    widgets = PreflightWidgets(box=box, html=text, download=download, details=details, session=session, timer=timer,
                               done=done, controller_of=controller_of, settings=settings, queue=queue)
    widgets.download.click(_guarded("download", lambda: gr.Timer(active=False))(widgets.queue_missing), [session],
                           [timer], show_progress="minimal")
    timer.tick(_guarded("progress", lambda: (*widgets.hidden(), gr.update()))(widgets.tick), [session],
               widgets.tick_outputs, show_progress="hidden", concurrency_limit=None)
    return widgets


def build_preflight_toggle(settings: TrackerSettings) -> Any:
    """The tab's checkbox for the line, showing the remembered choice."""
    return gr.Checkbox(value=settings.preflight_enabled, label=TOGGLE_LABEL, elem_id="mt-pf-toggle")
