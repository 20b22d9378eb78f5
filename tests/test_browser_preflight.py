"""The pre-flight line in a real browser, inside the stand-in Wan2GP host at 1280x800: it follows each session's
model, keeps sessions apart, and "Download now" against the local fake Hub turns it 🟦."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from test_browser import CELL, GRID, LAPTOP, ROW, TESTS, browser, choose, started  # noqa: F401  (a fixture)
from test_browser_downloads import FLUX_SCHNELL, hub  # noqa: F401  (the fake Hub serving flux_schnell: a fixture)

pytestmark = pytest.mark.browser

LINE = "#mt-pf-text"
MODEL_PICK = "host-model-video_gen"
SCREENSHOT = os.environ.get("PREFLIGHT_SCREENSHOT", "")  # e.g. docs/preflight.png: the README's picture


@pytest.fixture(scope="module")
def host_server(hub, tmp_path_factory):  # noqa: F811
    data = tmp_path_factory.mktemp("tracker-data")
    yield from started([sys.executable, str(TESTS / "standin_app.py")], HF_ENDPOINT=hub.url,
                       HF_HUB_CACHE=str(tmp_path_factory.mktemp("hf-cache")), WAN2GP_TRACKER_DATA=str(data),
                       STANDIN_GPU="NVIDIA GeForce RTX 3060:12")


@pytest.fixture
def session(browser, host_server):  # noqa: F811
    """Call it to open a fresh browser session (its own cookies, its own Gradio session) on the host's page."""
    contexts = []

    def open_session():
        context = browser.new_context(viewport=LAPTOP)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(host_server)
        wait_for_line(page, "t2v")
        return page

    yield open_session
    for context in contexts:
        context.close()


def wait_for_line(page, model_type: str, text: str = "", timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([model, text]) => { const line = document.querySelector('#mt-pf-text .mt-pf-line');"
        " return line && line.dataset.model === model && line.innerText.includes(text); }",
        arg=[model_type, text], timeout=timeout)


def line_model(page) -> str:
    return page.locator(f"{LINE} .mt-pf-line").get_attribute("data-model")


def test_the_line_sits_under_the_models_header_and_follows_a_switch_within_a_second(session):
    page = session()
    assert "🟦" in page.locator(LINE).inner_text()
    # Inside the host's header group, right after the header.
    assert page.evaluate("() => document.querySelector('#mt-preflight').closest('.header-markdown-group') !== null")
    choose(page, MODEL_PICK, "vace_14B")
    start = time.monotonic()
    wait_for_line(page, "vace_14B", "Generating will first download", timeout=1000)
    assert time.monotonic() - start < 1.0
    text = page.locator(LINE).inner_text()
    assert "🟨" in text and "Vace 14B" in text
    assert "needs a change" in text or "fits on profile" in text or "does not fit" in text
    page.locator(f"{LINE} summary").click()  # the list of files opens on click
    page.locator(f"{LINE} details[open] li").first.wait_for()
    if SCREENSHOT:
        Path(SCREENSHOT).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOT, clip={"x": 0, "y": 0, "width": 1280, "height": 420})


def test_two_sessions_keep_their_own_lines(session):
    first, second = session(), session()
    choose(first, MODEL_PICK, "vace_14B")
    wait_for_line(first, "vace_14B")
    choose(second, MODEL_PICK, "flux")
    wait_for_line(second, "flux")
    choose(first, MODEL_PICK, "qwen_image_20B")
    wait_for_line(first, "qwen_image_20B")
    second.wait_for_timeout(1500)  # long enough for a leak to show
    assert (line_model(first), line_model(second)) == ("qwen_image_20B", "flux")


def test_download_now_fetches_what_is_missing_turns_the_line_blue_and_the_table_follows(session, hub):  # noqa: F811
    page = session()
    choose(page, MODEL_PICK, "flux_schnell")
    wait_for_line(page, "flux_schnell", "⬛")
    page.locator("#mt-pf-download").click()
    wait_for_line(page, "flux_schnell", "downloading")  # progress on the line while the file arrives
    wait_for_line(page, "flux_schnell", "🟦", timeout=60_000)
    assert hub.gets[FLUX_SCHNELL] == 1
    assert not page.locator("#mt-pf-download").is_visible()  # nothing of the model's own left to queue
    page.get_by_role("tab", name="Model Tracker").click()
    row = page.locator(GRID).first.locator(ROW).filter(has_text="flux_schnell").first
    row.wait_for()
    assert row.locator(CELL).first.inner_text().strip() == "🟦 downloaded"


def test_details_opens_the_tracker_on_the_sessions_model(session):
    page = session()
    choose(page, MODEL_PICK, "vace_14B")
    wait_for_line(page, "vace_14B")
    page.locator("#mt-pf-details").click()
    page.locator("#mt-detail-text").get_by_text("Files").first.wait_for()
    assert "Vace 14B" in page.locator("#mt-details-title").inner_text()
    assert page.get_by_role("tab", name="Model Tracker").get_attribute("aria-selected") == "true"
