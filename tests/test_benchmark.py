"""The benchmark script runs end to end at a small size (its timings are printed, never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from wan2gp_fixture import url

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scan.py"
FIGURES = {"median", "min", "max"}


def run(*args: str) -> dict | list:
    out = subprocess.run([sys.executable, str(SCRIPT), *args, "--repeat", "2", "--json"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    return json.loads(out)


def test_it_measures_an_existing_folder(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    wan.weight("ckpts/t2v.safetensors")
    result = run("--wan2gp", str(wan.root))
    assert result["models"] == 1
    assert set(result["scan_ms"]) == FIGURES and set(result["refresh_ms"]) == FIGURES
    assert result["fs_calls"] > 0 and result["fs_calls_by_kind"]["open"] >= 1


def test_it_builds_and_measures_a_synthetic_folder(real_catalog_dir):
    (small,) = run("--sizes", "250", "--noise-files", "50", "--catalog", str(real_catalog_dir))
    assert small["models"] == 250
    assert small["scan_ms"]["min"] <= small["scan_ms"]["median"] <= small["scan_ms"]["max"]
    assert small["refresh_ms"]["median"] > 0 and small["export_ms"]["median"] > 0


def test_the_refresh_with_a_budget_judges_every_model_once(wan):
    wan.default("t2v", URLs=[url("t2v.safetensors")])
    wan.default("i2v", URLs=[url("i2v.safetensors")])
    result = run("--wan2gp", str(wan.root))
    assert set(result["refresh_budget_ms"]) == FIGURES
    assert result["fit_verdicts"] == 2
    # The verdicts of a refresh that found nothing changed are the ones already judged.
    assert result["verdicts_judged_again_warm"] == 0


def test_it_refuses_to_build_without_the_real_catalog(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--catalog", str(tmp_path / "none")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "real catalog is needed" in result.stderr


def test_it_documents_its_options():
    out = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=True).stdout
    assert "--wan2gp" in out and "--sizes" in out
