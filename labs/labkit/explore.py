"""A lab's explorable: the scenario `mlsys labs export` evaluates on a grid for the website."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One control of the explorable: a name (the keyword `evaluate` receives), its label, the
    discrete values a reader can pick, the default and, for numbers, the unit they are in."""

    name: str
    label: str
    values: tuple[Any, ...]
    default: Any
    unit: str = ""


@dataclass(frozen=True)
class Output:
    """One number the explorable shows: key in `evaluate`'s result, label, unit (`"s"`, `"B"`,
    `"FLOP/s"`, `"%"`, `"x"`, ...), formatted by `mlsysim.format_quantity`."""

    name: str
    label: str
    unit: str = ""


@dataclass(frozen=True)
class Explore:
    """A lab's explorable: inputs, outputs, the verdict rule, the plot and the prediction.

    `evaluate(**inputs)` returns every output by name; `verdict(values)` turns those values into
    `(ok, sentence)` (fits / OOM / SLO missed); the plot draws `plot_y` against the input
    `plot_x` with the other inputs as set (`plot_limit`, an output, is drawn dashed: a capacity
    or a budget). `answer()` computes the correct option of the prediction and its explanation.
    """

    inputs: tuple[Choice, ...]
    outputs: tuple[Output, ...]
    evaluate: Callable[..., dict[str, float]]
    verdict: Callable[[dict[str, float]], tuple[bool, str]]
    plot_x: str
    plot_y: tuple[str, ...]
    question: str
    options: tuple[str, ...]
    answer: Callable[[], tuple[str, str]]
    plot_limit: str | None = None
    limit_label: str = "limit"
    log_y: bool = False
