"""A stand-in for Wan2GP's plugin host, written from HOST.md: it loads a plugin folder the way
Wan2GP 12.6x does (import ``<folder>.plugin``, first WAN2GPPlugin subclass by name,
plugin_info.json, ``setup_ui``, ``inject_globals``, ``post_ui_setup`` twice, tab constructors
with the API-session signature check, tab-select events with ``on_tab_outputs``).

The Media Generator is laid out as Wan2GP 12.60 lays it out (checked against wgp.py at 8681e9f7): the
model's ``model_description`` and ``header`` in one group, a hidden ``model_choice_target`` that every
model switch writes "<model type>|<time>" into, whose change event updates the session's ``state`` and
both header components. The hidden Edit tab runs the generator's builder again, handing plugins the
*same* ``header`` and no ``model_description``. Insertions follow ``run_component_insertion_and_setup``:
the constructor runs inside the target's parent, and the parent's last child is moved after the target.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import time
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
        self._insert_after_requests: list[tuple[str, Callable]] = []
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

    def insert_after(self, target_component_id: str, new_component_constructor: Callable) -> None:
        self._insert_after_requests.append((target_component_id, new_component_constructor))

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
        self.errors: list[str] = []  # what the host would print and carry on after
        self.generator: dict[str, Any] = {}
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
        """Wan2GP's page: a title, the Media Generator (model selector, the model's header group, the form),
        the hidden Edit tab, the plugin's tabs, then the host's own closing tabs."""
        tabs: dict[str, Any] = {}
        with gr.Blocks(title="WanGP (stand-in)") as demo:
            gr.Markdown("## WanGP v12.60 <small>by DeepBeepMeep · stand-in host for tests</small>")
            with gr.Tabs(selected="media_gen") as main_tabs:
                with gr.Tab("Media Generator", id="media_gen"):
                    with gr.Row():
                        model_choice = gr.Dropdown(list(model_types), value=model_types[0], label="Model",
                                                   elem_id="host-model-video_gen")
                    with gr.Row(), gr.Column(), gr.Group(elem_classes="header-markdown-group"):
                        model_description = gr.HTML(model_header(model_types[0])[0])
                        header = gr.Markdown(model_header(model_types[0])[1])
                    with gr.Row():
                        generator = self.generate_media_tab(plugin, "generate", model_types[0], demo, main_tabs,
                                                            model_choice, model_description, header)
                with gr.Tab("Edit", id="edit", visible=False):
                    self.generate_media_tab(plugin, "edit", model_types[0], demo, main_tabs, model_choice, None,
                                            header, default_state=generator["state"])
                state = generator["state"]
                for tab in plugin.tabs.values():
                    with gr.Tab(tab.label, id=f"plugin_{tab.id}") as gr_tab:
                        plugin.goto_media_tab = lambda state: gr.Tabs(selected="media_gen")
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
        self.generator = generator
        return demo, tabs

    def generate_media_tab(self, plugin: WAN2GPPlugin, tab_id: str, model_type: str, main: gr.Blocks,
                           main_tabs: Any, model_choice: Any, model_description: Any, header: Any,
                           default_state: Any = None) -> dict[str, Any]:
        """The generator's form (only what plugins can reach), ending with the host's component insertion; the
        Edit tab's run shares the generator's ``state``, as wgp's ``default_state`` does."""

        def change_model(state: dict, target: str) -> tuple:
            chosen = str(target or "").split("|", 1)[0].strip()
            state["model_type"] = chosen  # mutated in place, as wgp does: the session's state is that dict
            plugin.on_model_change(state, chosen)
            return model_header(chosen)

        state = default_state if default_state is not None else gr.State({"model_type": model_type})
        with gr.Column():
            gr.Textbox(label="Prompt", elem_id=f"host-prompt-{tab_id}")
            model_choice_target = gr.Text(interactive=False, visible=False,
                                          elem_id="wangp_model_choice_target" if tab_id == "generate" else None)
            gr.Button("Generate", elem_id=f"host-generate-{tab_id}")
        if tab_id == "generate":
            model_choice.change(lambda value: f"{value}|{time.time()}", [model_choice], [model_choice_target],
                                queue=False)
            model_choice_target.change(change_model, [state, model_choice_target], [model_description, header])
        components = {"state": state, "model_choice": model_choice, "model_choice_target": model_choice_target,
                      "model_description": model_description, "header": header, "main": main,
                      "main_tabs": main_tabs, "tab_id": tab_id}
        self.run_component_insertion([plugin], components)
        return components

    def run_component_insertion(self, plugins: list[WAN2GPPlugin], components: dict[str, Any]) -> None:
        """Requested components become attributes (only while unset), ``post_ui_setup`` gets the requested ones,
        then each ``insert_after`` request builds its block in the target's parent, moved right after it."""
        requests: list[tuple[str, Callable]] = []
        for plugin in plugins:
            try:
                for name in plugin.component_requests:
                    if name in components and getattr(plugin, name, None) is None:
                        setattr(plugin, name, components[name])
                plugin.post_ui_setup({n: components[n] for n in plugin.component_requests if n in components})
                requests += plugin._insert_after_requests
                plugin._insert_after_requests.clear()
            except Exception as exc:
                self.errors.append(f"post_ui_setup: {exc!r}")
        for target_id, constructor in requests:
            try:
                target = components.get(target_id)
                parent = getattr(target, "parent", None)
                if not target or not parent or not hasattr(parent, "children"):
                    self.errors.append(f"insert_after: target {target_id!r} not found or invalid")
                    continue
                index = parent.children.index(target)
                with parent:
                    constructor()
                parent.children.insert(index + 1, parent.children.pop(-1))
            except Exception as exc:
                self.errors.append(f"insert_after {target_id}: {exc!r}")


def model_header(model_type: str) -> tuple[str, str]:
    """The two header components' values after a switch: the description names the model, while the attention
    line is the same for most models (so its change event is no reliable sign of a switch)."""
    return (f"<div class='host-description'><b>{model_type}</b>: the model's description</div>",
            "Attention mode <b>sdpa</b>, Data Type <b>BF16</b>, Quantization <b>int8</b>")


def open_tab(plugin: Any, state: Any) -> Any:
    """What selecting the tab does in one browser session: the host calls ``on_tab_select`` with the session's
    state, then the tab's own change event rescans with that session's widgets (here all left at their defaults)."""
    opened = plugin.on_tab_select(state)
    if opened is None:
        return None
    values = {widget: None for widget in plugin.tab.inputs}
    values[plugin.tab.opened] = opened
    return plugin.tab.open(values)


def fake_nvml(spec: str) -> types.ModuleType:
    """A ``pynvml`` answering for one GPU, "<name>:<total GiB>" (a machine without a GPU can then show fits)."""
    name, _, gib = spec.rpartition(":")
    total = int(float(gib) * 2**30)
    module = types.ModuleType("pynvml")
    module.NVMLError = RuntimeError
    module.nvmlInit = module.nvmlShutdown = lambda: None
    module.nvmlDeviceGetCount = lambda: 1
    module.nvmlSystemGetDriverVersion = lambda: "stand-in"
    module.nvmlDeviceGetHandleByIndex = lambda index: index
    module.nvmlDeviceGetName = lambda handle: name or "Stand-in GPU"
    module.nvmlDeviceGetMemoryInfo = lambda handle: types.SimpleNamespace(total=total, free=total, used=0)
    module.nvmlDeviceGetCudaComputeCapability = lambda handle: (8, 6)
    return module
