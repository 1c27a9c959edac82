"""How fast the labs feel: cold start of each lab, and the cost of moving one widget.

start   a fresh Python process imports the lab (marimo, mlsysim, labkit) and runs every cell
        once, formatting the outputs as the page would show them. Target < 3 s.
weight  bytes a reader's browser fetches for each lab page of the built site (`_site/labs/`):
        the page plus every local script, stylesheet, image and JSON it references. Target
        < 500 KB. Needs `mlsys build` first (skipped with a note otherwise).
change  in a warm process, one widget is set to another value it offers and the notebook is
        re-run through marimo's App.run(defs=...), outputs formatted. marimo's reactive runtime
        re-runs only the cells that depend on the widget, so this full re-run is an upper
        bound on what a learner waits for. Target < 100 ms (median of repeats).

Usage: python benchmarks/labs_speed.py [--quick] [--labs a,b]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import labkit as kit

LABS = Path(__file__).resolve().parents[1] / "labs"

# the built site to weigh (MLSYS_SITE overrides, e.g. a CI clone's _site)
SITE_LABS = Path(os.environ.get("MLSYS_SITE", LABS.parent / "_site")) / "labs"
WEIGHT_TARGET_B = 500_000
START_TARGET_S = 3.0
CHANGE_TARGET_S = 0.100

_COLD = """
import sys, time
t0 = time.perf_counter()
import labkit as kit
kit.run_lab({name!r})
print(time.perf_counter() - t0)
"""


def cold_start(name: str) -> float:
    """Seconds from a fresh interpreter to a fully run and formatted lab."""
    proc = subprocess.run([sys.executable, "-c", _COLD.format(labs=str(LABS), name=name)],
                          capture_output=True, text=True, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def another_value(element: Any) -> Any:
    """A different value the widget offers (the next step, option or state)."""
    kind = type(element).__name__
    if kind == "slider" and element.steps:
        steps = list(element.steps)
        i = steps.index(element.value) if element.value in steps else 0
        return steps[(i + 1) % len(steps)]
    if kind in ("slider", "number"):
        step = element.step or 1
        nxt = element.value + step
        return nxt if nxt <= element.stop else element.value - step
    if kind in ("dropdown", "radio"):
        values = list(element.options.values())
        i = values.index(element.value) if element.value in values else -1
        return values[(i + 1) % len(values)]
    if kind == "switch":
        return not element.value
    raise TypeError(kind)


def widget_to_move(name: str) -> tuple[str, Any]:
    """The first learner-facing widget of the lab (not the prediction) and a new value."""
    import marimo as mo

    _, defs = kit.load_app(name).run()
    for var, value in sorted(defs.items()):  # sorted: the same widget on every run
        if var != "guess" and isinstance(value, mo.ui.slider | mo.ui.dropdown | mo.ui.radio
                                         | mo.ui.switch):
            return var, another_value(value)
    raise LookupError(f"{name} has no widget")


def change_time(name: str, repeats: int) -> tuple[str, float]:
    var, value = widget_to_move(name)
    kit.run_lab(name, **{var: value})  # warm: default definitions cached, caches filled
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        kit.run_lab(name, **{var: value})
        times.append(time.perf_counter() - t0)
    return var, statistics.median(times)


def page_weight(page: Path) -> tuple[int, int]:
    """(bytes, files) of one built page and the local files it references."""
    html = page.read_text("utf-8")
    refs = set(re.findall(r'(?:href|src)="([^"#?:]+\.(?:css|js|svg|json|png))"', html))
    files = [page] + [(page.parent / r).resolve() for r in sorted(refs)]
    files = [f for f in files if f.is_file()]
    return sum(f.stat().st_size for f in files), len(files)


def report_weights(names: list[str]) -> None:
    if not SITE_LABS.is_dir():
        print("page weight: no _site/labs (run `mlsys build` first)")
        return
    worst = 0
    for name in names:
        page = SITE_LABS / f"{name}.html"
        if page.is_file():
            size, count = page_weight(page)
            worst = max(worst, size)
            print(f"{name:<24}{size / 1e3:>8.1f} KB in {count} files")
    print(f"heaviest lab page {worst / 1e3:.1f} KB (target < {WEIGHT_TARGET_B / 1e3:.0f} KB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three labs, fewer repeats (CI)")
    parser.add_argument("--labs", default="", help="comma-separated lab names")
    args = parser.parse_args()
    names = [lab.name for lab in kit.catalog()]
    if args.labs:
        names = [n.strip() for n in args.labs.split(",") if n.strip()]
    elif args.quick:
        names = names[:3]
    repeats = 3 if args.quick else 7
    print(f"{'lab':<24}{'start (s)':>10}{'change (ms)':>13}  widget moved")
    worst_start = worst_change = 0.0
    for name in names:
        start = cold_start(name)
        var, change = change_time(name, repeats)
        worst_start, worst_change = max(worst_start, start), max(worst_change, change)
        flag = "" if start < START_TARGET_S and change < CHANGE_TARGET_S else "  (over target)"
        print(f"{name:<24}{start:>10.2f}{1e3 * change:>13.1f}  {var}{flag}")
    print(f"worst start {worst_start:.2f} s (target < {START_TARGET_S:.0f} s); worst change "
          f"{1e3 * worst_change:.1f} ms (target < {1e3 * CHANGE_TARGET_S:.0f} ms)")
    report_weights([lab.name for lab in kit.catalog()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
