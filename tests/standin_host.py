"""A stand-in for Wan2GP's plugin host, written from HOST.md: it loads a plugin folder the way
Wan2GP 12.6x does (import ``<folder>.plugin``, first WAN2GPPlugin subclass by name,
plugin_info.json, ``setup_ui``, ``inject_globals``, ``post_ui_setup`` twice, tab constructors
with the API-session signature check, tab-select events with ``on_tab_outputs``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

TEXT_FIELDS = ("name", "version", "description", "author", "date", "wan2gp_version")


@dataclass
class PluginTab:
    id: str
    label: str
    component_constructor: Callable
    position: int = -1


class WAN2GPPlugin:
    """The host's base class surface (HOST.md section 2)."""

    def __init__(self) -> None:
        self.tabs: dict[str, PluginTab] = {}
        self.name = type(self).__name__
        self.version = "1.0.0"
        self.description = "No description provided."
        self.type = ["app"]
        self.uninstallable = True
        self._component_requests: list[str] = []
        self._global_requests: list[str] = []
        self._custom_js_snippets: list[str] = []
        self._set_wgp_global_func = None
        self._data_hooks: dict[str, list[Callable]] = {}

    def setup_ui(self) -> None: ...
    def post_ui_setup(self, components: dict) -> dict: return {}
    def on_tab_select(self, state: Any) -> Any: return None
    def on_tab_deselect(self, state: Any) -> None: ...
    def on_model_change(self, state: Any, model_type: str) -> None: ...

    def add_tab(self, tab_id: str, label: str, component_constructor: Callable, position: int = -1) -> None:
        self.tabs[tab_id] = PluginTab(tab_id, label, component_constructor, position)

    def request_component(self, component_id: str) -> None:
        if component_id not in self._component_requests:
            self._component_requests.append(component_id)

    def request_global(self, global_name: str) -> None:
        if global_name not in self._global_requests:
            self._global_requests.append(global_name)

    def register_data_hook(self, hook_name: str, callback: Callable) -> None:
        self._data_hooks.setdefault(hook_name, []).append(callback)

    @property
    def global_requests(self) -> list[str]:
        return list(self._global_requests)

    @property
    def component_requests(self) -> list[str]:
        return list(self._component_requests)


def run_data_hooks(plugins: list[WAN2GPPlugin], hook_name: str, configs: Any, **kwargs: Any) -> Any:
    """The host's PluginManager.run_data_hooks: callbacks chained in load order, each called as
    ``callback(data, **kwargs)``; an exception is printed and leaves ``data`` as it was (HOST.md 1.8)."""
    data = configs
    for plugin in plugins:
        for callback in plugin._data_hooks.get(hook_name, []):
            try:
                data = callback(data, **kwargs)
            except Exception as exc:
                print(f"[PluginManager] Error running hook '{hook_name}': {exc}")
    return data


def install_host_modules(monkeypatch) -> None:
    """Make ``from shared.utils.plugins import WAN2GPPlugin`` work as inside Wan2GP."""
    shared = types.ModuleType("shared")
    utils = types.ModuleType("shared.utils")
    plugins = types.ModuleType("shared.utils.plugins")
    plugins.WAN2GPPlugin = WAN2GPPlugin
    shared.utils = utils
    utils.plugins = plugins
    for name, module in (("shared", shared), ("shared.utils", utils), ("shared.utils.plugins", plugins)):
        monkeypatch.setitem(sys.modules, name, module)


def accepts_api(constructor: Callable) -> bool:
    """The host hands an API session to constructors with *args or a positional parameter."""
    try:
        params = inspect.signature(constructor).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


