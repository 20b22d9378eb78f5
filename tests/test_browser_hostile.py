"""The tab in a real browser over a hostile catalog: planted HTML stays text and fetches nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from test_browser import GRID, ROW, browser, free_port, started  # noqa: F401  # browser is a fixture
from wan2gp_fixture import WanFolder, url

from wan2gp_model_tracker.catalog.snapshot import SNAPSHOT_FILENAME

pytestmark = pytest.mark.browser

PLANTED = "http://127.0.0.1:9/planted"  # nothing listens there; a request to it means HTML was injected
EVIL_FILE = f"a``<img src={PLANTED}-file.png onerror=alert(1)>``b.safetensors"


def hostile_folder(root: Path) -> WanFolder:
    wan = WanFolder(root)
    wan.default("t2v", URLs=[url("t2v_quanto_mbf16_int8.safetensors")])
    wan.finetune("evil", {"model": {"name": f"Evil <img src={PLANTED}-name.png>", "architecture": "t2v",
                                    "URLs": [url(EVIL_FILE)], "description": f"<img src={PLANTED}-desc.png>"}})
    snapshot = root / "plugins" / "wan2gp-model-tracker" / SNAPSHOT_FILENAME
    snapshot.parent.mkdir(parents=True)
    planted = f"<img src={PLANTED}-family.png>"
    snapshot.write_text(json.dumps({"format": 1, "models": {}, "families": {"evil": ["wan", planted, planted]}}))
    return wan


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    wan = hostile_folder(tmp_path_factory.mktemp("hostile") / "Wan2GP")
    yield from started([sys.executable, "-m", "wan2gp_model_tracker", "serve", "--wan2gp", str(wan.root), "--port"])


def test_planted_html_in_names_files_and_snapshot_labels_stays_text(browser, hostile_server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if PLANTED in request.url else None)
    try:
        page.goto(hostile_server)
        rows = page.locator(GRID).first.locator(ROW)
        rows.first.wait_for()
        rows.filter(has_text="evil").first.locator("[role=gridcell], td").nth(1).click()
        details = page.locator("#mt-detail-text")
        details.get_by_text("onerror", exact=False).first.wait_for()
        text = details.inner_text()
        assert "<img" in text  # shown as text...
        page.wait_for_timeout(500)
        assert page.locator(f"img[src^='{PLANTED}']").count() == 0  # ...never as an element
        assert fetched == []
    finally:
        context.close()
