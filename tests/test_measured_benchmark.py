"""``benchmarks/fit_claims.py --measured``: the memory model against the peaks recorded in the tracker's database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_measured_views import measurement
from wan2gp_fixture import url

from wan2gp_model_tracker.usage.measurements import record
from wan2gp_model_tracker.usage.store import UsageStore

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fit_claims.py"


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *argv], capture_output=True, text=True, timeout=120)


def test_modelled_against_measured_per_model_profile_and_workload(tmp_path, wan):
    wan.default("t2v", URLs=[url("t2v_quanto_mbf16_int8.safetensors")], metadata={"main_output": "video"})
    database = tmp_path / "usage.sqlite3"
    store = UsageStore(str(database))
    record(store, measurement(9.8, 1.0))
    record(store, measurement(12.0, 2.0, model_type="unknown_model"))
    done = run("--measured", str(database), "--catalog", str(wan.root / "defaults"))
    assert done.returncode == 0, done.stderr
    t2v = next(line for line in done.stdout.splitlines() if line.startswith("t2v "))
    fields = t2v.split()
    assert fields[1:5] == ["4", "832x480x81", "1", "9.8"]
    modelled, error = float(fields[6]), float(fields[7].rstrip("%"))
    assert abs(100 * (modelled - 9.8) / 9.8 - error) < 1.5  # both printed rounded
    assert "not in this catalog" in done.stdout
    assert "1 measured peaks compared: median absolute VRAM error" in done.stdout


def test_no_database_is_one_line_and_exit_2(tmp_path):
    done = run("--measured", str(tmp_path / "none.sqlite3"), "--catalog", str(tmp_path))
    assert done.returncode == 2 and "no measurement database" in done.stderr
    assert not (tmp_path / "none.sqlite3").exists()
