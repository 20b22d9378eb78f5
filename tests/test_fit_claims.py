"""Wan2GP's own VRAM/RAM statements (benchmarks/fit_claims.py) all agree with the memory model."""

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


def test_at_least_25_statements_each_with_model_budget_and_source() -> None:
    claims = load_script().CLAIMS

    assert len(claims) >= 25
    assert all(c.model_type and c.statement and c.source and c.kind for c in claims)


def test_every_wan2gp_statement_agrees_with_the_tracker(real_catalog_dir) -> None:
    results = load_script().run(real_catalog_dir)

    disagreeing = [(r.claim.model_type, r.claim.statement, r.tracker) for r in results if not r.agrees]
    assert disagreeing == []


def test_the_script_prints_its_table(real_catalog_dir) -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "--catalog", str(real_catalog_dir)], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    assert "statements agree with the tracker" in out
