"""The test run keeps out of the user's home: every process it starts caches and writes inside its own folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REAL_FOLDERS, REAL_STATE_AT_START
from fake_hub import resolve
from home_guard import TRACKER_FOLDER, isolate_home, tracker_state

FLUX_SCHNELL = resolve("DeepBeepMeep/Flux", "flux1-schnell_quanto_bf16_int8.safetensors")


def test_every_home_variable_points_into_the_tests_own_folder(own_home):
    for name, value in isolate_home(own_home).items():
        assert os.environ[name] == value
        assert Path(value).is_relative_to(own_home)
    assert not any(Path(os.environ[name]).is_relative_to(Path(real).parent) for real in REAL_FOLDERS
                   for name in ("WAN2GP_TRACKER_CACHE", "WAN2GP_TRACKER_DATA"))


def test_a_command_line_run_caches_hub_sizes_in_the_tests_home_only(own_home, hub, monkeypatch):
    """The subprocess gets no variable of its own: what it inherits is what keeps it out of the real home."""
    monkeypatch.delenv("WAN2GP_TRACKER_NO_NETWORK")
    hub.add(FLUX_SCHNELL, 24_000_000)
    result = subprocess.run([sys.executable, "-m", "wan2gp_model_tracker", "inventory", "--format", "json"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    cached = list((own_home / ".cache" / TRACKER_FOLDER / "hub-sizes").glob("DeepBeepMeep_Flux_*.json"))
    assert cached, "the run should have cached the Flux repository's sizes in the test's own cache"
    assert tracker_state(REAL_FOLDERS) == REAL_STATE_AT_START
