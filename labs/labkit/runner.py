"""Headless runs: execute a lab with chosen widget values through marimo's `App.run(defs=...)`."""

from __future__ import annotations

import ast
import functools
import html
import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marimo as mo

from .labs_yaml import LABS_DIR, LabRunError, info


def lab_path(name: str) -> Path:
    """The notebook file of a lab named in the catalogue."""
    info(name)
    return LABS_DIR / f"{name}.py"


def load_app(name: str) -> Any:
    """Import a lab's notebook as a module and return its marimo App (cached per lab)."""
    return _load(str(lab_path(name)))


@functools.cache
def _load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"_lab_{Path(path).stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@functools.cache
def _cell_defs(path: str) -> tuple[tuple[str, ...], ...]:
    """Global names each cell defines, read from the notebook file (marimo's file format).

    Overriding one name with App.run(defs=...) replaces the whole cell that defines it, so the
    runner must also pass that cell's other names. A cell's globals are its returned names and
    every name bound at its top level that does not start with an underscore."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    cells = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        names: list[str] = []
        for stmt in node.body:
            if isinstance(stmt, ast.Return) and stmt.value is not None:
                elts = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else [stmt.value]
                names += [e.id for e in elts if isinstance(e, ast.Name)]
            elif isinstance(stmt, ast.FunctionDef | ast.ClassDef):
                names.append(stmt.name)
            elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    names += [n.id for n in ast.walk(t) if isinstance(n, ast.Name)]
        cells.append(tuple(n for n in dict.fromkeys(names) if not n.startswith("_")))
    return tuple(cells)


@dataclass
class LabRun:
    """The outputs of one headless run: cell outputs, definitions and the page's text."""

    outputs: Sequence[Any]
    defs: Any
    html: str

    def verdicts(self) -> list[str]:
        """'pass' / 'fail' for each challenge callout shown, in page order."""
        return [v.lower() for v in re.findall(r"\b(PASS|FAIL)\.", self.text)]

    @property
    def plain(self) -> str:
        """The page's visible words, tags stripped: what a reader would see."""
        text = re.sub(r"<marimo-stat data-value='\"(.*?)\"' data-label='\"(.*?)\"'[^>]*>",
                      r" \2: \1 ", self.text)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))

    def revealed(self) -> bool:
        """Whether the prediction's answer is on the page (it must not be before a guess)."""
        return "Commit a prediction above" not in self.text

    @property
    def text(self) -> str:
        """The page as plain markup: entities and the JSON escapes of marimo's outputs undone."""
        raw = html.unescape(html.unescape(self.html)).replace("&#92;", "\\")
        return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), raw)


def set_widget(element: Any, value: Any) -> Any:
    """A new copy of a slider, number, dropdown, radio or switch holding `value`.

    Built from the element's public attributes, so the copy keeps the lab's range and options:
    a value the lab does not offer raises ValueError, exactly as a learner could not pick it."""
    kind = type(element).__name__
    if kind == "slider" and element.steps:
        steps = list(element.steps)
        match = [s for s in steps if s == value or abs(s - value) < 1e-9]
        if not match:
            raise ValueError(f"{value!r} is not one of the slider's steps {steps}")
        return mo.ui.slider(steps=steps, value=match[0])
    if kind in ("slider", "number"):
        if not element.start <= value <= element.stop:
            raise ValueError(f"{value!r} is outside the {kind}'s range "
                             f"[{element.start}, {element.stop}]")
        return type(element)(start=element.start, stop=element.stop, step=element.step,
                             value=value)
    if kind in ("dropdown", "radio"):
        options = element.options  # label -> value
        label = next((k for k, v in options.items() if v == value or k == value), None)
        if label is None:
            raise ValueError(f"{value!r} is not one of the options {list(options)}")
        return type(element)(options=options, value=label)
    if kind == "switch":
        return mo.ui.switch(value=bool(value))
    raise TypeError(f"cannot set a {kind} headlessly")


def run_lab(name: str, **widgets: Any) -> LabRun:
    """Run a lab headless with some widgets set (by variable name) and return what it shows.

    Uses marimo's public App.run(defs=...): the cell that defines a widget is replaced by a
    copy of that widget holding the new value, and every cell that reads it re-runs."""
    app = load_app(name)
    defs: dict[str, Any] = {}
    if widgets:
        base = _default_defs(name)
        cells = _cell_defs(str(lab_path(name)))
        for var, value in widgets.items():
            if var not in base:
                raise LabRunError(f"lab {name!r} defines no widget {var!r}")
            defs[var] = set_widget(base[var], value)
            for names in cells:
                if var in names:
                    defs.update({n: base[n] for n in names if n not in defs and n in base})
    outputs, out_defs = app.run(defs=defs) if defs else app.run()
    page = "\n".join(_as_html(o) for o in outputs)
    return LabRun(outputs, out_defs, page)


@functools.cache
def _default_defs(name: str) -> dict[str, Any]:
    _, defs = load_app(name).run()
    return dict(defs)


def _as_html(obj: Any) -> str:
    if obj is None:
        return ""
    try:
        return mo.as_html(obj).text
    except Exception:  # an output marimo cannot format still counts as text for tests
        return str(obj)
