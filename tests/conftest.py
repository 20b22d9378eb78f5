from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_hub import FakeHub
from usage_fixture import build_tree
from wan2gp_fixture import WanFolder, wgp_module

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

# Beside the checkout (/work/shared next to /work/main); WAN2GP_REAL_CATALOG names it for checkouts elsewhere.
CATALOG_DIR = Path(os.environ.get("WAN2GP_REAL_CATALOG")
                   or Path(__file__).resolve().parents[2] / "shared" / "wan2gp" / "catalog" / "defaults")


@pytest.fixture
def wan(tmp_path: Path) -> WanFolder:
    return WanFolder(tmp_path / "Wan2GP")


@pytest.fixture(scope="session")
def real_catalog_dir() -> Path:
    if not CATALOG_DIR.is_dir():
        pytest.skip(f"the real Wan2GP catalog is not available at {CATALOG_DIR}")
    return CATALOG_DIR


@pytest.fixture
def wgp(monkeypatch):
    """Wan2GP's module, registered as sys.modules["wgp"] the way Wan2GP registers itself."""
    module = wgp_module()
    monkeypatch.setitem(sys.modules, "wgp", module)
    return module


@pytest.fixture(autouse=True)
def no_hub_by_default(tmp_path_factory, monkeypatch):
    """Tests never reach the real Hub and never write to the user's cache; hub tests opt back in."""
    monkeypatch.setenv("WAN2GP_TRACKER_NO_NETWORK", "1")
    monkeypatch.setenv("WAN2GP_TRACKER_CACHE", str(tmp_path_factory.mktemp("tracker-cache")))


@pytest.fixture
def hub(monkeypatch, tmp_path) -> Iterator[FakeHub]:
    """An empty fake Hub that huggingface_hub is pointed at (HF_ENDPOINT), with a download cache of its own."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    with FakeHub() as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        yield fake


@pytest.fixture
def data_folder(tmp_path, monkeypatch) -> Path:
    """The tracker's own data folder (usage database, deletion logs), inside the test's temporary folder."""
    monkeypatch.setenv("WAN2GP_TRACKER_DATA", str(tmp_path / "tracker-data"))
    return tmp_path / "tracker-data"


@pytest.fixture
def tree(wan) -> WanFolder:
    """The Wan2GP folder of usage_fixture.build_tree: shared text encoder, a variant, orphans, a partial."""
    return build_tree(wan)


@pytest.fixture
def trashed(monkeypatch) -> list[str]:
    """Paths sent to the trash, in order; the files are really removed so rescans see them gone."""
    calls: list[str] = []
    monkeypatch.setattr("send2trash.send2trash", lambda p: (calls.append(p), os.unlink(p)))
    return calls
