"""Round trips of the tab in a real browser, on a Wan2GP folder with the 217 real definitions.

Starts ``python -m wan2gp_model_tracker serve --wan2gp <folder>`` (a temporary folder built by
tests/real_install.py from ../shared/wan2gp/catalog/defaults, or WAN2GP_REAL_CATALOG), drives Debian's Chromium
through Playwright at 1280x800 and prints, per interaction, the p50 and p90 of the round trip seen in the page
(from the user's event to the first change of the page that shows the result, on the page's own clock), the p50
of the HTTP request (call to last byte, in the page) and of the server's own handler time (the server runs with
WAN2GP_TRACKER_TIMING=1 and prints each handler's time). "page -> table" is wall-clock, from navigation to the
first row (the page's scripts and styles included).

    python benchmarks/bench_ui.py [--repeat 15] [--json]

Needs Chromium at /usr/bin/chromium and Playwright; writes nothing outside a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from real_install import CHROMIUM_ARGS, ROWS, VIEWPORT, build_real_install, free_port, isolated_env  # noqa: E402

from wan2gp_model_tracker.ui.events import TIMING_ENV, TIMING_PREFIX  # noqa: E402

FIRST_NAME = ("() => { const row = document.querySelector('" + ROWS + "');"
              " return row ? row.querySelectorAll('td, [role=gridcell]')[1].innerText : ''; }")
# Each request the page makes to the server, timed from the call to the last byte of the reply: the share of a round
# trip spent on the wire and in Gradio's request handling (the rest is the browser rendering the reply).
FETCH_TIMER = """
window.__mt_fetches = [];
const original = window.fetch;
window.fetch = async (...args) => {
  const start = performance.now();
  const reply = await original(...args);
  reply.clone().arrayBuffer().then(() => window.__mt_fetches.push(performance.now() - start));
  return reply;
};
"""
# The round trip as the page sees it: from the user's event (the first mousedown, keydown or input after arming)
# to the first DOM change that makes the awaited condition true, both on the page's own clock. Playwright's own
# waits (actionability, polling) are left out.
ROUND_TRIP = """
window.__mt = { start: null };
for (const type of ["mousedown", "keydown", "input"]) {
  document.addEventListener(type, () => { if (window.__mt.start === null) window.__mt.start = performance.now(); },
                            true);
}
window.__mt.arm = (condition, arg) => {
  window.__mt.start = null;
  const holds = new Function("arg", "return (" + condition + ")(arg);");
  window.__mt.done = new Promise(resolve => {
    const check = () => { if (window.__mt.start !== null && holds(arg)) {
      observer.disconnect(); resolve(performance.now() - window.__mt.start); } };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
};
"""
TARGETS_MS = {"search": 150, "sort": 150, "row -> details": 150, "VRAM typed -> fit": 200}


class Server:
    """The standalone app on a free port; its stderr (the handler times) goes to a file read between actions."""

    def __init__(self, folder: Path, scratch: Path) -> None:
        self.port = free_port()
        self.log_path = scratch / "server.log"
        env = isolated_env(scratch, **{TIMING_ENV: "1"})
        self._log = open(self.log_path, "w")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--wan2gp", str(folder),
                                      "--port", str(self.port)], env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"the app did not start; see {self.log_path}:\n{self.log_path.read_text()}")

    def timings(self) -> list[tuple[str, float]]:
        """Every handler time printed so far, in order."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith(TIMING_PREFIX):
                _, name, ms = line.split()
                found.append((name, float(ms)))
        return found

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(page, condition: str, arg: object, act: Callable[[], None]) -> float:
    """Milliseconds from the event ``act`` causes to the page satisfying ``condition`` (a JS function of ``arg``,
    false before ``act``)."""
    page.evaluate("([condition, arg]) => window.__mt.arm(condition, arg)", [condition, arg])
    act()
    return page.evaluate("() => window.__mt.done")


def measure(server: Server, page, action: Callable[[int], float], repeat: int) -> dict[str, float]:
    """``action(i)`` performs the i-th interaction and returns its round trip in milliseconds (``timed``)."""
    trips, handlers, requests = [], [], []
    for i in range(repeat):
        before = len(server.timings())
        page.evaluate("() => { window.__mt_fetches = []; }")
        trips.append(action(i))
        page.wait_for_timeout(150)  # the handler's line reaches the log; the next event starts from a quiet page
        handlers += [ms for _, ms in server.timings()[before:]]
        requests += page.evaluate("() => window.__mt_fetches")
    return {"p50_ms": round(statistics.median(trips), 1), "p90_ms": round(percentile(trips, 0.9), 1),
            "http_p50_ms": round(statistics.median(requests), 1) if requests else None,
            "server_p50_ms": round(statistics.median(handlers), 1) if handlers else None, "runs": repeat}


def summary(page) -> str:
    return page.locator("#model-tracker-summary").inner_text()


def run(repeat: int) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="wan2gp-bench-ui-") as scratch_name:
        scratch = Path(scratch_name)
        folder = build_real_install(scratch / "Wan2GP")
        server = Server(folder, scratch)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                loads = []
                for _ in range(max(3, repeat // 3)):
                    page = browser.new_page(viewport=VIEWPORT)
                    before = len(server.timings())
                    start = time.perf_counter()
                    page.goto(server.url)
                    page.locator(ROWS).first.wait_for(timeout=120_000)
                    loads.append(((time.perf_counter() - start) * 1000,
                                  [ms for _, ms in server.timings()[before:]]))
                    page.close()
                trips = [t for t, _ in loads]
                served = [ms[0] for _, ms in loads if ms]
                results["page -> table"] = {"p50_ms": round(statistics.median(trips), 1),
                                            "p90_ms": round(percentile(trips, 0.9), 1),
                                            "server_p50_ms": round(statistics.median(served), 1) if served else None,
                                            "runs": len(trips)}

                page = browser.new_page(viewport=VIEWPORT)
                page.add_init_script(FETCH_TIMER)
                page.add_init_script(ROUND_TRIP)
                page.set_default_timeout(30_000)
                page.goto(server.url)
                page.locator(ROWS).first.wait_for(timeout=120_000)
                page.wait_for_timeout(500)
                search = page.locator("#mt-search input, #mt-search textarea").first
                words = ["ltx", "wan", "flux", "qwen"]

                def do_search(i: int) -> float:
                    word = words[i % len(words)]
                    return timed(page, "([before, w]) => document.querySelector('#model-tracker-summary').innerText"
                                 " !== before && document.querySelector('#model-tracker-table').innerText"
                                 ".toLowerCase().includes(w)", [summary(page), word], lambda: search.fill(word))

                results["search"] = measure(server, page, do_search, repeat)
                search.fill("")
                page.wait_for_timeout(800)

                sorts = ["Sort: least VRAM", "Sort: name"]

                def do_sort(i: int) -> float:
                    first = page.evaluate(FIRST_NAME)
                    page.locator("#mt-sort input").click()
                    option = page.get_by_role("option", name=sorts[i % 2], exact=True)
                    option.wait_for()
                    # Only the time from the option's click counts: opening the dropdown is the browser's own.
                    return timed(page, f"first => ({FIRST_NAME})() !== first", first, option.click)

                results["sort"] = measure(server, page, do_sort, repeat)

                def do_details(i: int) -> float:
                    cell = page.locator(ROWS).nth(i % 8).locator("td, [role=gridcell]").nth(1)
                    name = cell.inner_text().strip().lstrip("▶↳ ")
                    took = timed(page, "n => document.querySelector('#mt-details-title').innerText.includes(n)", name,
                                 cell.click)
                    page.evaluate("() => window.scrollTo(0, 0)")
                    return took

                page.locator("#mt-details-title").scroll_into_view_if_needed()
                results["row -> details"] = measure(server, page, do_details, repeat)

                vram = page.locator("#mt-vram input, #mt-vram textarea").first
                budgets = ["12", "16", "8", "24"]

                def do_vram(i: int) -> float:
                    gb = budgets[i % len(budgets)]
                    return timed(page, "gb => document.querySelector('#model-tracker-summary').innerText"
                                 ".includes(' ' + gb + ' GB VRAM')", gb, lambda: vram.fill(gb))

                results["VRAM typed -> fit"] = measure(server, page, do_vram, repeat)
                browser.close()
        finally:
            server.stop()
            if os.environ.get("BENCH_UI_SHOW_LOG"):
                print(server.log_path.read_text()[-3000:])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'interaction':<20} {'p50 ms':>8} {'p90 ms':>8} {'HTTP p50':>9} {'handler p50':>12} {'target':>8}")
    for name, figures in results.items():
        target = TARGETS_MS.get(name)
        mark = "" if target is None else ("  met" if figures["p50_ms"] <= target else "  missed")
        print(f"{name:<20} {figures['p50_ms']:>8} {figures['p90_ms']:>8} {figures.get('http_p50_ms')!s:>9} "
              f"{figures['server_p50_ms']!s:>12} {'≤ ' + str(target) if target else '—':>8}{mark}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average {load:.1f} on {os.cpu_count()} CPUs; HTTP: request to last byte in the page; handler: the "
          "tab's own function on the server)")


if __name__ == "__main__":
    main()
