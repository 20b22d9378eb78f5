"""The pre-flight line inside the stand-in Wan2GP host: where it goes, what it says, how it follows a session,
and that no failure reaches the host's events."""

from __future__ import annotations

import sys
import types

import gradio as gr
import pytest
from standin_host import StandInHost
from test_plugin import clone_repository
from wan2gp_fixture import WanFolder, url

PLUGIN_ID = "wan2gp-model-tracker"
MODELS = ("t2v", "vace", "flux")


@pytest.fixture
def wan_models(wan: WanFolder, wgp):
    """t2v complete, vace partial (its module missing), flux missing, each file on the fake hub's URL scheme."""
    wgp.models_def = {
        "t2v": {"name": "Wan T2V", "architecture": "t2v", "URLs": [url("t2v_quanto_mbf16_int8.safetensors")]},
        "vace": {"name": "Vace", "architecture": "vace_14B", "URLs": [url("vace_quanto_mbf16_int8.safetensors")],
                 "modules": [[url("vace_module_quanto_mbf16_int8.safetensors")]]},
        "flux": {"name": "Flux <b>dev</b>", "architecture": "flux",
                 "URLs": [url("flux_quanto_bf16_int8.safetensors")]},
    }
    wan.weight("ckpts/t2v_quanto_mbf16_int8.safetensors", 5_000_000)
    wan.weight("ckpts/vace_quanto_mbf16_int8.safetensors", 6_000_000)
    return wgp


@pytest.fixture
def host(wan: WanFolder, monkeypatch, tmp_path):
    monkeypatch.chdir(wan.root)
    monkeypatch.setenv("WAN2GP_TRACKER_DATA", str(tmp_path / "tracker-data"))
    clone_repository(wan.root / "plugins")
    stand_in = StandInHost(wan.root / "plugins", monkeypatch)
    yield stand_in
    stand_in.close()


def loaded(host: StandInHost, wgp_module):
    plugin = host.load(PLUGIN_ID)
    host.inject_globals(plugin, vars(wgp_module))
    demo, _ = host.build_ui(plugin, model_types=MODELS)
    return plugin, demo


def handler(demo: gr.Blocks, trigger: object, event: str, output: object):
    """The function Gradio would run when ``trigger`` fires ``event`` and writes ``output``."""
    found = [f.fn for f in demo.fns.values() if (trigger._id, event) in f.targets and output in f.outputs]
    assert len(found) == 1, found
    return found[0]


def lines_of(plugin) -> object:
    return plugin._line.widgets


def shown_html(outputs: tuple) -> str:
    box, html = outputs[0], outputs[1]
    assert box.get("visible") is True
    return html


def hidden(outputs: tuple) -> bool:
    return outputs[0].get("visible") is False


def switch(demo, plugin, model_type: str, session: dict) -> tuple:
    """What a model switch in one session runs: the host writes "<model>|<time>" into model_choice_target."""
    target = plugin.model_choice_target
    return handler(demo, target, "change", lines_of(plugin).html)(f"{model_type}|1700000000.5", session)


def test_the_line_is_inserted_once_right_after_the_header_though_post_ui_setup_runs_twice(host, wan_models):
    plugin, demo = loaded(host, wan_models)
    assert host.errors == []
    header = host.generator["header"]
    children = header.parent.children
    line = children[children.index(header) + 1]
    assert line.elem_id == "mt-preflight"
    assert [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "mt-preflight"] == [line]
    # The Edit tab's run handed over the same header, not a second place for the line.
    assert plugin._line.requested_after == "header"


def test_without_a_header_the_line_goes_after_the_model_description(host, wan_models, monkeypatch):
    plugin = host.load(PLUGIN_ID)
    host.inject_globals(plugin, vars(wan_models))
    original = host.run_component_insertion

    def without_header(plugins, components):
        original(plugins, {**components, "header": None})

    monkeypatch.setattr(host, "run_component_insertion", without_header)
    host.build_ui(plugin, model_types=MODELS)
    description = host.generator["model_description"]
    children = description.parent.children
    assert children[children.index(description) + 1].elem_id == "mt-preflight"


def test_a_complete_a_partial_and_a_missing_model(host, wan_models):
    plugin, demo = loaded(host, wan_models)
    session: dict = {}
    complete = switch(demo, plugin, "t2v", session)
    tools = sum(1 for f in plugin.controller().data.inventory.shared_files if not f.present)
    assert tools > 0  # no generation ran in this folder yet: Wan2GP's shared tools come first, once
    assert "🟦" in shown_html(complete) and "Wan T2V" in shown_html(complete)
    assert f"Generating will first download {tools} shared tools of unknown size (once per install)" \
        in shown_html(complete)
    assert complete[2].get("visible") is False  # nothing of the model's own to queue
    partial = switch(demo, plugin, "vace", session)
    assert "🟨" in shown_html(partial)
    assert f"Generating will first download {tools + 1} files of unknown size (incl. {tools} shared tools, " \
        "once per install)" in shown_html(partial)
    assert "<li>vace_module_quanto_mbf16_int8.safetensors (?)</li>" in shown_html(partial)
    assert partial[2].get("visible") is True  # Download now offered
    missing = shown_html(switch(demo, plugin, "flux", session))
    assert "⬛" in missing and "Flux &lt;b&gt;dev&lt;/b&gt;" in missing and "<b>dev</b>" not in missing
    assert "<li>flux_quanto_bf16_int8.safetensors (" in missing


