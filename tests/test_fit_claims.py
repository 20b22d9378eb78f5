"""Wan2GP's own VRAM/RAM statements in both directions, and mmgp's measured tables (benchmarks/fit_claims.py),
against the memory model."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fit_claims.py"


def load_script():
    spec = importlib.util.spec_from_file_location("fit_claims", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fit_claims", module)  # dataclasses look their module up there
    spec.loader.exec_module(sys.modules["fit_claims"])
    return sys.modules["fit_claims"]


def test_statements_of_both_kinds_each_with_model_figure_and_source() -> None:
    script = load_script()
    claims = script.CLAIMS

    assert all(c.model_type and c.statement and c.source and c.kind for c in claims)
    negative = [c for c in claims if c.kind in script.NEGATIVE_KINDS]
    assert len(negative) >= 20 and len(claims) - len(negative) >= 25
    assert all(c.below_gb for c in negative if c.kind in ("not_fit", "ram_at_least"))


def test_every_wan2gp_statement_agrees_with_the_tracker(real_catalog_dir) -> None:
    results = load_script().run(real_catalog_dir)

    disagreeing = [(r.claim.model_type, r.claim.statement, r.tracker) for r in results if not r.agrees]
    assert disagreeing == []


def test_the_median_vram_error_against_wan2gps_figures_is_within_15_percent(real_catalog_dir) -> None:
    script = load_script()

    assert script.median_vram_error(script.run(real_catalog_dir)) <= script.MEDIAN_VRAM_ERROR_TARGET


def test_an_underestimating_model_fails_the_statements_of_the_second_kind(real_catalog_dir, monkeypatch) -> None:
    # The calibration must be able to fail: halve every working-memory figure and "needs more than" breaks.
    from wan2gp_model_tracker.fit.memory import MemoryInputs

    script = load_script()
    working = MemoryInputs.working_gb
    monkeypatch.setattr(MemoryInputs, "working_gb", lambda self, workload=None: working(self, workload) / 2)

    failing = [r for r in script.run(real_catalog_dir) if not r.agrees]
    assert failing and all(r.claim.kind in script.NEGATIVE_KINDS for r in failing)


def test_the_closed_form_reproduces_mmgps_measured_tables() -> None:
    rows = load_script().mmgp_rows()

    assert {row.pipeline for row in rows} == {"wan21_14B", "flux"}
    assert all(row.worst_error_pct <= 10 for row in rows), [(r.pipeline, r.profile, r.what) for r in rows
                                                           if r.worst_error_pct > 10]


def test_the_script_prints_its_tables(real_catalog_dir) -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "--catalog", str(real_catalog_dir)], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    assert "statements agree with the tracker" in out and "median |VRAM error|" in out
    assert "mmgp 3.7.12 measured" in out
