"""The pre-flight line under Wan2GP's own plugin code, when a Wan2GP checkout is at hand.

Set ``WAN2GP_SOURCE`` to a Wan2GP folder (checked with 8681e9f7): its ``shared/utils/plugins.py`` is imported and
its ``PluginManager.run_component_insertion_and_setup`` and ``WAN2GPApplication._create_plugin_tabs`` build the
generator's header group, the hidden Edit tab's second pass and the plugin's tab, as wgp.py calls them. Only that
module is loaded, from its file: the ``shared`` packages' own ``__init__`` (torch) is not run, and its two heavy
imports (GitPython, the config migration that pulls in the post-processors) are replaced by empty stand-ins.
Skipped without a checkout.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from pathlib import Path

import gradio as gr
import pytest
from test_plugin import clone_repository

SOURCE = os.environ.get("WAN2GP_SOURCE", "")
PLUGIN_ID = "wan2gp-model-tracker"

pytestmark = pytest.mark.skipif(not (SOURCE and Path(SOURCE, "shared", "utils", "plugins.py").is_file()),
                                reason="set WAN2GP_SOURCE to a Wan2GP checkout to run these")


@pytest.fixture
def real(monkeypatch, wan, tmp_path):
    """Wan2GP's plugins module, and our plugin loaded from a clone in a Wan2GP-like folder."""
    migration = types.ModuleType("shared.utils.wgp_config_migration")
    migration.INSTALLED_REMOTE_PLUGINS_KEY = "installed_remote_plugins"
    migration.migrate_bundled_plugin_ids = lambda *args, **kwargs: None
    monkeypatch.setitem(sys.modules, "git", types.ModuleType("git"))
    for name in ("shared", "shared.utils"):
        package = types.ModuleType(name)
        package.__path__ = [str(Path(SOURCE, *name.split(".")))]
        monkeypatch.setitem(sys.modules, name, package)
    monkeypatch.setitem(sys.modules, "shared.utils.wgp_config_migration", migration)
    spec = importlib.util.spec_from_file_location("shared.utils.plugins", Path(SOURCE, "shared", "utils", "plugins.py"))
    plugins = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "shared.utils.plugins", plugins)
    spec.loader.exec_module(plugins)
    monkeypatch.chdir(wan.root)
    monkeypatch.setenv("WAN2GP_TRACKER_DATA", str(tmp_path / "tracker-data"))
    clone_repository(wan.root / "plugins")
    monkeypatch.syspath_prepend(str(wan.root / "plugins"))
    plugin = importlib.import_module(f"{PLUGIN_ID}.plugin").ModelTrackerPlugin()
    plugin.setup_ui()
    yield plugins, plugin
    for key in [k for k in sys.modules if k == PLUGIN_ID or k.startswith(PLUGIN_ID + ".")]:
        del sys.modules[key]


def build_page(plugins: types.ModuleType, plugin) -> tuple[gr.Blocks, gr.Group, object]:
    """wgp.create_ui's shape: the header group, two generate_media_tab passes, then the plugin tabs."""
    manager = plugins.PluginManager.__new__(plugins.PluginManager)
    manager.plugins = {PLUGIN_ID: plugin}
    app = plugins.WAN2GPApplication.__new__(plugins.WAN2GPApplication)
    app.plugin_manager, app.tab_to_plugin_map, app.all_rendered_tabs, app.enabled_plugins = manager, {}, [], [PLUGIN_ID]

    def generate_media_tab(main, main_tabs, header, model_description, default_state=None):
        state = default_state if default_state is not None else gr.State({"model_type": "t2v"})
        model_choice_target = gr.Text(interactive=False, visible=False)
        manager.run_component_insertion_and_setup({"state": state, "header": header, "main": main,
                                                   "model_description": model_description, "main_tabs": main_tabs,
                                                   "model_choice_target": model_choice_target})
        return state

    with gr.Blocks() as main, gr.Tabs(selected="media_gen") as main_tabs:
        with gr.Tab("Media Generator", id="media_gen"):
            with gr.Row(), gr.Column(), gr.Group(elem_classes="header-markdown-group") as group:
                model_description = gr.HTML("the model's description")
                header = gr.Markdown("Attention mode sdpa")
            with gr.Row():
                state = generate_media_tab(main, main_tabs, header, model_description)
        with gr.Tab("Edit", id="edit", visible=False):
            generate_media_tab(main, main_tabs, header, None, default_state=state)
        app._create_plugin_tabs(main_tabs, state)
    return main, group, app


def test_wan2gps_own_insertion_puts_the_line_once_right_after_the_header(real):
    plugins, plugin = real
    main, group, _ = build_page(plugins, plugin)
    assert [getattr(c, "elem_id", None) for c in group.children] == [None, None, "mt-preflight"]
    assert sum(1 for b in main.blocks.values() if getattr(b, "elem_id", None) == "mt-preflight") == 1


def test_wan2gps_own_tab_creation_connects_the_line_to_the_tab(real):
    plugins, plugin = real
    main, _, app = build_page(plugins, plugin)
    assert plugin.tab is not None and callable(plugin.goto_media_tab)
    widgets = plugin._line.widgets
    details = [f for f in main.fns.values() if (widgets.details._id, "click") in f.targets and f.fn is not None]
    assert len(details) == 1 and plugin.main_tabs in details[0].outputs and plugin.tab.details in details[0].outputs
    assert any(getattr(b, "elem_id", None) == "mt-pf-toggle" for b in main.blocks.values())
