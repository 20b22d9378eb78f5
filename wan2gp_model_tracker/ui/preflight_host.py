"""Where the pre-flight line goes: under the model header of Wan2GP's Media Generator (through the host's
``insert_after``), or above the standalone app's tab with a small model selector.

HOST.md 1.4-1.6 and Wan2GP's ``run_component_insertion_and_setup``: ``post_ui_setup`` runs once per
``generate_media_tab`` call, and the hidden Edit tab's call hands over the *same* ``header`` again, so the
line is requested on the first call only. A model switch writes "<model type>|<time>" into
``model_choice_target`` (a new value every time, unlike ``header`` whose text is often the same for two
models), which the line follows; the page load reads the session's ``state``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import gradio as gr

from ..catalog.aliases import resolve
from ..render.formatting import STATUS_MARKS, printable
from .preflight_settings import TrackerSettings
from .preflight_widgets import (
    PreflightWidgets,
    build_preflight,
    build_preflight_toggle,
    model_from_state,
    model_from_target,
)
from .view import TrackerController

log = logging.getLogger(__name__)

# The generator's components the line uses, by their names in Wan2GP's ``generate_media_tab``.
INSERT_TARGETS = ("header", "model_description")
HOST_COMPONENTS = ("header", "model_description", "model_choice_target", "state", "main", "main_tabs")
PICK_LABEL = "Pre-flight: what generating with this model would need"


def _tab_selected(tab_id: str) -> Any:
    return gr.Tabs(selected=tab_id)


class GeneratorLine:
    """The line in Wan2GP's Media Generator, requested once and wired to the host's components."""

    def __init__(self, controller_of: Callable[[], TrackerController | None],
                 settings: TrackerSettings | None = None) -> None:
        self.controller_of = controller_of
        self.settings = settings or TrackerSettings()
        self.requested_after = ""
        self.widgets: PreflightWidgets | None = None
        self._host: dict[str, Any] = {}

    def request(self, insert_after: Callable[[str, Callable[[], None]], None], components: Mapping[str, Any]) -> None:
        """Ask the host to build the line after ``header`` (else ``model_description``); later calls (the hidden
        Edit tab's) do nothing."""
        if self.requested_after:
            return
        target = next((name for name in INSERT_TARGETS if components.get(name) is not None), "")
        if not target:
            log.info("Model Tracker: this Wan2GP offers no model header; the pre-flight line is not shown")
            return
        self.requested_after = target
        self._host = {name: components.get(name) for name in HOST_COMPONENTS}
        insert_after(target, self._build)

    def _build(self) -> None:
        """The constructor the host runs inside the header's group; it must not raise (the host would leave a
        half-built block at the end of the group)."""
        try:
            self.widgets = build_preflight(self.controller_of, self.settings)
            target, state, main = (self._host.get(n) for n in ("model_choice_target", "state", "main"))
            if target is not None:
                self.widgets.follow(target.change, [target], model_from_target)
            elif self._host.get("header") is not None and state is not None:
                self.widgets.follow(self._host["header"].change, [state], model_from_state)
            if state is not None:
                root = main if isinstance(main, gr.Blocks) else gr.context.Context.root_block
                if root is not None:
                    self.widgets.follow(root.load, [state], model_from_state)
        except Exception:
            log.exception("Model Tracker: the pre-flight line could not be built; the generator is unaffected")
            self.widgets = None

    def connect_tab(self, tab: Any, tab_id: str) -> None:
        """Inside the tracker's tab: the off switch, Details opening this tab on the model, the table following
        a download started from the line."""
        widgets = self.widgets
        if widgets is None or tab is None:
            return
        widgets.connect_toggle(build_preflight_toggle(self.settings))
        widgets.connect_tab(tab)
        main_tabs = self._host.get("main_tabs")
        inputs = list(tab.inputs)

        def open_details(model_type: str, *values: Any) -> tuple:
            session_values = dict(zip(inputs, values, strict=True))
            opened = tab.opened_value({"model_type": model_type})
            shown = (opened, *tab.show_model(model_type, session_values))
            return (_tab_selected(tab_id), *shown) if main_tabs is not None else shown

        outputs = [tab.opened, *tab.detail_outputs]
        widgets.connect_details(open_details, inputs, [main_tabs, *outputs] if main_tabs is not None else outputs)


def model_choices(controller: TrackerController) -> list[tuple[str, str]]:
    """The standalone selector's models: Wan2GP's marks and names, as the generator's dropdown lists them."""
    return [(printable(f"{STATUS_MARKS[m.status]} {m.name} ({m.model_type})"), printable(m.model_type))
            for m in controller.data.inventory.models if m.visible]


def build_standalone_line(controller: TrackerController, tab_slot: Callable[[], Any],
                          settings: TrackerSettings | None = None) -> tuple[Any, PreflightWidgets, Any]:
    """The ``serve`` app's version: a model selector standing in for the generator's, the line under it, then
    the tab (built by ``tab_slot``). Returns (selector, widgets, tab); the caller fills the selector on load."""
    settings = settings or TrackerSettings()
    with gr.Group(elem_id="mt-pf-standalone"):
        # A typed name the list does not show (an older model type, a Hub repository) is resolved like the CLI's.
        pick = gr.Dropdown([], value=None, label=PICK_LABEL, elem_id="mt-pf-pick", allow_custom_value=True)
        widgets = build_preflight(lambda: controller, settings)
    tab = tab_slot()
    widgets.follow(pick.change, [pick], lambda value: picked_model(controller, value))
    widgets.connect_toggle(build_preflight_toggle(settings))
    widgets.connect_tab(tab)
    inputs = list(tab.inputs)

    def open_details(model_type: str, *values: Any) -> tuple:
        return tab.show_model(model_type, dict(zip(inputs, values, strict=True)))

    widgets.connect_details(open_details, inputs, tab.detail_outputs)
    return pick, widgets, tab


def picked_model(controller: TrackerController, value: Any) -> str:
    """The model a selector value names: a model type, else any name the alias table knows (``flux_dev``,
    ``black-forest-labs/FLUX.1-dev``, a display name in any case); "" (no line) for anything else."""
    if not isinstance(value, str) or not value.strip():
        return ""
    models = {m.model_type: m.name for m in controller.data.inventory.models}
    return resolve(value, models).model_type or ""


def selector_update(controller: TrackerController, current: Any) -> Any:
    """The selector's choices on page load, keeping a valid choice (else the first model)."""
    choices = model_choices(controller)
    known = [value for _, value in choices]
    return gr.update(choices=choices, value=current if current in known else (known[0] if known else None))
