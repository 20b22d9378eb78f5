"""The tab in a real browser: Debian's Chromium driven by Playwright against ``serve`` on localhost,
and inside the stand-in Wan2GP host (tests/standin_app.py) at the 1280x800 a laptop user has."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from wan2gp_model_tracker.ui.table import TABLE_COLUMNS

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
REQUIRED = os.environ.get("MODEL_TRACKER_REQUIRE_BROWSER") == "1"
# The table's scrolling body, its rows and cells, in Gradio 5 (a <table>) and Gradio 6 (a virtual grid).
GRID = "#model-tracker-table .virtual-table-viewport, #model-tracker-table table.table"
ROW = ".virtual-row, tbody tr:visible"
CELL = "[role=gridcell], td"
LAPTOP = {"width": 1280, "height": 800}
TESTS = Path(__file__).resolve().parent


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def started(command: list[str], **environment: str):
    """Run a Gradio app (``command`` + a free port) until the module's tests are done; yields its URL.

    Another process on this shared machine may take the port between our check and the app's bind: an app
    that exits at once is started again on another port (three tries)."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **environment}
    with tempfile.TemporaryFile("w+") as log:  # a file, not a pipe nobody reads, which could fill and block
        for _ in range(3):
            port = free_port()
            proc = subprocess.Popen([*command, str(port)], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 90
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.3)
            if proc.poll() is None and time.monotonic() < deadline:
                break
            proc.kill()
        else:
            log.seek(0)
            pytest.fail(f"the app did not start:\n{log.read()}")
        yield url
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server():
    yield from started([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--port"])


@pytest.fixture(scope="module")
def host_server():
    """Wan2GP's page as the stand-in host builds it, the plugin reading the demo catalog live."""
    yield from started([sys.executable, str(TESTS / "standin_app.py")])


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
    # The page's load event rescans and redraws the table, then fills the pre-flight selector: a click on a row
    # drawn before that redraw can be lost, so tests start once the line under the selector shows a model.
    tab.locator("#mt-pf-text [data-model]").first.wait_for()
    yield tab
    context.close()


@pytest.fixture
def laptop(browser, host_server):
    """A fresh browser session on the host's page at 1280x800; call it to open another, independent one."""
    contexts = []

    def open_session(model_type: str = "") -> object:
        context = browser.new_context(accept_downloads=True, viewport=LAPTOP)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        tab.goto(host_server)
        if model_type:
            choose(tab, "host-model-video_gen", model_type)
            tab.wait_for_timeout(300)  # the host's state takes the model before the tracker tab is opened
        tab.get_by_role("tab", name="Model Tracker").click()
        tab.locator(GRID).first.locator(ROW).first.wait_for()
        return tab

    yield open_session
    for context in contexts:
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


def rows_in_view(page) -> int:
    """Table rows entirely inside the window, without scrolling anything."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll("
        "'#model-tracker-table .virtual-row, #model-tracker-table tbody tr'))"
        ".filter(row => { const box = row.getBoundingClientRect();"
        " return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight"
        " && /downloaded|partial|missing|error/.test(row.innerText); }).length")


def marked_rows(page) -> list[str]:
    """Names carrying the ▶ "open in Wan2GP" mark."""
    return [name for name in column(page, TABLE_COLUMNS.index("Name")) if name.startswith("▶")]


def set_budget(page, gb: int) -> None:
    field = page.locator("#mt-vram input, #mt-vram textarea").first
    field.fill(str(gb))
    field.press("Enter")


def set_ram(page, gb: int) -> None:
    """The RAM judged against: set, so that no test depends on this machine's RAM (Wan2GP's profile texts ask
    32 GB for profiles 3 and 4, 64 GB for 1 and 2)."""
    field = page.locator("#mt-ram input").first
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
    set_ram(page, 64)
    set_budget(page, 24)
    wait_for_update(page, "0")
    roomy = model_types(page)
    set_budget(page, 6)  # Flux is below its 8 GB minimum (Wan2GP CHANGELOG L1070)
    wait_for_update(page, str(len(roomy)))
    tight = model_types(page)
    assert "flux" in roomy and "flux" not in tight
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


def test_export_is_written_on_request_and_matches_the_table(page, tmp_path: Path):
    choose(page, "mt-status", "🟦 Downloaded")
    wait_for_update(page, "16")
    shown = model_types(page)
    page.locator("#mt-more").get_by_text("More filters and export").click()
    page.locator("#mt-export").click()
    link = page.locator("#mt-export-file a").first
    link.wait_for()
    with page.expect_download() as download_info:
        link.click()
    target = tmp_path / "export.md"
    download_info.value.save_as(target)
    text = target.read_text(encoding="utf-8")
    exported = [t.strip().replace("\\_", "_") for t in re.findall(r"^\| \S+ \w+(?: ⚠)? \| ([^|]+) \|", text, re.M)]
    assert download_info.value.suggested_filename.endswith(".md")
    assert exported == shown and len(shown) == 6


def test_the_ram_field_changes_which_models_are_recommended(page):
    choose(page, "mt-fit", "Recommended for the budget")
    wait_for_update(page, "16")
    set_ram(page, 64)
    set_budget(page, 24)
    wait_for_update(page, "0")
    roomy = model_types(page)
    set_ram(page, 8)
    wait_for_update(page, str(len(roomy)))
    short = model_types(page)
    assert "t2v" in roomy and "t2v" not in short
    assert set(short) < set(roomy)
    assert "8 GB RAM" in page.locator("#model-tracker-summary").inner_text()


# --- inside the (stand-in) Wan2GP page at 1280x800 ----------------------------------------------

def test_a_dozen_rows_are_visible_at_1280x800_without_scrolling(laptop):
    page = laptop()
    assert page.evaluate("() => window.scrollY") == 0
    assert rows_in_view(page) >= 12


def test_clicking_a_row_brings_its_details_into_view_and_back(laptop):
    page = laptop()
    page.locator(GRID).first.locator(ROW).filter(has_text="vace_14B").first.locator(CELL).nth(1).click()
    details = page.locator("#mt-detail-text")
    details.get_by_text("Before generating, Wan2GP would download 1 file", exact=False).wait_for()
    page.wait_for_function("() => { const b = document.querySelector('#mt-details').getBoundingClientRect();"
                           " return b.top >= 0 && b.top < window.innerHeight / 2; }")
    assert "Vace 14B" in page.locator("#mt-details-title").inner_text()
    assert "wan2.1_Vace_14B_module_quanto_mbf16_int8.safetensors" in details.inner_text()
    page.locator("#mt-back").click()
    page.wait_for_function("() => { const b = document.querySelector('#model-tracker-table').getBoundingClientRect();"
                           " return b.top >= 0 && b.top < window.innerHeight / 2; }")


def test_a_downloaded_model_with_a_damaged_file_is_flagged_in_the_table(laptop):
    page = laptop()
    statuses = dict(zip(column(page, TABLE_COLUMNS.index("Model type")),
                        column(page, TABLE_COLUMNS.index("Status")), strict=True))
    assert statuses["flux"] == "🟦 downloaded ⚠"
    assert [t for t, status in statuses.items() if "⚠" in status] == ["flux"]
    assert "1 file looks damaged" in page.locator("#model-tracker-summary").inner_text()


def test_two_browser_sessions_keep_their_own_filters_and_current_model(laptop):
    first = laptop("vace_14B")
    choose(first, "mt-status", "🟨 Partial")
    wait_for_update(first, "16")
    second = laptop("flux")
    second.locator("#mt-search input, #mt-search textarea").first.fill("flux")
    wait_for_update(second, "16")
    # The second session opens the tab again (the host rescans on every tab select): nothing of the first leaks.
    second.get_by_role("tab", name="Media Generator").click()
    second.get_by_role("tab", name="Model Tracker").click()
    second.wait_for_timeout(1000)
    first.get_by_role("tab", name="Media Generator").click()
    first.get_by_role("tab", name="Model Tracker").click()
    first.wait_for_timeout(1000)
    assert (showing(first), showing(second)) == ("4", "2")
    assert marked_rows(first) == ["▶ Vace 14B"] and marked_rows(second) == ["▶ Flux 1 Dev 12B"]
    assert first.locator("#mt-search input, #mt-search textarea").first.input_value() == ""
    third = laptop()
    assert showing(third) == "16" and marked_rows(third) == ["▶ Wan2.1 Text2video 14B"]


def test_column_headers_explain_their_marks(laptop):
    page = laptop()
    page.wait_for_function("() => Array.from(document.querySelectorAll('#model-tracker-table th'))"
                           ".some(th => th.title.includes('output type'))")
    titles = page.evaluate("() => Object.fromEntries(Array.from(document.querySelectorAll('#model-tracker-table th'))"
                           ".map(th => [th.innerText.trim(), th.title]))")
    assert "🟦" in titles["Status"] and "⚠" in titles["Status"]
    assert "? size unknown" in titles["To download"]


def test_status_and_fit_cells_are_not_cut_at_1280(laptop):
    page = laptop()
    set_ram(page, 64)
    set_budget(page, 12)
    page.wait_for_function("() => document.querySelector('#model-tracker-table').innerText.includes('recommended')")
    cut = page.evaluate(
        "() => Array.from(document.querySelectorAll('#model-tracker-table td, #model-tracker-table [role=gridcell]'))"
        ".filter(cell => /downloaded|partial|missing|recommended|compatible/.test(cell.innerText))"
        ".filter(cell => { const text = cell.querySelector('span') || cell;"
        " return text.scrollWidth > cell.clientWidth + 1; }).map(cell => cell.innerText)")
    assert cut == []


def test_no_endpoint_warning_in_the_console_on_gradio_6(page):
    import gradio

    if int(gradio.__version__.split(".")[0]) < 6:
        pytest.skip("Gradio 5.29's client warns for every event with inputs (gradio-app/gradio#9895)")
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    choose(page, "mt-status", "🟨 Partial")
    wait_for_update(page, "16")
    assert not [m for m in messages if "Too many arguments" in m]
