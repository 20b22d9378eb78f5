"""How far the architecture-based estimator lands from every curated figure.

    python benchmarks/estimator_error.py [--catalog DIR]

Each curated model is estimated from its real definition (../shared/wan2gp/catalog/defaults when
present), without seeing any curated number, and compared figure by figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wan2gp_model_tracker.fit.definition_facts import definition_from_file  # noqa: E402
from wan2gp_model_tracker.fit.estimate_errors import estimator_error_report  # noqa: E402

DEFAULT_CATALOG = REPO.parent / "shared" / "wan2gp" / "catalog" / "defaults"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", default=str(DEFAULT_CATALOG), help="folder of real definition files")
    args = parser.parse_args(argv)
    catalog = Path(args.catalog)
    defs = {p.stem: definition_from_file(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(catalog.glob("*.json"))} if catalog.is_dir() else None
    print(f"definitions: {'the real catalog in ' + str(catalog) if defs else 'the curated workloads only'}")
    print(estimator_error_report(defs).as_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
