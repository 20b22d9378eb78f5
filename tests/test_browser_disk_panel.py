"""The "Disk & cleanup" panel in a real browser: scan, plan, confirm, and the file lands in the (test) trash."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from test_browser import browser, free_port  # noqa: F401  (the browser fixture is shared)
from usage_fixture import build_tree
from wan2gp_fixture import WanFolder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def install(tmp_path_factory):
    root = tmp_path_factory.mktemp("panel")
    wan = WanFolder(root / "Wan2GP")
    build_tree(wan)
    (root / "xdg").mkdir()
    return wan, root


@pytest.fixture(scope="module")
def server(install):
    wan, root = install
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "XDG_DATA_HOME": str(root / "xdg"),
           "WAN2GP_TRACKER_DATA": str(root / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--port", str(port),
                             "--wan2gp", str(wan.root)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"serve did not start:\n{proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_plan_is_confirmed_in_the_tab_and_goes_to_the_trash(browser, server, install):  # noqa: F811
    wan, root = install
    orphan = wan.root / "ckpts" / "wan2.0_old_renamed.safetensors"
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server)
        page.locator("#mt-disk").get_by_text("Disk & cleanup").first.click()
        page.locator("#mt-disk-scan").click()
        page.locator("#mt-disk-summary").get_by_text("Orphaned weight files", exact=False).wait_for()
        assert "3 MB (i2v)" in page.locator("#mt-disk-summary").inner_text()
        assert page.locator("#mt-clean-confirm").is_disabled()
        page.locator("#mt-clean-plan").click()
        page.locator("#mt-clean-plan-text").get_by_text("Nothing has been removed yet", exact=False).wait_for()
        assert "wan2.0_old_renamed.safetensors" in page.locator("#mt-clean-plan-text").inner_text()
        assert orphan.exists()
        page.locator("#mt-clean-confirm").click()
        page.locator("#mt-clean-result").get_by_text("moved to the trash", exact=False).wait_for()
        assert not orphan.exists()
        assert (root / "xdg" / "Trash" / "files" / orphan.name).exists()
        assert page.locator("#mt-clean-confirm").is_disabled()
    finally:
        context.close()

