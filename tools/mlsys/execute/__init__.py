"""Run a chapter's code cells and inline expressions: `{python}` in a Jupyter kernel, `{r}`
(and `engine: knitr` documents) in an R session.

The output is plain pandoc markdown in which every cell became its code and outputs, the way
Quarto lays them out, so the parse stage needs to know nothing about kernels. Execution is the
slow part of a book build (a kernel start alone is ~0.5 s), so results are kept in a freeze
cache keyed only by what can change them (the code, never the prose), and a chapter whose code
did not change is rebuilt without starting a kernel or R.

Three phases keep this testable and the cache honest, one module each:
1. `scan`: expand includes, find cells and inline expressions, resolve each cell's options;
2. `run` (`kernel`, `rsession`) behind `cache`: execute the plan or load it from the cache;
3. `outputs`: turn the scanned document plus the results into markdown and a line map.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlsys.model import Problem
from mlsys.project import Project

from .cache import CacheUnwritable, depends_digest, load_or_run
from .outputs import emit
from .rsession import EngineMissing
from .scan import scan

__all__ = ["ExecutedChapter", "code_digest", "depends_digest", "execute_chapter",
           "source_digest", "source_location"]


@dataclass
class ExecutedChapter:
    """A chapter after execution: what the parse stage reads, plus how to locate its lines."""

    markdown: str  # pandoc markdown, cells replaced by outputs, includes expanded
    line_map: list[tuple[Path, int]]  # line_map[i] = (original file, original line) of line i+1
    resources: dict[str, Path]  # href relative to the chapter's output dir -> file on disk
    problems: list[Problem]
    executed: bool  # False when served from the freeze cache or when there was no code
    # sha256 of the chapter's source with includes expanded: the pipeline keys the chapter's
    # cross-reference index by it, so a partial build can reuse it without executing
    source_digest: str = ""
    # labels of cells that raised: their figures/tables never appeared, so a reference to one
    # is a knock-on of the failure already reported, not a problem of its own
    failed_labels: tuple[str, ...] = ()


def source_digest(lines: list[str]) -> str:
    """Digest of a chapter's expanded source lines (what `ExecutedChapter.source_digest` holds)."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def source_location(ch: ExecutedChapter, line: int) -> tuple[Path, int]:
    """Map a 1-based line of `ch.markdown` back to the original file and line."""
    if not ch.line_map:
        raise ValueError("chapter has no lines")
    index = min(max(line, 1), len(ch.line_map)) - 1
    return ch.line_map[index]


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Hash of this package's code (Python and the R runner): part of every cache key that
    holds executed markdown, so changing how cells are emitted invalidates those entries."""
    h = hashlib.sha256()
    for name in sorted(p for p in Path(__file__).parent.iterdir()
                       if p.suffix in (".py", ".R")):
        h.update(name.name.encode() + b"\0" + name.read_bytes())
    return h.hexdigest()


def execute_chapter(path: Path, project: Project, cache_dir: Path) -> ExecutedChapter:
    """Execute one chapter's code (or reuse the freeze cache) and return its markdown.

    Safe to call for different chapters at the same time from threads or processes: each call
    has its own kernel, and cache entries appear atomically (written aside, then renamed).
    """
    path = Path(path).resolve()
    doc = scan(path, project)
    problems = list(doc.problems)
    executed = False
    results: list[dict[str, Any] | None] = []
    images: Path | None = None
    try:
        results, images, executed = load_or_run(doc, path, project, Path(cache_dir))
    except EngineMissing as exc:  # R is not installed: say so at the first R cell
        file, line = exc.loc if exc.loc else (path, None)
        problems.append(Problem("error", str(exc), file, line))
    except RuntimeError as exc:  # the kernel could not start: report it, render the prose
        problems.append(Problem("error", str(exc), path, None))
    except CacheUnwritable as exc:  # outputs are fine, images could not be kept
        problems.append(Problem("error", str(exc), path, None))
        results, executed = exc.results, True
    if len(results) < len(doc.plan):
        results = results + [None] * (len(doc.plan) - len(results))
    failed: list[str] = []
    w, resources = emit(doc, results, images, path.stem, problems, failed)
    return ExecutedChapter("\n".join(w.lines) + "\n", w.locs, resources, problems, executed,
                           source_digest(doc.lines), tuple(failed))