def test_a_model_switch_updates_the_sessions_line_and_only_that_sessions(host, wan_models):
    plugin, demo = loaded(host, wan_models)
    first, second = {}, {}
    switch(demo, plugin, "vace", first)
    switch(demo, plugin, "flux", second)
    widgets = lines_of(plugin)
    assert (first["model"], second["model"]) == ("vace", "flux")
    assert 'data-model="vace"' in shown_html(widgets.tick(first)[:4])
    assert 'data-model="flux"' in shown_html(widgets.tick(second)[:4])


def test_the_page_load_shows_the_sessions_current_model(host, wan_models):
    plugin, demo = loaded(host, wan_models)
    load = handler(demo, demo, "load", lines_of(plugin).html)
    assert 'data-model="vace"' in shown_html(load({"model_type": "vace"}, {}))


def test_a_switch_while_a_check_runs_shows_the_newest_model(host, wan_models, monkeypatch):
    plugin, demo = loaded(host, wan_models)
    widgets = lines_of(plugin)
    session: dict = {}
    real = widgets.line_for
    newer: list[tuple] = []

    def slow_check(model_type, state):
        if model_type == "vace" and not newer:  # the user picks flux while vace is still being checked
            newer.append(widgets.show("flux", state))
        return real(model_type, state)

    monkeypatch.setattr(widgets, "line_for", slow_check)
    stale = switch(demo, plugin, "vace", session)
    assert all(update == {"__type__": "update"} for update in stale)  # vace's answer changes nothing
    assert 'data-model="flux"' in shown_html(newer[0]) and session["model"] == "flux"


def test_a_failing_scan_hides_the_line_without_raising(host, wan_models, monkeypatch):
    plugin, demo = loaded(host, wan_models)

    def broken_scan():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(plugin.controller().analyzer, "scan", broken_scan)
    assert hidden(switch(demo, plugin, "vace", {}))


def test_failing_host_globals_hide_the_line_without_raising(host, wan_models, monkeypatch):
    class Exploding(types.ModuleType):
        def __getattr__(self, name):
            raise RuntimeError(f"wgp.{name} exploded")

    plugin, demo = loaded(host, wan_models)
    monkeypatch.setitem(sys.modules, "wgp", Exploding("wgp"))
    for name in plugin.global_requests:
        monkeypatch.setattr(plugin, name, property(lambda self: 1 / 0), raising=False)
    assert hidden(switch(demo, plugin, "vace", {}))


def test_a_failing_queue_hides_the_line_and_download_now_raises_nothing(host, wan_models, monkeypatch):
    plugin, demo = loaded(host, wan_models)
    widgets = lines_of(plugin)
    session: dict = {}
    switch(demo, plugin, "vace", session)

    def broken(*args):
        raise OSError("queue gone")

    monkeypatch.setattr(widgets.queue, "snapshot", broken)
    monkeypatch.setattr(widgets.queue, "submit", broken)
    assert hidden(switch(demo, plugin, "vace", session))
    download = handler(demo, widgets.download, "click", widgets.timer)
    assert download(session) is not None  # a Timer update, not an exception
    tick = handler(demo, widgets.timer, "tick", widgets.html)
    assert hidden(tick(session))


def test_the_tabs_checkbox_turns_the_line_off_and_remembers_it(host, wan_models, tmp_path):
    plugin, demo = loaded(host, wan_models)
    widgets = lines_of(plugin)
    session: dict = {}
    switch(demo, plugin, "vace", session)
    toggle = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "mt-pf-toggle")
    toggled = handler(demo, toggle, "input", widgets.html)
    assert hidden(toggled(False, session))
    assert hidden(switch(demo, plugin, "flux", session))
    assert '"preflight_line": false' in (tmp_path / "tracker-data" / "settings.json").read_text()
    assert 'data-model="flux"' in shown_html(toggled(True, session))


def test_details_opens_the_tracker_tab_on_the_sessions_model(host, wan_models):
    plugin, demo = loaded(host, wan_models)
    widgets = lines_of(plugin)
    session: dict = {}
    switch(demo, plugin, "vace", session)
    details = handler(demo, widgets.details, "click", plugin.tab.details)
    values = [None] * len(plugin.tab.inputs)
    tabs, opened, pick, title, text = details(session, *values)
    assert tabs.selected == "plugin_model_tracker"
    assert opened.split("\n")[0] == "vace"  # the tab's rescan marks it ▶
    assert pick["value"] == "vace" and "Vace" in title and "vace_module" in text


