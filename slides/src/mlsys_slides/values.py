"""Live numbers: run a deck's setup cell once and format its inline `{python}` expressions.

Slides show the same `mlsysim` numbers as the book, so they are computed at build time, never
typed. Evaluating is cheap but importing mlsysim is not, so results are cached as JSON keyed by
a hash of the setup code, the expressions and mlsysim's version: an unchanged deck costs one
file read.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from pathlib import Path

from mlsys_slides.errors import SlidesError


def _cache_key(setup: str, exprs: list[tuple[int, str]]) -> str:
    try:
        import mlsysim
        version = getattr(mlsysim, "__version__", "") + str(Path(mlsysim.__file__).stat().st_mtime)
    except ImportError:
        version = "none"
    blob = json.dumps([setup, sorted({e for _, e in exprs}), version])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _run_setup(setup: str, path: Path) -> dict:
    namespace: dict = {"__name__": f"deck_{path.stem}"}
    try:
        exec(compile(setup, f"{path} (setup cell)", "exec"), namespace)  # noqa: S102 - deck's own code
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "(setup cell)" in f.filename]
        where = f" (setup cell line {frames[-1].lineno})" if frames else ""
        raise SlidesError(f"the {{python}} setup cell failed{where}: "
                          f"{type(exc).__name__}: {exc}", path) from None
    return namespace


def evaluate(setup: str, exprs: list[tuple[int, str]], path: Path,
             cache_dir: Path | None) -> dict[str, str]:
    """Map each inline expression to its text; errors name the deck and the expression's line."""
    if not exprs:
        return {}
    cache = cache_dir / f"{_cache_key(setup, exprs)}.json" if cache_dir else None
    if cache and cache.is_file():
        return json.loads(cache.read_text())
    namespace = _run_setup(setup, path)
    values: dict[str, str] = {}
    for line, expr in exprs:
        try:
            values[expr] = str(eval(expr, namespace))  # noqa: S307 - the deck's own expression
        except Exception as exc:
            raise SlidesError(f"`{{python}} {expr}` failed: {type(exc).__name__}: {exc}",
                              path, line) from None
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(values))
        tmp.replace(cache)
    return values
