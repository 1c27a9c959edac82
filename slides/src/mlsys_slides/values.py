"""Live numbers and figures: run a deck's setup cell once, format its inline `{python}`
expressions and save the matplotlib figures it draws.

Slides show the same `mlsysim` numbers as the book, so they are computed at build time, never
typed. A figure is any matplotlib figure the setup cell leaves open with a label
(`plt.figure(label="memory")`); the deck shows it with `![caption](figure:memory)`. Evaluating
is cheap but importing mlsysim is not, so results are cached (JSON plus the SVGs) under a key
made of the setup code, the expressions and mlsysim's version: an unchanged deck costs one
file read.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from mlsys_slides.errors import SlidesError


@dataclass(frozen=True)
class Evaluated:
    """The text of each inline expression, and the SVG file of each labelled figure."""

    values: dict[str, str] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)


def _cache_key(setup: str, exprs: list[tuple[int, str]]) -> str:
    try:
        import mlsysim
        version = getattr(mlsysim, "__version__", "") + str(Path(mlsysim.__file__).stat().st_mtime)
    except ImportError:
        version = "none"
    blob = json.dumps([2, setup, sorted({e for _, e in exprs}), version])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _run_setup(setup: str, path: Path) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": f"deck_{path.stem}"}
    try:
        exec(compile(setup, f"{path} (setup cell)", "exec"), namespace)  # noqa: S102 - deck's own code
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "(setup cell)" in f.filename]
        where = f" (setup cell line {frames[-1].lineno})" if frames else ""
        raise SlidesError(f"the {{python}} setup cell failed{where}: "
                          f"{type(exc).__name__}: {exc}", path) from None
    return namespace


def _save_figures(folder: Path) -> dict[str, Path]:
    """Write every open, labelled matplotlib figure as `<label>.svg`, then close them all."""
    import matplotlib.pyplot as plt

    saved = {}
    for num in plt.get_fignums():
        fig = plt.figure(num)
        if fig.get_label():
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{fig.get_label()}.svg"
            fig.savefig(target, format="svg", bbox_inches="tight")
            saved[fig.get_label()] = target
    plt.close("all")
    return saved


def evaluate(setup: str, exprs: list[tuple[int, str]], path: Path,
             cache_dir: Path | None) -> Evaluated:
    """Run the setup cell (or read its cached results); errors name the deck and line."""
    if not setup.strip() and not exprs:
        return Evaluated()
    key = _cache_key(setup, exprs)
    base = cache_dir or Path(tempfile.gettempdir()) / "mlsys-slides-values"
    cache = base / f"{key}.json"
    if cache.is_file():
        raw = json.loads(cache.read_text())
        return Evaluated(raw["values"], {k: Path(v) for k, v in raw["figures"].items()})
    namespace = _run_setup(setup, path)
    values: dict[str, str] = {}
    for line, expr in exprs:
        try:
            values[expr] = str(eval(expr, namespace))  # noqa: S307 - the deck's own expression
        except Exception as exc:
            raise SlidesError(f"`{{python}} {expr}` failed: {type(exc).__name__}: {exc}",
                              path, line) from None
    figures = _save_figures(base / f"{key}-figures")
    base.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps({"values": values,
                               "figures": {k: str(v) for k, v in figures.items()}}))
    tmp.replace(cache)
    return Evaluated(values, figures)
