"""The "Disk & cleanup" panel in a real browser: scan, plan, confirm, and the file lands in the (test) trash."""

from __future__ import annotations

import sys

import pytest
from test_browser import browser, free_port, started  # noqa: F401  (the browser fixture is shared)
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
    yield from started([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--wan2gp", str(wan.root), "--port"],
                       XDG_DATA_HOME=str(root / "xdg"), WAN2GP_TRACKER_DATA=str(root / "data"))


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

