"""Take the README screenshots of the tab inside the stand-in Wan2GP host, at 1280x800.

Run from the repository root: ``python docs/screenshot.py [OUT_DIR] [--dark]`` (needs Debian's Chromium and
Playwright). Writes ``tab.png`` (summary, filters, the table) and ``details.png`` (after a row click).
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
VIEWPORT = {"width": 1280, "height": 800}


def main(out_dir: str = "docs", *flags: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "standin_app.py")
    server = subprocess.Popen([sys.executable, script, str(port)],
                              env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}/" + ("?__theme=dark" if "--dark" in flags else "")
    suffix = "-dark" if "--dark" in flags else ""
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url)
            page.get_by_role("tab", name="Model Tracker").click()
            table = page.locator("#model-tracker-table")
            table.get_by_text("vace_14B", exact=True).first.wait_for()
            page.wait_for_timeout(800)
            page.screenshot(path=os.path.join(out_dir, f"tab{suffix}.png"))
            table.get_by_text("Vace 14B", exact=True).first.click()
            page.locator("#mt-detail-text").get_by_text("module", exact=False).first.wait_for()
            page.wait_for_timeout(800)
            page.screenshot(path=os.path.join(out_dir, f"details{suffix}.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"wrote {out_dir}/tab{suffix}.png and {out_dir}/details{suffix}.png")


if __name__ == "__main__":
    main(*sys.argv[1:])
