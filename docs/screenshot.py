"""Take the README screenshot: serve the demo, set a 12 GB budget, open a model's details.

Run from the repository root: ``python docs/screenshot.py`` (needs Debian's Chromium and Playwright).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def main(out: str = "docs/screenshot.png") -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--port", str(port)],
                              env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1500})
            page.goto(url)
            table = page.locator("#model-tracker-table")
            table.get_by_text("vace_14B", exact=True).first.wait_for()
            budget = page.locator("#mt-vram input")
            budget.fill("12")
            budget.press("Enter")
            page.wait_for_function(
                "() => document.querySelector('#model-tracker-table').innerText.includes('compatible')")
            table.get_by_text("Vace 14B", exact=True).first.click()
            page.locator("#mt-detail-text").get_by_text("✗ module", exact=False).wait_for()
            page.wait_for_timeout(500)
            page.screenshot(path=out, full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
