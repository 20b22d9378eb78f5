"""The download benchmark runs end to end at a small size (its timings are printed, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_download.py"


def test_it_measures_a_resume_and_both_clients(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "--size-mb", "2", "--repeat", "1", "--link-mb-s", "0",
                          "--dir", str(tmp_path), "--json"], capture_output=True, text=True, check=True,
                         timeout=300).stdout
    result = json.loads(out)

    resume = result["resume"]
    assert resume["file_exact"] and resume["refetched_bytes"] == 0
    assert 0 < resume["resumed_at"] == resume["on_disk_before_resume"] < resume["size"]
    speed = result["throughput"]
    assert speed["tracker_mb_s"] > 0 and speed["hf_hub_download_mb_s"] > 0 and speed["ratio"] > 0
    assert result["throughput_on_a_link"] is None
