"""The tab and its panels in Chromium at 1280x800, on a Wan2GP folder with the 217 real definitions
(tests/real_install.py; skipped when ../shared/wan2gp/catalog/defaults is absent)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from real_install import CATALOG_DIR, build_real_install
from test_browser import LAPTOP, browser, free_port, started  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser

ZERO = re.compile(r"(?<![\d.])0\.0 GB")  # "0.0 GB", not the end of "10.0 GB"
ROWS = "#model-tracker-table table.table tbody tr, #model-tracker-table .virtual-row"
# Every word of every matched element on one line: a word whose letters sit on two lines was broken inside.
BROKEN_WORDS = """selector => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('code')) continue;  // paths and file names may break: they are no words
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
def install(tmp_path_factory):
    if not CATALOG_DIR.is_dir():
        pytest.skip(f"the real Wan2GP catalog is not available at {CATALOG_DIR}")
    return build_real_install(tmp_path_factory.mktemp("real") / "Wan2GP")


@pytest.fixture(scope="module")
def server(install, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    yield from started([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--wan2gp", str(install), "--port"],
                       WAN2GP_TRACKER_DATA=str(data), XDG_DATA_HOME=str(data / "xdg"), HF_HUB_OFFLINE="1",
                       HF_HUB_CACHE=str(data / "hf"))


@pytest.fixture
def page(browser, server):  # noqa: F811
    context = browser.new_context(viewport=LAPTOP)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(server)
    tab.locator(ROWS).first.wait_for()
    yield tab
    context.close()


def names_in_view(page) -> list[str]:
    return page.evaluate("rows => Array.from(document.querySelectorAll(rows))"
                         ".map(r => r.querySelectorAll('td, [role=gridcell]')[1].innerText.trim())", ROWS)


def fit_cells(page) -> list[str]:
    return page.evaluate("rows => Array.from(document.querySelectorAll(rows))"
                         ".map(r => { const c = r.querySelectorAll('td, [role=gridcell]'); "
                         "return c[c.length - 1].innerText.trim(); })", ROWS)


def set_ram(page, gb: str) -> None:
    """The RAM field set (once a VRAM budget is set, the summary names both)."""
    page.locator("#mt-ram input, #mt-ram textarea").first.fill(gb)
    page.wait_for_function("gb => document.querySelector('#model-tracker-summary').innerText"
                           ".includes('/ ' + gb + ' GB RAM')", arg=gb)


def no_gpu(page) -> bool:
    return page.locator("#mt-budget-pick").is_visible()


def test_the_search_lists_name_matches_before_other_fields(page):
    page.locator("#mt-search input, #mt-search textarea").first.fill("ltx")
    page.wait_for_function("() => /showing \\d+/.test(document.querySelector('#model-tracker-summary').innerText)"
                           " && !document.querySelector('#model-tracker-summary').innerText.includes('showing 213')")
    page.wait_for_function("rows => { const r = document.querySelector(rows);"
                           " return r && r.innerText.includes('LTX'); }", arg=ROWS)
    names = names_in_view(page)
    assert names[0].startswith("LTX") and all("LTX" in name for name in names[:8])
    assert "DramaBox Audio" not in names[:8]


def test_the_budget_buttons_set_the_fit_column(page):
    if not no_gpu(page):
        pytest.skip("a GPU was detected: the budget buttons are only offered without one")
    assert set(fit_cells(page)) == {"—"}
    page.locator("#mt-budget-pick").get_by_text("24 GB", exact=True).click()
    page.wait_for_function("() => document.querySelector('#model-tracker-summary').innerText"
                           ".includes('fit: 24 GB VRAM')")
    set_ram(page, "64")  # the verdicts then depend on the VRAM budget only, not on this machine's RAM
    roomy = fit_cells(page)
    page.locator("#mt-budget-pick").get_by_text("6", exact=True).click()
    page.wait_for_function("() => document.querySelector('#model-tracker-summary').innerText"
                           ".includes('fit: 6 GB VRAM')")
    tight = fit_cells(page)
    verdicts = {"recommended", "compatible", "incompatible"}
    assert set(roomy) <= verdicts and set(tight) <= verdicts
    assert tight.count("recommended") < roomy.count("recommended")
    # The buttons write the VRAM field, and show what is typed there when it is one of theirs.
    field = page.locator("#mt-vram input, #mt-vram textarea").first
    assert field.input_value() == "6"
    field.fill("20")
    page.wait_for_function("() => document.querySelector('#model-tracker-summary').innerText"
                           ".includes('fit: 20 GB VRAM')")
    page.wait_for_function("() => !document.querySelector('#mt-budget-pick input:checked')")
    field.fill("16")
    page.wait_for_function("() => document.querySelector('#mt-budget-pick input:checked')?.value === '16'")


def test_the_summary_chips_stay_on_one_line_at_1280(page):
    layout = page.evaluate("() => { const box = document.querySelector('#model-tracker-summary .mt-chips');"
                           " const tops = new Set(Array.from(box.children).map(c => Math.round("
                           "c.getBoundingClientRect().top))); return [tops.size, box.scrollWidth, box.clientWidth]; }")
    tops, wide, shown = layout
    assert tops == 1 and wide <= shown + 1


def test_unknown_sizes_read_as_a_question_mark_never_zero(page):
    page.locator("#mt-downloads .label-wrap").first.click()
    page.locator("#mt-dl-models input").click()
    options = page.get_by_role("option").all_inner_texts()
    assert len(options) >= 50  # Gradio 6 lists the first 100 of the ~200 offered
    assert not [o for o in options if ZERO.search(o)]
    assert [o for o in options if o.rstrip().endswith(("?", "file)", "files)"))]
    page.keyboard.press("Escape")
    assert not ZERO.search(page.locator("#model-tracker-table").inner_text())


def test_no_header_or_table_word_is_broken_inside(page):
    assert page.evaluate(BROKEN_WORDS, "#model-tracker-table th, #model-tracker-table [role=columnheader]") == []
    page.locator("#mt-downloads .label-wrap").first.click()
    page.locator("#mt-dl-models input").fill("t2v_1.3B")
    page.get_by_role("option", name=re.compile(r"\(t2v_1\.3B\)")).click()
    page.keyboard.press("Escape")
    page.locator("#mt-dl-plan").click()
    page.locator("#mt-dl-plan-text table").wait_for()
    # Offline (HF_HUB_OFFLINE): the queued file fails at once and the progress table lists it with a Retry.
    page.locator("#mt-dl-start").click()
    page.locator("#mt-dl-progress").get_by_text("failed").first.wait_for()
    headers = "#mt-dl-plan-text th, #mt-dl-progress th"
    assert page.locator(headers).count() >= 10
    assert page.evaluate(BROKEN_WORDS, headers) == []
    # In the cells, words never break either (file names and paths may: they are not words).
    cells = "#mt-dl-plan-text td:not(:first-child), #mt-dl-progress td:not(:first-child)"
    assert page.evaluate(BROKEN_WORDS, cells) == []
    page.locator("#mt-dl-failed input").click()
    assert page.get_by_role("option", name=re.compile(r"\(failed\)")).count() >= 1


def test_disk_results_sit_below_their_button_in_a_bounded_box_and_point_at_the_biggest_cleanup(page):
    page.locator("#mt-disk .label-wrap").first.click()
    page.locator("#mt-disk-scan").click()
    summary = page.locator("#mt-disk-summary")
    summary.get_by_text("Unique (freed if removed alone)").wait_for()
    button = page.locator("#mt-disk-scan").bounding_box()
    box = summary.bounding_box()
    assert box["y"] >= button["y"] + button["height"] - 1
    assert box["height"] <= 430
    assert page.evaluate(BROKEN_WORDS, "#mt-disk-summary th") == []
    page.locator("#mt-clean-plan").click()  # "Orphaned files": this folder has none
    plan = page.locator("#mt-clean-plan-text")
    plan.get_by_text("would be freed instead").wait_for()
    assert re.search(r"Other quantizations: 32\.0 GB", plan.inner_text())


# The WCAG contrast of each fit label's text against what is behind it (its tinted background over the page's).
CONTRASTS = """() => {
  const rgba = text => { const n = text.match(/[\\d.]+/g).map(Number);
    const srgb = text.startsWith('color(');  // color-mix() computes to color(srgb r g b / a), channels 0-1
    const alpha = n.length > 3 ? n[3] : 1;
    return srgb ? [n[0] * 255, n[1] * 255, n[2] * 255, alpha] : [n[0], n[1], n[2], alpha]; };
  const over = (top, bottom) => top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const backdrop = element => { const layers = [];
    for (let e = element; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]); };
  const luminance = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return Array.from(document.querySelectorAll('#model-tracker-table .mt-verdict')).map(span => {
    const back = backdrop(span), text = over(rgba(getComputedStyle(span).color), back);
    const [a, b] = [luminance(text), luminance(back)].sort((x, y) => y - x);
    return [span.innerText.trim(), (a + 0.05) / (b + 0.05)]; });
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_fit_labels_are_readable_in_both_themes(browser, server, theme):  # noqa: F811
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(server + ("?__theme=dark" if theme == "dark" else ""))
        page.locator(ROWS).first.wait_for()
        field = page.locator("#mt-vram input, #mt-vram textarea").first
        field.fill("12")
        set_ram(page, "64")
        page.wait_for_function("() => document.querySelectorAll('#model-tracker-table .mt-verdict').length > 5")
        contrasts = page.evaluate(CONTRASTS)
        assert {label for label, _ in contrasts} >= {"recommended", "compatible"}
        print(theme, sorted({(label, round(ratio, 1)) for label, ratio in contrasts}))
        assert min(ratio for _, ratio in contrasts) >= 4.5, contrasts
    finally:
        context.close()


def test_the_round_trip_benchmark_runs_and_reports_every_interaction(install):
    """benchmarks/bench_ui.py at its smallest: every interaction measured, with the handler's time beside it."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_ui.py"
    done = subprocess.run([sys.executable, str(script), "--repeat", "2", "--json"], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "WAN2GP_REAL_CATALOG": str(CATALOG_DIR)})
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout[done.stdout.index("{"):])
    assert set(figures) == {"page -> table", "search", "sort", "row -> details", "VRAM typed -> fit"}
    for name, measured in figures.items():
        assert measured["p50_ms"] > 0 and measured["server_p50_ms"] is not None, name


def test_the_export_row_is_compact_and_does_not_move_the_table_when_its_file_appears(page):
    page.locator("#mt-more").get_by_text("More filters and export").click()
    button = page.locator("#mt-export")
    button.wait_for()
    page.wait_for_timeout(500)  # the section has finished opening
    table_top = page.locator("#model-tracker-table").bounding_box()["y"]
    assert button.bounding_box()["height"] <= 40
    button.click()
    page.locator("#mt-export-file a").first.wait_for()
    page.wait_for_timeout(300)
    assert abs(page.locator("#model-tracker-table").bounding_box()["y"] - table_top) <= 1
