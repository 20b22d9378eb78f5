"""The usage benchmark runs end to end at a small size; it counts files read (timings are only printed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_usage.py"


def test_a_warm_rescan_reads_nothing_and_new_outputs_are_read_alone():
    out = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "30", "--repeat", "1", "--json"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    (result,) = json.loads(out)
    assert (result["cold_files_read"], result["warm_files_read"], result["after_10_new_files_read"]) == (30, 0, 10)
    assert result["generations"] == 40
