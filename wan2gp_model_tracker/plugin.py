"""The Wan2GP plugin: wires the live catalog, the analyzer and the tab into the host.

Host traps this class guards against (HOST.md section 1): an exception while the tab is built
stops Wan2GP from starting, so the tab constructor catches everything; a tab constructor with a
positional parameter is handed an API session, so it takes only ``self``; ``post_ui_setup`` runs
twice; requested globals do not exist before ``inject_globals`` and may never exist on an older
Wan2GP, so every one has a class default and is read through HostGlobals.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from shared.utils.plugins import WAN2GPPlugin

from . import __version__
from .catalog.live import REQUESTED_GLOBALS, HostGlobals, LiveCatalog

log = logging.getLogger(__name__)

TAB_ID = "model_tracker"
TAB_LABEL = "Model Tracker"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def plugin_folder() -> str:
    """The folder Wan2GP loaded the plugin from (the repository root holding plugin_info.json)."""
    parent = os.path.dirname(_PACKAGE_DIR)
    return parent if os.path.isfile(os.path.join(parent, "plugin_info.json")) else _PACKAGE_DIR


class ModelTrackerPlugin(WAN2GPPlugin):
    """Adds the "Model Tracker" tab to Wan2GP. Host globals are read through HostGlobals, never as attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.name = TAB_LABEL
        self.version = __version__
        self.description = "Which models are downloaded, partial or missing, what they need, and what fits your GPU."
        self._tab: Any = None
        self._controller: Any = None
        self._snapshot_token: Any = None
        self._snapshot_lock = threading.Lock()
        self._controller_lock = threading.Lock()
        self._line: Any = None

    def setup_ui(self) -> None:
        for name in REQUESTED_GLOBALS:
            self.request_global(name)
        try:
            from .ui.preflight_host import HOST_COMPONENTS

            for name in HOST_COMPONENTS:  # the generator's components the pre-flight line reads
                self.request_component(name)
        except Exception:  # without the line the tab still works; a raise here would skip the whole plugin
            log.exception("Model Tracker: the pre-flight line is unavailable")
        self.add_tab(TAB_ID, TAB_LABEL, self.create_tab)
        self._register_peak_hook()

    def _register_peak_hook(self) -> None:
        """Record what each generation really used (usage/peak_hook.py); a host without data hooks gets none."""
        register = getattr(self, "register_data_hook", None)
        if not callable(register):
            return
        try:
            from .usage.peak_hook import PeakRecorder
            from .usage.store import UsageStore

            register("before_metadata_save", PeakRecorder(lambda: UsageStore(_store_path()), HostGlobals(self)))
        except Exception:  # setup_ui raising would cost the whole tab; measurements are an extra
            log.exception("Model Tracker: the memory measurements could not be set up")

    def controller(self) -> Any:
        """The tracker's one controller (its scan cache), shared by the tab and the pre-flight line; built on
        first use, which may come from either (the generator is built before the tabs)."""
        with self._controller_lock:
            if self._controller is None:
                from .ui.view import TrackerController

                self._controller = TrackerController(LiveCatalog(HostGlobals(self)), on_scan=self._save_snapshot,
                                                     usage_scanner=self._usage_scanner(),
                                                     generating=self._generating,
                                                     measured_loader=_measured_loader())
            return self._controller

    def create_tab(self) -> None:
        """Build the tab; never raises, since an exception here would stop Wan2GP from starting."""
        import gradio as gr

        try:
            from .ui.tab import build_tab

            self._tab = build_tab(self.controller())
            # The host's tab-select event knows no session's filters: it only touches ``opened``, whose change
            # event rescans with the session's own widgets (HOST.md 1.5: the return value goes to these outputs).
            self.on_tab_outputs = [self._tab.opened]
            self._connect_preflight()
        except Exception as exc:  # anything at all: the host must keep starting
            log.exception("Model Tracker: building the tab failed")
            self._tab = None
            try:
                gr.Markdown(f"⚠ **Model Tracker could not start:** {_code(exc)}. "
                            "Wan2GP itself is unaffected; please report this message.")
            except Exception:
                log.exception("Model Tracker: even the error message could not be shown")

    def _usage_scanner(self) -> Any:
        """Outputs read incrementally, remembered in a database in the plugin's folder."""
        from .usage.outputs import output_folders
        from .usage.report import scan_usage
        from .usage.store import UsageStore

        store = UsageStore(_store_path())

        def scan(wan2gp_dir: str) -> Any:
            # The live server_config knows the output folders even when --config moved wgp_config.json.
            config = HostGlobals(self).get("server_config")
            return scan_usage(wan2gp_dir, store, output_folders(wan2gp_dir, config if config else None))

        return scan

    def _generating(self) -> bool:
        """Wan2GP's own answer; a host that cannot answer raises, and cleanup then refuses to run."""
        is_generating = HostGlobals(self).get("is_generation_in_progress")
        if not callable(is_generating):
            raise RuntimeError("this Wan2GP cannot say whether it is generating")
        return bool(is_generating())

    @property
    def tab(self) -> Any:
        """The tab's components (None when it could not be built)."""
        return self._tab

    def on_tab_select(self, state: Any) -> Any:
        """Tell this session's tab to rescan; ``state`` is the session's own, holding its ``model_type``."""
        if self._tab is None:
            return None
        try:
            return self._tab.opened_value(state)
        except Exception:  # the host's state is its own business; the tab then opens without a ▶ mark
            log.exception("Model Tracker: reading the host's state failed")
            return self._tab.opened_value(None)

    def post_ui_setup(self, components: dict) -> dict:
        """Ask for the pre-flight line under the generator's model header; the second call (the hidden Edit
        tab's, with the same header) adds nothing."""
        try:
            from .ui.preflight_host import GeneratorLine

            if self._line is None:
                self._line = GeneratorLine(self._controller_or_none)
            self._line.request(self.insert_after, components)
        except Exception:  # the generator must build whatever the line does
            log.exception("Model Tracker: the pre-flight line could not be requested")
        return {}

    def _controller_or_none(self) -> Any:
        try:
            return self.controller()
        except Exception:
            log.exception("Model Tracker: the tracker could not start; the pre-flight line hides")
            return None

    def _connect_preflight(self) -> None:
        """Inside the tab: the line's off switch, its Details button and the table following its downloads."""
        if self._line is None:
            return
        try:
            self._line.connect_tab(self._tab, f"plugin_{TAB_ID}")
        except Exception:  # the tab itself must still open
            log.exception("Model Tracker: the pre-flight line could not be connected to the tab")

    def _save_snapshot(self, data: Any) -> None:
        """Save the enriched definitions for the offline command line, when they changed."""
        from .catalog.snapshot import save_snapshot, snapshot_from_state

        if self._controller is None:
            return
        state = self._controller.analyzer.state
        with self._snapshot_lock:
            if state.token == self._snapshot_token:
                return
            try:
                version = str(HostGlobals(self).get("WanGP_version", "") or "")
                save_snapshot(plugin_folder(), snapshot_from_state(state, version))
                self._snapshot_token = state.token
            except Exception:  # a read-only plugin folder only costs the offline mode its extra detail
                log.warning("Model Tracker: could not save the definitions snapshot", exc_info=True)


def _measured_loader() -> Any:
    """The peaks the hook recorded, read from the plugin's own database at each refresh."""
    from functools import partial

    from .usage.measurements import peaks_for_inventory
    from .usage.store import UsageStore

    return partial(peaks_for_inventory, store=UsageStore(_store_path()))


def _store_path() -> str:
    """The tracker's database inside Wan2GP: outputs already read and the measured peaks."""
    from .usage.store import DB_FILENAME

    return os.path.join(plugin_folder(), DB_FILENAME)


def _code(exc: BaseException) -> str:
    """An exception as inert, printable Markdown (its text may quote a user's definition)."""
    from .render.formatting import printable
    from .render.markdown import md_code

    return printable(md_code(f"{type(exc).__name__}: {exc}"))