class StandInHost:
    def __init__(self, plugins_dir: Path, monkeypatch) -> None:
        self.plugins_dir = plugins_dir
        self.monkeypatch = monkeypatch
        self.sessions_passed: list[Any] = []
        self.loaded_ids: list[str] = []
        install_host_modules(monkeypatch)
        monkeypatch.syspath_prepend(str(plugins_dir))

    def load(self, plugin_id: str) -> WAN2GPPlugin:
        module = importlib.import_module(f"{plugin_id}.plugin")
        self.loaded_ids.append(plugin_id)
        classes = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                   if issubclass(cls, WAN2GPPlugin) and cls is not WAN2GPPlugin]
        plugin = classes[0]()
        info_path = self.plugins_dir / plugin_id / "plugin_info.json"
        info = json.loads(info_path.read_text()) if info_path.exists() else {}
        for field in TEXT_FIELDS:  # missing text fields become "" (a missing name blanks the plugin's name)
            setattr(plugin, field, str(info.get(field, "") or ""))
        for field in ("type", "uninstallable"):
            if field in info:
                setattr(plugin, field, info[field])
        plugin.setup_ui()
        self.visible_subclasses = classes
        return plugin

    def close(self) -> None:
        """Forget the imported plugin packages, so the next test imports a fresh copy."""
        for plugin_id in self.loaded_ids:
            for key in [k for k in sys.modules if k == plugin_id or k.startswith(plugin_id + ".")]:
                del sys.modules[key]

    @staticmethod
    def inject_globals(plugin: WAN2GPPlugin, wgp_globals: dict) -> None:
        for name in plugin.global_requests:
            if name in wgp_globals:
                setattr(plugin, name, wgp_globals[name])

    def build_ui(self, plugin: WAN2GPPlugin,
                 model_types: tuple[str, ...] = ("t2v",)) -> tuple[gr.Blocks, dict[str, Any]]:
        """Wan2GP's page: a header, the generator tab (whose model choice goes into the session's ``state``),
        the hidden edit tab, the plugin's tabs, then the host's own closing tabs."""
        tabs: dict[str, Any] = {}

        def choose_model(model_type: str, state: dict) -> dict:
            state = {**state, "model_type": model_type}
            plugin.on_model_change(state, model_type)
            return state

        with gr.Blocks(title="WanGP (stand-in)") as demo:
            gr.Markdown("## WanGP v12.60 <small>by DeepBeepMeep · stand-in host for tests</small>")
            state = gr.State({"model_type": model_types[0]})
            with gr.Tabs(selected="video_gen"):
                for tab_name, label in (("video_gen", "Video Generator"), ("edit", "Edit")):
                    with gr.Tab(label, id=tab_name, visible=tab_name == "video_gen"):
                        model_choice = gr.Dropdown(list(model_types), value=model_types[0], label="Model",
                                                   elem_id=f"host-model-{tab_name}")
                        model_choice.change(choose_model, [model_choice, state], state)
                        components = {"state": state, "model_choice": model_choice}
                        plugin.post_ui_setup(components)
                for tab in plugin.tabs.values():
                    with gr.Tab(tab.label, id=f"plugin_{tab.id}") as gr_tab:
                        if accepts_api(tab.component_constructor):
                            self.sessions_passed.append("session")
                            tab.component_constructor("session")
                        else:
                            tab.component_constructor()
                    outputs = getattr(plugin, "on_tab_outputs", None)
                    gr_tab.select(plugin.on_tab_select, [state], outputs)
                    tabs[tab.id] = gr_tab
                for label in ("Guides", "Configuration", "Plugins", "About"):
                    with gr.Tab(label):
                        gr.Markdown(f"({label}: host content)")
        return demo, tabs


def open_tab(plugin: Any, state: Any) -> Any:
    """What selecting the tab does in one browser session: the host calls ``on_tab_select`` with the session's
    state, then the tab's own change event rescans with that session's widgets (here all left at their defaults)."""
    opened = plugin.on_tab_select(state)
    if opened is None:
        return None
    values = {widget: None for widget in plugin.tab.inputs}
    values[plugin.tab.opened] = opened
    return plugin.tab.open(values)
