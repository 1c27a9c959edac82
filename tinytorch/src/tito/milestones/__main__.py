"""``python -m tito.milestones NAME``: run one milestone in this interpreter and print it.

``tito milestone run`` starts this in a subprocess whose ``sys.path`` decides which
``tinytorch`` the milestone uses (the learner's workspace first); ``--reference`` maps
``tinytorch`` onto the reference distribution instead, and the first lines say which it was. Exit status 0 means the
target was met.
"""

from __future__ import annotations

import argparse
import sys
import time

from rich.console import Console
from rich.table import Table

from . import find_milestone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tito.milestones")
    parser.add_argument("name")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference", action="store_true",
                        help="run on the reference implementation (tinytorch-reference)")
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    try:
        ms = find_milestone(args.name)
    except Exception as exc:  # noqa: BLE001 - CurriculumError; report, no traceback
        console.print(f"[red]{exc}[/]")
        return 2
    from ..implementation import ReferenceMissingError, describe, use_reference

    try:
        if args.reference:
            use_reference()
    except ReferenceMissingError as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    import tinytorch

    console.print(f"[bold]{ms.year}: {ms.title}[/]")
    console.print(describe(tinytorch, args.reference), markup=False)
    console.print(f"target: {ms.target}")
    t0 = time.perf_counter()
    result = ms.run(args.seed)
    for note in result.notes:
        console.print(note)
    if result.table:
        table = Table()
        for col in result.table[0]:
            table.add_column(str(col))
        for row in result.table:
            table.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.values()))
        console.print(table)
    for k, v in result.metrics.items():
        console.print(f"  {k}: {v:.4g}")
    verdict = "[green]target reached[/]" if result.passed else "[red]target missed[/]"
    console.print(f"{verdict} in {time.perf_counter() - t0:.1f} s")
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
