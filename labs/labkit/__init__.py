"""Shared look and building blocks of every lab, so sixteen notebooks read as one course.

A lab is a marimo notebook that walks one loop: ask a question, make the learner commit a
prediction, reveal the answer computed by mlsysim, let them explore with widgets, set a design
challenge with a visible pass/fail verdict, and close with a summary that links back to the
book. The pieces for each step live here, small and plain, so a notebook stays about its idea.

The module also holds the headless runner (`run_lab`) that tests, the benchmark and the CLI use
to execute a lab with chosen widget values through marimo's public `App.run(defs=...)`.

Nothing here knows any hardware or model number: every figure a lab shows comes from mlsysim.

The package is split along its jobs: `catalog` (labs.yaml), `pieces` (page pieces and number
formatting), `explore` (the explorable a lab declares), `plots` (SVG charts) and `runner`
(headless runs). Notebooks import the package as `labkit` and use the names below.
"""

from __future__ import annotations

from .catalog import (
    CATALOG,
    LABS_DIR,
    CatalogError,
    LabInfo,
    LabkitError,
    LabRunError,
    catalog,
    info,
)
from .explore import Choice, Explore, Output
from .pieces import (
    challenge,
    fmt_bytes,
    fmt_flops,
    fmt_rate,
    fmt_time,
    header,
    infeasible,
    models,
    note,
    precision_for,
    prediction,
    reveal,
    stats,
    summary,
    table,
    verdict,
)
from .plots import FAIL_COLOUR, PALETTE, PASS_COLOUR, Plot, bars
from .runner import LabRun, lab_path, load_app, run_lab, set_widget

__all__ = [
    "CATALOG",
    "CatalogError",
    "Choice",
    "Explore",
    "FAIL_COLOUR",
    "LABS_DIR",
    "LabInfo",
    "LabRun",
    "LabRunError",
    "LabkitError",
    "Output",
    "PALETTE",
    "PASS_COLOUR",
    "Plot",
    "bars",
    "catalog",
    "challenge",
    "fmt_bytes",
    "fmt_flops",
    "fmt_rate",
    "fmt_time",
    "header",
    "infeasible",
    "info",
    "lab_path",
    "load_app",
    "models",
    "note",
    "precision_for",
    "prediction",
    "reveal",
    "run_lab",
    "set_widget",
    "stats",
    "summary",
    "table",
    "verdict",
]
