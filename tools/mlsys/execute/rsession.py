"""Phase 2 of execution for `{r}` cells: one `Rscript` session per chapter, via `evaluate`.

We do not hand knitr a generated .Rmd: its markdown would have to be parsed back into cells.
Instead `runner.R` runs each cell with `evaluate` (the library knitr itself uses) and returns
results in the shape Jupyter results take here, so R and Python cells share the cache, the
emit phase and therefore figure numbering, captions and cross-references.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from mlsys.include import Loc

from .kernel import cell_timeout

RUNNER = Path(__file__).with_name("runner.R")
DEBIAN_PACKAGES = ("r-base-core", "r-cran-knitr", "r-cran-ggplot2", "r-cran-jsonlite")


class EngineMissing(Exception):
    """The chapter needs an engine (R) this machine does not have; `loc` is the first use.

    Internal: `execute_chapter` turns it into a build problem at that file and line.
    """

    def __init__(self, message: str, loc: Loc | None):
        super().__init__(message)
        self.loc = loc


def rscript() -> str | None:
    """Path of `Rscript`, or None when R is not installed (looked up on PATH every time)."""
    return shutil.which("Rscript")


def missing_r(what: str) -> str:
    """The message for a machine without R (or its packages): what to install."""
    return (f"{what}; install it to run R cells: apt-get install "
            f"{' '.join(DEBIAN_PACKAGES)}")


def run_r(items: list[tuple[str, str, dict[str, Any]]], cwd: Path,
          figsize: tuple[float, float], env: dict[str, str], first: Loc | None
          ) -> list[dict[str, Any]]:
    """Run R plan items in order in one session; stop at the first unexpected cell error."""
    exe = rscript()
    if exe is None:
        raise EngineMissing(missing_r("R is not installed (no `Rscript` on PATH)"), first)
    plan = [{"kind": kind, "code": code, "error": bool(extra.get("error")),
             "fig-width": float(extra.get("fig-width", figsize[0])),
             "fig-height": float(extra.get("fig-height", figsize[1])),
             **{k: extra[k] for k in ("dev", "dpi") if k in extra}}
            for kind, code, extra in items]
    with tempfile.TemporaryDirectory(prefix="mlsys-r-") as tmp:
        out = Path(tmp)
        (out / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
        proc = _spawn(exe, out, cwd, env, len(items))
        if proc is not None and proc.returncode == 3:
            names = " ".join(f"r-cran-{p}" for p in proc.stderr.split())
            raise EngineMissing(missing_r(f"R packages missing ({names})"), first)
        results = _read_results(out)
        if len(results) < len(items) and not _stopped_on_error(results, items):
            results.append(_died(proc))
        return results


def _spawn(exe: str, out: Path, cwd: Path, env: dict[str, str], n: int
           ) -> subprocess.CompletedProcess[str] | None:
    """Run the R runner; None when it overran its time (the results it wrote are kept)."""
    try:
        return subprocess.run(
            [exe, "--vanilla", str(RUNNER), str(out / "plan.json"), str(out)], cwd=cwd,
            env={**os.environ, **env}, capture_output=True, text=True,
            timeout=cell_timeout() * max(n, 1) + 30)
    except subprocess.TimeoutExpired:
        return None


def _read_results(out: Path) -> list[dict[str, Any]]:
    """The runner's results, with each figure file read into the output's data (as Jupyter
    delivers images), so the cache stores R figures exactly like Python ones."""
    try:
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    for res in results:
        for o in res.get("outputs", []):
            if o.get("type") == "display" and "file" in o:
                data = (out / o.pop("file")).read_bytes()
                mime = o.pop("mime")
                payload = data.decode("utf-8") if mime == "image/svg+xml" else \
                    base64.b64encode(data).decode("ascii")
                o["data"] = {mime: payload}
    return results


def _stopped_on_error(results: list[dict[str, Any]], items: list[tuple[str, str, dict]]
                      ) -> bool:
    if not results:
        return False
    kind, _code, extra = items[len(results) - 1]
    return kind == "cell" and results[-1]["status"] == "error" and not extra.get("error")


def _died(proc: subprocess.CompletedProcess[str] | None) -> dict[str, Any]:
    """The result standing for the item R never finished (not frozen: it may be transient)."""
    if proc is None:
        why = "TimeoutError: R did not finish (set MLSYS_CELL_TIMEOUT to allow longer)"
    else:
        tail = " ".join(proc.stderr.strip().splitlines()[-3:])
        why = f"RDied: R exited with status {proc.returncode}: {tail}"
    ename, _, evalue = why.partition(": ")
    return {"status": "error", "outputs": [], "ename": ename, "evalue": evalue, "count": None,
            "fatal": True}
