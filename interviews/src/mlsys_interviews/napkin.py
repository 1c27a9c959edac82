"""Napkin math: evaluate each step's mlsysim expression at build time and format its value.

An expression sees only `mlsysim`, `math`, a handful of harmless builtins and the names of
earlier steps. Names and attributes that start with `_` are refused before evaluation, so an
expression cannot reach mlsysim's internals or Python's machinery. Values are formatted by
mlsysim's own `format_quantity`, the same formatter the book and labs use.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

import numpy as np

import mlsysim

from .errors import NapkinError
from .loader import Located
from .schema import PLACEHOLDER

_BUILTINS = {"min": min, "max": max, "abs": abs, "round": round, "sum": sum, "len": len,
             "float": float, "int": int}


@dataclass(frozen=True)
class StepValue:
    """One evaluated step: its value, and the value as prose shows it."""

    name: str
    say: str
    expr: str
    unit: str
    round: int
    value: float
    text: str


def _refuse_private(tree: ast.AST) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            return f"private attribute '{node.attr}' is not allowed (use mlsysim's public API)"
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            return f"name '{node.id}' is not allowed"
        if isinstance(node, ast.Lambda | ast.NamedExpr):
            return "lambdas and := are not allowed in a napkin step"
    return None


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.number):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return float(value)
    return None


def evaluate(loc: Located) -> tuple[StepValue, ...]:
    """Evaluate every napkin step of a question in order; the first failure raises
    `NapkinError` naming the file, the step's line and mlsysim's (or Python's) reason."""
    scope: dict[str, object] = {"mlsysim": mlsysim, "math": math}
    out: list[StepValue] = []
    for step, line in zip(loc.question.napkin, loc.step_lines, strict=True):
        def fail(reason: str, step: str = step.name, line: int = line) -> NapkinError:
            return NapkinError(loc.file, line, step, reason)
        try:
            tree = ast.parse(step.expr, mode="eval")
        except SyntaxError as exc:
            raise fail(f"not a Python expression: {exc.msg}") from None
        if (why := _refuse_private(tree)) is not None:
            raise fail(why)
        try:
            raw = eval(compile(tree, f"<{step.name}>", "eval"), {"__builtins__": _BUILTINS}, scope)
        except mlsysim.MlsysimError as exc:
            raise fail(f"mlsysim rejected it: {exc}") from None
        except Exception as exc:  # a wrong name, a typo'd attribute, a division by zero...
            raise fail(f"{type(exc).__name__}: {exc}") from None
        value = _as_number(raw)
        if value is None or not math.isfinite(value):
            raise fail(f"expected one finite number, got {type(raw).__name__} {str(raw)[:60]!r}")
        scope[step.name] = value
        text = mlsysim.format_quantity(value, step.unit, step.round)
        out.append(StepValue(step.name, step.say, step.expr, step.unit, step.round, value, text))
    return tuple(out)


def fill(text: str, values: tuple[StepValue, ...]) -> str:
    """Replace each `{{ name }}` in prose with the step's formatted value."""
    by_name = {v.name: v.text for v in values}
    return PLACEHOLDER.sub(lambda m: by_name[m.group(1)], text)


def agrees(value: float, expect: float, figures: int) -> bool:
    """True when `value` and a hand-computed `expect` agree to `figures` significant figures
    (within half a unit in the last shown figure of `value`)."""
    if value == expect:
        return True
    scale = 10 ** (math.floor(math.log10(abs(value) or abs(expect))) - figures + 1)
    return abs(value - expect) <= 0.5 * scale * (1 + 1e-9)
