"""Shared look and building blocks of every lab, so the notebooks read as one course.

A lab is a marimo notebook that walks one loop: ask a question, make the learner commit a
prediction, reveal the answer computed by mlsysim, let them explore with widgets, set a design
challenge with a visible pass/fail verdict, and close with a summary that links back to the
book. The pieces for each step live here, small and plain, so a notebook stays about its idea.

The module also holds the headless runner (`run_lab`) that tests, the benchmark and the CLI use
to execute a lab with chosen widget values through marimo's public `App.run(defs=...)`.

Nothing here knows any hardware or model number: every figure a lab shows comes from mlsysim.

The package is split along its jobs: `labs_yaml` (the catalogue), `pieces` (page pieces,
number formatting), `explore` (the explorable a lab declares), `plots` (SVG charts), `runner`
(headless runs). Notebooks import the package as `labkit` and use the names below.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the submodule that defines it. The submodules load on first use
# (PEP 562), so `mlsys` can read the catalogue (`labkit.labs_yaml`) without importing marimo.
_HOME = {
    **dict.fromkeys((
        "CATALOG", "LABS_DIR", "CatalogError", "LabInfo", "LabkitError", "LabRunError",
        "catalog", "info"
    ), "labs_yaml"),
    **dict.fromkeys((
        "challenge", "fmt_bytes", "fmt_flops", "fmt_rate", "fmt_time", "header", "infeasible",
        "models", "note", "precision_for", "prediction", "reveal", "stats", "summary", "table",
        "verdict"
    ), "pieces"),
    **dict.fromkeys((
        "Choice", "Explore", "Output"
    ), "explore"),
    **dict.fromkeys((
        "FAIL_COLOUR", "PALETTE", "PASS_COLOUR", "Plot", "bars"
    ), "plots"),
    **dict.fromkeys((
        "LabRun", "lab_path", "load_app", "run_lab", "set_widget"
    ), "runner"),
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
