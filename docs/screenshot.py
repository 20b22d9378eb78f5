"""Take the README screenshots of the tab and its panels at 1280x800, on the 217 real definitions.

Run from the repository root: ``python docs/screenshot.py [OUT_DIR]`` (needs Debian's Chromium, Playwright and
../shared/wan2gp/catalog/defaults or WAN2GP_REAL_CATALOG). It builds a temporary Wan2GP folder with those
definitions and sparse weights for a few models (tests/real_install.py), serves the tab with
``python -m wan2gp_model_tracker serve --wan2gp`` and writes:

- ``tab.png``: the first screen without a GPU, the 12 GB budget picked (light theme); ``tab-dark.png`` the same dark;
- ``chart.png``: the chart of what fits 12 GB; ``details.png``: a model's details after a click on its row;
- ``downloads.png``: a plan and a failed file with its Retry (the server is offline); ``disk.png``: disk use and
  the cleanup pointing at the plan that frees the most.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from real_install import CHROMIUM_ARGS, ROWS, VIEWPORT, build_real_install, free_port, isolated_env  # noqa: E402


def start(folder: Path, scratch: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--wan2gp", str(folder),
                               "--port", str(port)], env=isolated_env(scratch))
    url = f"http://127.0.0.1:{port}/"
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    return server, url


def opened(browser, url: str, dark: bool = False):
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(60_000)
    page.goto(url + ("?__theme=dark" if dark else ""))
    page.locator(ROWS).first.wait_for()
    page.locator("#mt-budget-pick").get_by_text("12", exact=True).click()
    page.wait_for_function("() => document.querySelector('#model-tracker-summary').innerText.includes('fit: 12 GB')")
    page.wait_for_timeout(800)
    return page


def main(out_dir: str = "docs") -> None:
    out = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="wan2gp-screens-") as scratch_name:
        scratch = Path(scratch_name)
        server, url = start(build_real_install(scratch / "Wan2GP"), scratch)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                for dark in (False, True):
                    page = opened(browser, url, dark)
                    page.screenshot(path=out / f"tab{'-dark' if dark else ''}.png")
                    page.close()

                page = opened(browser, url)
                page.locator("#mt-chart-box .label-wrap").first.click()
                page.locator("#mt-chart canvas, #mt-chart svg").first.wait_for()
                page.wait_for_timeout(1500)
                page.locator("#mt-chart-box").scroll_into_view_if_needed()
                page.evaluate("() => document.querySelector('#mt-chart-box').scrollIntoView({block: 'start'})")
                page.screenshot(path=out / "chart.png")
                page.evaluate("() => window.scrollTo(0, 0)")
                row = page.locator(ROWS).filter(has_text="flux_schnell").first
                if not row.count():
                    row = page.locator(ROWS).first
                row.locator("td, [role=gridcell]").nth(1).click()
                page.locator("#mt-detail-text").get_by_text("Fit on", exact=False).first.wait_for()
                page.wait_for_timeout(800)
                page.screenshot(path=out / "details.png")
                page.close()

                page = opened(browser, url)
                page.locator("#mt-downloads .label-wrap").first.click()
                page.locator("#mt-dl-models input").fill("t2v_1.3B")
                page.get_by_role("option").filter(has_text="(t2v_1.3B)").first.click()
                page.keyboard.press("Escape")
                page.locator("#mt-dl-plan").click()
                page.locator("#mt-dl-plan-text table").wait_for()
                page.locator("#mt-dl-start").click()
                page.locator("#mt-dl-progress").get_by_text("failed").first.wait_for()
                page.wait_for_timeout(1200)
                page.evaluate("() => document.querySelector('#mt-downloads').scrollIntoView({block: 'start'})")
                page.screenshot(path=out / "downloads.png")
                page.close()

                page = opened(browser, url)
                page.locator("#mt-disk .label-wrap").first.click()
                page.locator("#mt-disk-scan").click()
                page.locator("#mt-disk-summary").get_by_text("Unique (freed if removed alone)").wait_for()
                page.locator("#mt-clean-plan").click()
                page.locator("#mt-clean-plan-text").get_by_text("would be freed instead").wait_for()
                page.evaluate("() => document.querySelector('#mt-clean-plan-text').scrollIntoView({block: 'end'})")
                page.wait_for_timeout(800)
                page.screenshot(path=out / "disk.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"wrote tab.png, tab-dark.png, chart.png, details.png, downloads.png and disk.png into {out}/")


if __name__ == "__main__":
    main(*sys.argv[1:])
