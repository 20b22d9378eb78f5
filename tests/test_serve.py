"""The standalone app's housekeeping: nothing written until asked, nothing left behind when stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from wan2gp_model_tracker.catalog.demo import DemoCatalog
from wan2gp_model_tracker.ui.serve import _exit_on_sigterm
from wan2gp_model_tracker.ui.tab import build_tab
from wan2gp_model_tracker.ui.view import TrackerController

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_filter_changes_write_no_export_until_one_is_asked_for():
    import gradio as gr

    controller = TrackerController(DemoCatalog())
    with gr.Blocks():
        tab = build_tab(controller)
    values = {widget: widget.value for widget in tab.inputs}
    for status in ("all", "partial", "missing", "damaged"):
        tab.refreshed({**values, next(w for w in tab.inputs if w.elem_id == "mt-status"): status})
    assert os.listdir(controller.export_dir) == []


def test_serve_stopped_by_sigterm_removes_its_temporary_folders_quietly(tmp_path: Path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "TMPDIR": str(tmp)}
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--port", str(port)],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        ours = sorted(p.name.rsplit("-", 1)[0] for p in tmp.glob("wan2gp-tracker-*"))
        assert ours == ["wan2gp-tracker-demo", "wan2gp-tracker-export"]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(tmp.glob("wan2gp-tracker-*")) == []
    assert "Traceback" not in log.read_text()


def test_a_second_sigterm_cannot_interrupt_the_cleanup_of_the_first():
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit):
            _exit_on_sigterm(signal.SIGTERM, None)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_extra_panels_come_below_the_models_view_each_built_once():
    import gradio as gr

    built = []

    def build_panel(controller: TrackerController) -> None:
        built.append(controller)
        gr.Markdown("a panel", elem_id="a-panel")

    controller = TrackerController(DemoCatalog())
    with gr.Blocks() as app:
        build_tab(controller, extra_panels=[build_panel])
    ids = [block.elem_id for block in app.blocks.values() if block.elem_id in ("model-tracker-table", "a-panel")]
    assert ids == ["model-tracker-table", "a-panel"] and built == [controller]
