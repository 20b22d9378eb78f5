"""The package's layers hold: import-linter's contracts in pyproject.toml (drawn in docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--no-cache", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_every_layer_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path):
    # The contracts must be able to fail: the same contracts over a copy of the package with one bad import.
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "wan2gp_model_tracker", copy / "wan2gp_model_tracker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    store = copy / "wan2gp_model_tracker" / "usage" / "store.py"
    store.write_text(store.read_text() + "\nfrom ..fit import memory as _upward  # noqa\n")
    code = ("import sys; sys.path.insert(0, '.'); from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())")
    result = subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=copy, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "usage.store -> wan2gp_model_tracker.fit.memory" in result.stdout
