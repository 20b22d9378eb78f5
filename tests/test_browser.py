"""The tab in a real browser: Debian's Chromium driven by Playwright against ``serve`` on localhost."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from wan2gp_model_tracker.ui.view import TABLE_COLUMNS

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
REQUIRED = os.environ.get("MODEL_TRACKER_REQUIRE_BROWSER") == "1"
# The table's scrolling body, its rows and cells, in Gradio 5 (a <table>) and Gradio 6 (a virtual grid).
GRID = "#model-tracker-table .virtual-table-viewport, #model-tracker-table table.table"
ROW = ".virtual-row, tbody tr:visible"
CELL = "[role=gridcell], td"


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1500, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(server)
    tab.locator(GRID).first.locator(ROW).first.wait_for()
    yield tab
    context.close()


def column(page, index: int) -> list[str]:
    """One column of the rows currently rendered."""
    cells = page.locator(GRID).first.locator(ROW).locator(CELL)
    row_length = len(TABLE_COLUMNS)
    texts = cells.all_inner_texts()
    return [texts[i].strip() for i in range(index, len(texts), row_length)]


def model_types(page) -> list[str]:
    """The "Model type" column top to bottom; Gradio renders only the rows in view, so scroll through."""
    table = page.locator(GRID).first
    table.evaluate("t => { t.scrollTop = 0; }")
    page.wait_for_timeout(100)
    seen: list[str] = []
    for _ in range(200):
        for text in column(page, TABLE_COLUMNS.index("Model type")):
            if text and text not in seen:
                seen.append(text)
        moved = table.evaluate("t => { const before = t.scrollTop; t.scrollTop += t.clientHeight / 2;"
                               " return t.scrollTop !== before; }")
        if not moved:
            break
        page.wait_for_timeout(100)
    table.evaluate("t => { t.scrollTop = 0; }")
    return seen


def showing(page) -> str:
    match = re.search(r"showing (\d+)", page.locator("#model-tracker-summary").inner_text())
    return match.group(1) if match else ""


def wait_for_update(page, before: str) -> None:
    """Wait until the summary's "showing N" count moves away from ``before``."""
    page.wait_for_function(
        "([sel, before]) => { const m = document.querySelector(sel).innerText.match(/showing (\\d+)/);"
        " return m && m[1] !== before; }", arg=["#model-tracker-summary", before])


def choose(page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def set_budget(page, gb: int) -> None:
    field = page.locator("#mt-vram input")
    field.fill(str(gb))
    field.press("Enter")


def test_the_table_lists_the_demo_models(page):
    types = model_types(page)
    assert len(types) == 16
    assert {"t2v", "vace_14B", "t2v_2_2", "flux", "z_image", "chatterbox"} <= set(types)
    assert "16 models" in page.locator("#model-tracker-summary").inner_text()


def test_the_vram_budget_changes_the_rows(page):
    everything = model_types(page)
    choose(page, "mt-fit", "Fits the budget")  # without a GPU or a budget no model "fits" yet
    wait_for_update(page, "16")
    set_budget(page, 24)
    wait_for_update(page, "0")
    roomy = model_types(page)
    set_budget(page, 2)
    wait_for_update(page, str(len(roomy)))
    tight = model_types(page)
    assert "t2v" in roomy and "t2v" not in tight
    assert set(tight) < set(roomy) <= set(everything)
    verdicts = column(page, TABLE_COLUMNS.index("Fit"))
    assert verdicts and set(verdicts) <= {"recommended", "compatible"}


def test_selecting_a_row_opens_its_details(page):
    rows = page.locator(GRID).first.locator(ROW)
    rows.filter(has_text="vace_14B").first.locator(CELL).nth(1).click()
    details = page.locator("#mt-detail-text")
    details.get_by_text("✗ module", exact=False).wait_for()
    text = details.inner_text()
    assert "wan2.1_Vace_14B_module_quanto_mbf16_int8.safetensors" in text
    assert "✓ transformer" in text and "Before generating, Wan2GP would download 1 file" in text


def test_export_downloads_markdown_whose_rows_match_the_table(page, tmp_path: Path):
    choose(page, "mt-status", "✓ Downloaded")
    wait_for_update(page, "16")
    shown = model_types(page)
    page.wait_for_timeout(500)  # the export file is rewritten with each table update
    with page.expect_download() as download_info:
        page.locator("#mt-export").click()
    target = tmp_path / "export.md"
    download_info.value.save_as(target)
    text = target.read_text(encoding="utf-8")
    exported = [t.strip().replace("\\_", "_") for t in re.findall(r"^\| [✓◐✗] \w+ \| ([^|]+) \|", text, re.M)]
    assert download_info.value.suggested_filename.endswith(".md")
    assert exported == shown and len(shown) == 6


def test_the_ram_field_changes_which_models_are_recommended(page):
    choose(page, "mt-fit", "Recommended for the budget")
    wait_for_update(page, "16")
    set_budget(page, 24)
    wait_for_update(page, "0")
    roomy = model_types(page)
    field = page.locator("#mt-ram input")
    field.fill("8")
    field.press("Enter")
    wait_for_update(page, str(len(roomy)))
    short = model_types(page)
    assert "t2v" in roomy and "t2v" not in short
    assert set(short) < set(roomy)
    assert "8 GB RAM" in page.locator("#model-tracker-summary").inner_text()
