"""Phase 2 of execution: run a chapter's plan, each language in its own session.

Python items go to one Jupyter kernel, R items to one `Rscript` session; each session sees
its own items in document order and stops at its first cell error (unless `error: true`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlsys.project import Project

from .kernel import Kernel
from .rsession import EngineMissing, missing_r, rscript, run_r
from .scan import Doc

Result = dict[str, Any]
Item = tuple[str, str, dict[str, Any]]

# Run around a cell with its own fig-width/fig-height: matplotlib draws it at that size.
_SET_FIGSIZE = ("import matplotlib as _mlsys_mpl\n"
                "_mlsys_figsize = _mlsys_mpl.rcParams['figure.figsize']\n"
                "_mlsys_mpl.rcParams['figure.figsize'] = ({}, {})")
_RESET_FIGSIZE = "_mlsys_mpl.rcParams['figure.figsize'] = _mlsys_figsize"


def stops(kind: str, res: Result, extra: dict[str, Any]) -> bool:
    """Does this result end its session (a dead kernel, or a cell error not allowed)?"""
    return bool(res.get("fatal")) or (kind == "cell" and res["status"] == "error"
                                      and not extra.get("error"))


def run_python(items: list[Item], kernel_name: str, cwd: Path, figsize: tuple[float, float],
               env: dict[str, str]) -> list[Result]:
    """Run Python plan items in one kernel started in `cwd`."""
    kernel = Kernel(kernel_name, cwd, figsize, env)
    out: list[Result] = []
    try:
        for kind, code, extra in items:
            size = extra.get("figsize")
            if size:  # the cell's own fig-width/fig-height: matplotlib draws it at that size
                kernel.run_cell(_SET_FIGSIZE.format(*size))
            res = kernel.run_cell(code) if kind == "cell" else kernel.run_expr(code)
            if size:
                kernel.run_cell(_RESET_FIGSIZE)
            out.append(res)
            if stops(kind, res, extra):
                break
    finally:
        kernel.close()
    return out


def run_plan(doc: Doc, path: Path, project: Project) -> list[Result | None]:
    """Execute the plan; `None` stands for an item that never ran (an earlier one failed)."""
    results: list[Result | None] = [None] * len(doc.plan)
    # like Quarto, tell the code which profile is active (so it can branch on the volume)
    env = {"QUARTO_PROJECT_DIR": str(project.root), "MLSYS_DOC_DIR": str(path.parent)}
    if project.profile:
        env["QUARTO_PROFILE"] = project.profile
    cwd = doc.cwd or path.parent
    by_lang: dict[str, list[int]] = {}
    for i, (_kind, _code, extra) in enumerate(doc.plan):
        by_lang.setdefault(extra.get("lang", "python"), []).append(i)
    if "r" in by_lang and rscript() is None:  # fail before spending a kernel on the rest
        raise EngineMissing(missing_r("R is not installed (no `Rscript` on PATH)"), doc.first_r)
    for lang, indices in by_lang.items():
        items = [doc.plan[i] for i in indices]
        if lang == "r":
            done = run_r(items, cwd, doc.figsize, env, doc.first_r)
        else:
            done = run_python(items, doc.kernel, cwd, doc.figsize, env)
        for i, res in zip(indices, done, strict=False):
            results[i] = res
    return results
