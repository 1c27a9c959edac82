"""TinyTorch mutation suite: the share of realistic learner bugs the module tests catch.

Each mutant of `tinytorch/tests/mutations/catalogue.py` is applied to a copy of the reference
and the owning module's tests run as `tito module test` runs them (a fresh interpreter on a
workspace). Target: kill rate 100%; the script exits 1 when any mutant survives, so CI fails.

    python benchmarks/tinytorch_mutations.py            # every mutant
    python benchmarks/tinytorch_mutations.py --quick    # every mutant too: CI must see them all
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "tinytorch" / "tests" / "mutations"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted for CI; runs them all")
    parser.parse_args()
    sys.path.insert(0, str(RUNNER))
    import runner

    return runner.main([])


if __name__ == "__main__":
    raise SystemExit(main())
