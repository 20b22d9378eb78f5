"""The Downloads panel in a real browser: queue a demo model against a fake Hub, follow it, see the row turn."""

from __future__ import annotations

import re
import sys

import pytest
from fake_hub import FakeHub
from test_browser import CELL, GRID, ROW, browser, free_port, started  # noqa: F401  (browser is a fixture)
from test_downloads import weights

pytestmark = pytest.mark.browser

FLUX_SCHNELL = "DeepBeepMeep/Flux/resolve/main/flux1-schnell_quanto_bf16_int8.safetensors"


@pytest.fixture(scope="module")
def hub():
    with FakeHub() as fake:
        # Big enough for huggingface_hub to report progress (it does so per 10 MB), slow enough to watch.
        fake.add(FLUX_SCHNELL, weights(24_000_000), chunk_delay=0.01)
        yield fake


@pytest.fixture(scope="module")
def server(hub, tmp_path_factory):
    yield from started([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--port"], HF_ENDPOINT=hub.url,
                       HF_HUB_CACHE=str(tmp_path_factory.mktemp("hf-cache")))


def row_status(page, model_type: str) -> str:
    row = page.locator(GRID).first.locator(ROW).filter(has_text=model_type).first
    return row.locator(CELL).first.inner_text().strip()


def test_a_demo_model_queued_from_the_tab_turns_downloaded(browser, server, hub):  # noqa: F811
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server)
        page.locator(GRID).first.locator(ROW).first.wait_for()
        page.locator("#mt-search input, #mt-search textarea").first.fill("flux_schnell")
        page.wait_for_function("() => document.querySelector('#model-tracker-summary').innerText"
                               ".includes('showing 1')")
        assert row_status(page, "flux_schnell") == "⬛ missing"

        page.locator("#mt-downloads .label-wrap").first.click()
        page.locator("#mt-dl-models input").click()
        page.get_by_role("option", name=re.compile(r"\(flux_schnell\)")).click()
        page.locator("#mt-dl-plan").click()
        plan = page.locator("#mt-dl-plan-text")
        plan.get_by_text("To download:").wait_for()
        assert "flux1-schnell\\_quanto" in plan.inner_text() or "flux1-schnell_quanto" in plan.inner_text()

        page.locator("#mt-dl-start").click()
        progress = page.locator("#mt-dl-progress")
        progress.get_by_text("downloading").wait_for()
        assert "flux1-schnell" in progress.inner_text()
        progress.get_by_text("Queue idle").wait_for(timeout=60_000)
        assert "done" in progress.inner_text()

        page.wait_for_function(
            "() => [...document.querySelectorAll('#model-tracker-table [role=gridcell], #model-tracker-table td')]"
            ".some(c => c.innerText.includes('🟦 downloaded'))", timeout=30_000)
        assert row_status(page, "flux_schnell") == "🟦 downloaded"
        assert hub.gets[FLUX_SCHNELL] == 1
    finally:
        context.close()
