from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from home_guard import isolate_home, real_tracker_folders, tracker_state

# Before anything imports huggingface_hub (which reads HF_HOME once, at import) and before any server
# is started: every process of the run, module-scoped browser servers included, inherits a home of its own.
REAL_FOLDERS = real_tracker_folders(os.environ)
REAL_STATE_AT_START = tracker_state(REAL_FOLDERS)
SESSION_HOME = Path(tempfile.mkdtemp(prefix="tracker-tests-home-"))
os.environ.update(isolate_home(SESSION_HOME))

from fake_hub import FakeHub  # noqa: E402
from usage_fixture import build_tree  # noqa: E402
from wan2gp_fixture import WanFolder, wgp_module  # noqa: E402

from wan2gp_model_tracker.usage.store import UsageStore  # noqa: E402

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
def no_hub_by_default(monkeypatch):
    """Tests never reach the real Hub; hub tests opt back in."""
    monkeypatch.setenv("WAN2GP_TRACKER_NO_NETWORK", "1")


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets a fresh home, caches and data folders of its own; subprocesses inherit them."""
    home = tmp_path_factory.mktemp("home")
    for name, value in isolate_home(home).items():
        monkeypatch.setenv(name, value)
    return home


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run fails when the real user's tracker folders changed while it ran."""
    changed = tracker_state(REAL_FOLDERS) != REAL_STATE_AT_START
    if changed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            changed_paths = sorted({p for p, _, _ in tracker_state(REAL_FOLDERS) ^ REAL_STATE_AT_START})
            reporter.write("\n")
            reporter.write_line(f"FAILED: the test run changed the user's own tracker folders: {changed_paths}",
                                red=True)
    shutil.rmtree(SESSION_HOME, ignore_errors=True)


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


@pytest.fixture
def store(tmp_path: Path) -> UsageStore:
    """A usage database of the test's own."""
    return UsageStore(str(tmp_path / "data" / "usage.sqlite3"))


@pytest.fixture
def outputs(wan) -> Path:
    """Wan2GP's default output folder, empty."""
    folder = wan.root / "outputs"
    folder.mkdir()
    return folder