def test_the_standalone_app_has_a_pre_flight_selector_whose_line_follows_it(monkeypatch, tmp_path):
    from wan2gp_model_tracker.catalog.demo import DemoCatalog
    from wan2gp_model_tracker.ui.serve import build_app

    monkeypatch.setenv("WAN2GP_TRACKER_DATA", str(tmp_path))
    app = build_app(DemoCatalog(str(tmp_path / "demo")))
    blocks = {getattr(b, "elem_id", None): b for b in app.blocks.values()}
    pick, html = blocks["mt-pf-pick"], blocks["mt-pf-text"]
    outputs = handler(app, pick, "change", html)("qwen_image_20B", {})
    assert 'data-model="qwen_image_20B"' in shown_html(outputs) and "⬛" in shown_html(outputs)
    details_button = blocks["mt-pf-details"]
    inputs = next(f.inputs for f in app.fns.values() if (details_button._id, "click") in f.targets and f.fn)
    values = [{"model": "qwen_image_20B"}] + [getattr(block, "value", None) for block in inputs[1:]]
    pick_update, title, _ = handler(app, details_button, "click", blocks["mt-detail-text"])(*values)
    # The picker keeps every model of the session's filters, not only the one Details opened.
    assert pick_update["value"] == "qwen_image_20B" and len(pick_update["choices"]) > 10 and "Qwen" in title


@pytest.mark.parametrize("typed", ["qwen_image_20B", "QWEN IMAGE 20B", "Qwen/Qwen-Image"])
def test_the_standalone_selector_takes_any_name_the_alias_table_knows(monkeypatch, tmp_path, typed):
    from wan2gp_model_tracker.catalog.demo import DemoCatalog
    from wan2gp_model_tracker.ui.serve import build_app

    monkeypatch.setenv("WAN2GP_TRACKER_DATA", str(tmp_path))
    app = build_app(DemoCatalog(str(tmp_path / "demo")))
    blocks = {getattr(b, "elem_id", None): b for b in app.blocks.values()}
    outputs = handler(app, blocks["mt-pf-pick"], "change", blocks["mt-pf-text"])(typed, {})
    assert 'data-model="qwen_image_20B"' in shown_html(outputs)


def test_the_standalone_selector_shows_no_line_for_a_name_nobody_knows(monkeypatch, tmp_path):
    from wan2gp_model_tracker.catalog.demo import DemoCatalog
    from wan2gp_model_tracker.ui.serve import build_app

    monkeypatch.setenv("WAN2GP_TRACKER_DATA", str(tmp_path))
    app = build_app(DemoCatalog(str(tmp_path / "demo")))
    blocks = {getattr(b, "elem_id", None): b for b in app.blocks.values()}
    assert hidden(handler(app, blocks["mt-pf-pick"], "change", blocks["mt-pf-text"])("no such model", {}))


def test_a_failure_is_logged_once_however_often_it_repeats(host, wan_models, monkeypatch, caplog):
    plugin, demo = loaded(host, wan_models)
    preflight_widgets = sys.modules[type(lines_of(plugin)).__module__]  # the plugin's own copy of the module
    monkeypatch.setattr(preflight_widgets, "_failures_logged", set())

    def broken_scan():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(plugin.controller().analyzer, "scan", broken_scan)
    monkeypatch.setattr(preflight_widgets, "FRESH_SECONDS", -1.0)  # every switch rescans, and fails
    with caplog.at_level("DEBUG"):
        for model_type in ("t2v", "vace", "flux"):
            assert hidden(switch(demo, plugin, model_type, {}))
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "pre-flight" in r.getMessage()]
    assert len(errors) == 1 and "disk on fire" in (errors[0].exc_text or "")


def test_a_refused_download_is_said_on_the_line_until_the_next_switch(host, wan_models, monkeypatch):
    plugin, demo = loaded(host, wan_models)
    widgets = lines_of(plugin)
    module = sys.modules[type(widgets).__module__]  # the plugin's own copy, with its own PlanError
    session: dict = {}
    switch(demo, plugin, "vace", session)

    def refuse(plan):
        raise module.PlanError("/wan/ckpts needs 3.2 GB, 1.0 GB free")

    monkeypatch.setattr(widgets.queue, "submit", refuse)
    monkeypatch.setattr(module, "make_panel_plan", lambda *args: types.SimpleNamespace(files=("one",)))
    handler(demo, widgets.download, "click", widgets.timer)(session)
    ticked = handler(demo, widgets.timer, "tick", widgets.html)(session)
    assert "⚠ nothing was queued: /wan/ckpts needs 3.2 GB, 1.0 GB free" in shown_html(ticked)
    assert "nothing was queued" not in shown_html(switch(demo, plugin, "vace", session))
