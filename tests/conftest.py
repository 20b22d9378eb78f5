from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from wan2gp_fixture import WanFolder, wgp_module

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CATALOG_DIR = Path(__file__).resolve().parents[2] / "shared" / "wan2gp" / "catalog" / "defaults"


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
