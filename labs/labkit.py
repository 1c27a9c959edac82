"""Shared look and building blocks of every lab, so sixteen notebooks read as one course.

A lab is a marimo notebook that walks one loop: ask a question, make the learner commit a
prediction, reveal the answer computed by mlsysim, let them explore with widgets, set a design
challenge with a visible pass/fail verdict, and close with a summary that links back to the
book. The pieces for each step live here, small and plain, so a notebook stays about its idea.

The module also holds the headless runner (`run_lab`) that tests, the benchmark and the CLI use
to execute a lab with chosen widget values through marimo's public `App.run(defs=...)`.

Nothing here knows any hardware or model number: every figure a lab shows comes from mlsysim.
"""

from __future__ import annotations

import ast
import functools
import html
import importlib.util
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import marimo as mo
import numpy as np
from mlsysim.yamlsource import YamlSyntaxError, parse_yaml

LABS_DIR = Path(__file__).resolve().parent
CATALOG = LABS_DIR / "labs.yaml"

# One palette for every plot: colour-blind safe (Okabe-Ito), readable on light and dark pages.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
PASS_COLOUR, FAIL_COLOUR = "#009E73", "#D55E00"


# --------------------------------------------------------------------------- catalogue
@dataclass(frozen=True)
class LabInfo:
    """One entry of labs.yaml: what the lab is called and which chapter it serves."""

    name: str
    title: str
    chapter: str
    href: str  # the chapter's page, relative to the lab's page on the site
    description: str


class LabkitError(ValueError):
    """Root of every error labkit raises on purpose; the message is meant for the reader."""


class CatalogError(LabkitError):
    """labs.yaml is malformed, or names no such lab; the message names the file and field."""


class LabRunError(LabkitError):
    """A headless run asked for something the lab does not have (e.g. an unknown widget)."""


_FIELDS = ("name", "title", "chapter", "href", "description")


def catalog(path: Path = CATALOG) -> tuple[LabInfo, ...]:
    """Every lab in labs.yaml, in course order. Checked, because a typo here breaks the site."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the lab catalogue ({exc.strerror})") from None
    return _parse_catalog(str(path), text)


@functools.cache
def _parse_catalog(path: str, text: str) -> tuple[LabInfo, ...]:
    try:
        raw, loc = parse_yaml(text, path)
    except YamlSyntaxError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise CatalogError(f"{where}: not valid YAML ({exc.detail})") from None
    entries = raw.get("labs") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a top-level 'labs:' list")
    labs: list[LabInfo] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{path}:{loc.nearest_line('labs', i)}"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: lab entry {i + 1} must be a mapping")
        for f in _FIELDS:
            if not isinstance(entry.get(f), str) or not entry[f].strip():
                raise CatalogError(f"{where}: lab entry {i + 1} needs a text field '{f}'")
        name = entry["name"]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise CatalogError(f"{where}: name {name!r} must be lower_snake_case")
        if name in seen:
            raise CatalogError(f"{where}: lab {name!r} is listed twice")
        seen.add(name)
        labs.append(LabInfo(**{f: entry[f].strip() for f in _FIELDS}))
    return tuple(labs)


def info(name: str) -> LabInfo:
    """The catalogue entry of one lab; an unknown name lists the known ones."""
    for lab in catalog():
        if lab.name == name:
            return lab
    known = ", ".join(lab.name for lab in catalog())
    raise CatalogError(f"unknown lab {name!r}; labs are: {known}")


# --------------------------------------------------------------------------- page pieces
def header(name: str, question: str) -> mo.Html:
    """Title, the chapter this lab belongs to, and the one question it answers."""
    lab = info(name)
    return mo.md(
        f"# {lab.title}\n\n"
        f"<small>Lab for [{lab.chapter}]({lab.href}) · every number below is computed by "
        f"`mlsysim`</small>\n\n"
        f"**The question.** {question}"
    )


def prediction(question: str, options: Sequence[str]) -> mo.ui.radio:
    """A radio group with nothing selected: the answer stays hidden until the learner picks."""
    return mo.ui.radio(options=list(options), value=None, label=f"**Predict first.** {question}")


def reveal(guess: mo.ui.radio, correct: str, explanation: str) -> mo.Html:
    """The answer, shown only once a prediction is committed, and whether it was right.

    Hiding it is the point: a prediction made after seeing the answer teaches nothing."""
    if guess.value is None:
        return mo.callout(mo.md("Commit a prediction above to reveal the answer."), kind="neutral")
    right = guess.value == correct
    verdict = "Your prediction was right." if right else (
        f"You predicted *{guess.value}*; the answer is *{correct}*.")
    return mo.callout(mo.md(f"**{verdict}** {explanation}"), kind="success" if right else "warn")


def verdict(ok: bool, passed: str, failed: str) -> mo.Html:
    """The design challenge's pass/fail callout: green when solved, red with the reason if not."""
    if ok:
        return mo.callout(mo.md(f"**PASS.** {_sentence(passed)}"), kind="success")
    return mo.callout(mo.md(f"**FAIL.** {_sentence(failed)}"), kind="danger")


def _sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case device names)."""
    return text[:1].upper() + text[1:]


def infeasible(reason: str) -> mo.Html:
    """mlsysim refused a configuration: show its reason, never a traceback."""
    return mo.callout(mo.md(f"**Infeasible.** {reason}"), kind="danger")


def challenge(task: str) -> mo.Html:
    """The design challenge statement, set apart so learners know what they must fix."""
    return mo.md(f"## Design challenge\n\n{task}")


def summary(name: str, points: Iterable[str]) -> mo.Html:
    """The closing takeaways, linking back to the chapter to read next."""
    lab = info(name)
    bullets = "\n".join(f"- {p}" for p in points)
    return mo.md(f"## What to take away\n\n{bullets}\n\n"
                 f"Read more in [{lab.chapter}]({lab.href}).")


def stats(items: dict[str, str]) -> mo.Html:
    """A row of labelled figures (label -> formatted value)."""
    return mo.hstack([mo.stat(value=v, label=k, bordered=True) for k, v in items.items()],
                     wrap=True, justify="start")


def table(rows: Sequence[dict[str, Any]]) -> mo.Html:
    """A small Markdown table from dictionaries that share keys (values already formatted)."""
    if not rows:
        return mo.md("")
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    out += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return mo.md("\n".join(out))


def note(text: str) -> mo.Html:
    """A neutral aside (an assumption the model makes, a hint for the challenge)."""
    return mo.callout(mo.md(text), kind="info")


def models(kind: str) -> list[str]:
    """Registry models of one kind: 'llm' (decoder language models), 'cnn' or 'transformer'."""
    import mlsysim

    out = []
    for name in mlsysim.list_models():
        m = mlsysim.model(name)
        if kind == "llm" and m.kind == "transformer" and m.vocab and not m.vit:
            out.append(name)
        elif kind != "llm" and m.kind == kind:
            out.append(name)
    return out


def precision_for(device: str, prefer: Sequence[str] = ("bf16", "fp16", "fp32")) -> str:
    """The first number format in `prefer` that the device has a peak rate for (a V100 has
    no bf16, a microcontroller no fp16), so a lab never asks mlsysim for a missing peak."""
    import mlsysim

    flops = mlsysim.hardware(device).flops
    return next((p for p in prefer if p in flops), next(iter(flops)))


# --------------------------------------------------------------------------- formatting
def fmt_bytes(n: float) -> str:
    """Decimal units, as hardware data sheets use: 80e9 -> '80 GB'."""
    return _scaled(n, "B")


def fmt_flops(n: float, per_second: bool = False) -> str:
    return _scaled(n, "FLOP/s" if per_second else "FLOP")


def fmt_rate(n: float, unit: str) -> str:
    return _scaled(n, unit)


def fmt_time(t: float) -> str:
    """Seconds to the unit a person would say: 0.0021 -> '2.1 ms', 90000 -> '1.04 days'."""
    if t is None or not math.isfinite(t):
        return "n/a"
    for limit, scale, unit in ((1e-6, 1e9, "ns"), (1e-3, 1e6, "µs"), (1.0, 1e3, "ms"),
                               (120.0, 1.0, "s"), (7200.0, 1 / 60, "min"),
                               (2 * 86400.0, 1 / 3600, "h")):
        if t < limit:
            return f"{t * scale:.3g} {unit}"
    return f"{t / 86400:.3g} days"


def _scaled(n: float, unit: str) -> str:
    if n is None or not math.isfinite(n):
        return "n/a"
    for scale, prefix in ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"),
                          (1e3, "k")):
        if abs(n) >= scale:
            return f"{n / scale:.3g} {prefix}{unit}"
    return f"{n:.3g} {unit}"


# --------------------------------------------------------------------------- explorable
# What the website shows of a lab: its main scenario as a few discrete controls. The lab declares
# the scenario here (`EXPLORE` in its setup block); `mlsys labs export` evaluates `evaluate` on
# every combination of the inputs' values with mlsysim and the page's script only looks results
# up, so the page needs no Python and no server.


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


# --------------------------------------------------------------------------- plots
# Plots are drawn as SVG by this small module rather than matplotlib: a matplotlib figure costs
# 150-500 ms of CPU to lay out and save on the course's reference machine, which would blow
# the 100 ms budget of a slider move; these charts cost about a millisecond. Ink is
# `currentColor`, so the same SVG reads on light and dark pages.


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        step = max(1, math.ceil((b - a) / 7))
        return [10.0 ** e for e in range(a, b + 1, step)]
    step = _nice_step(hi - lo)
    first = math.ceil(lo / step) * step
    n = int(math.floor((hi - first) / step + 1e-9)) + 1
    return [first + i * step for i in range(max(n, 0))]


def _tick_label(v: float, log: bool) -> str:
    if v == 0:
        return "0"
    if log:
        e = round(math.log10(v))
        return f"1e{e}" if abs(e) > 3 else f"{v:g}"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    return f"{v:g}"


class Plot:
    """A small XY chart (lines, points, reference lines) rendered to theme-following SVG."""

    def __init__(self, title: str = "", xlabel: str = "", ylabel: str = "",
                 xlog: bool = False, ylog: bool = False, width: int = 640, height: int = 340,
                 xlim: tuple[float, float] | None = None,
                 ylim: tuple[float, float] | None = None) -> None:
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.xlog, self.ylog, self.width, self.height = xlog, ylog, width, height
        self.xlim, self.ylim = xlim, ylim
        self._series: list[dict[str, Any]] = []
        self._refs: list[dict[str, Any]] = []

    def _colour(self, colour: str | None) -> str:
        return colour or PALETTE[len(self._series) % len(PALETTE)]

    def line(self, x: Any, y: Any, label: str | None = None, colour: str | None = None,
             dashed: bool = False, width: float = 2.0) -> Plot:
        self._series.append({"kind": "line", "x": np.asarray(x, float), "label": label,
                             "y": np.asarray(y, float), "colour": self._colour(colour),
                             "dashed": dashed, "width": width})
        return self

    def points(self, x: Any, y: Any, label: str | None = None, colour: str | None = None,
               size: float = 5.0, labels: Sequence[str] | None = None) -> Plot:
        self._series.append({"kind": "points", "x": np.atleast_1d(np.asarray(x, float)),
                             "y": np.atleast_1d(np.asarray(y, float)), "label": label,
                             "colour": self._colour(colour), "size": size,
                             "texts": list(labels) if labels is not None else None})
        return self

    def hline(self, y: float, label: str = "", colour: str = FAIL_COLOUR) -> Plot:
        self._refs.append({"axis": "y", "v": float(y), "label": label, "colour": colour})
        return self

    def vline(self, x: float, label: str = "", colour: str = FAIL_COLOUR) -> Plot:
        self._refs.append({"axis": "x", "v": float(x), "label": label, "colour": colour})
        return self

    # -- rendering ---------------------------------------------------------------------------
    def _limits(self, axis: str, log: bool, fixed: tuple[float, float] | None
                ) -> tuple[float, float]:
        if fixed is not None:
            return fixed
        vals = [s[axis] for s in self._series] + [
            np.array([r["v"]]) for r in self._refs if r["axis"] == axis]
        v = np.concatenate(vals) if vals else np.array([0.0, 1.0])
        v = v[np.isfinite(v)]
        if log:
            v = v[v > 0]
        if v.size == 0:
            return (1.0, 10.0) if log else (0.0, 1.0)
        lo, hi = float(v.min()), float(v.max())
        if log:
            lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
            return (lo, hi if hi > lo else lo * 10)
        if lo > 0 and lo < 0.5 * hi:
            lo = 0.0
        if hi == lo:
            hi = lo + (abs(lo) or 1.0)
        pad = 0.05 * (hi - lo)
        return (lo - (pad if lo != 0 else 0), hi + pad)

    def svg(self) -> str:
        w, h = self.width, self.height
        named = [s for s in self._series if s.get("label")]
        legend_w = min(190, 24 + 7 * max((len(s["label"]) for s in named), default=0))
        left, right, top, bottom = 64, 16 + (legend_w if named else 0), \
            30 if self.title else 12, 44
        pw, ph = w - left - right, h - top - bottom
        x0, x1 = self._limits("x", self.xlog, self.xlim)
        y0, y1 = self._limits("y", self.ylog, self.ylim)

        def tx(v: Any) -> Any:
            v = np.asarray(v, float)
            if self.xlog:
                return left + (np.log10(np.maximum(v, 1e-300)) - math.log10(x0)) / (
                    math.log10(x1) - math.log10(x0)) * pw
            return left + (v - x0) / (x1 - x0) * pw

        def ty(v: Any) -> Any:
            v = np.asarray(v, float)
            if self.ylog:
                return top + ph - (np.log10(np.maximum(v, 1e-300)) - math.log10(y0)) / (
                    math.log10(y1) - math.log10(y0)) * ph
            return top + ph - (v - y0) / (y1 - y0) * ph

        out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
               f'style="width:100%;max-width:{w}px;height:auto;font:12px system-ui,sans-serif"'
               f' fill="currentColor">']
        if self.title:
            out.append(f'<text x="{left}" y="18" font-weight="600">{html.escape(self.title)}'
                       "</text>")
        out.append('<g stroke="currentColor" stroke-opacity="0.18">')
        xt = [t for t in _ticks(x0, x1, self.xlog) if x0 <= t <= x1 * (1 + 1e-9)]
        yt = [t for t in _ticks(y0, y1, self.ylog) if y0 <= t <= y1 * (1 + 1e-9)]
        for t in xt:
            out.append(f'<line x1="{tx(t):.1f}" x2="{tx(t):.1f}" y1="{top}" y2="{top + ph}"/>')
        for t in yt:
            out.append(f'<line x1="{left}" x2="{left + pw}" y1="{ty(t):.1f}" y2="{ty(t):.1f}"/>')
        out.append("</g>")
        out.append(f'<path d="M{left},{top}V{top + ph}H{left + pw}" fill="none" '
                   'stroke="currentColor" stroke-opacity="0.6"/>')
        for t in xt:
            out.append(f'<text x="{tx(t):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                       f"{_tick_label(t, self.xlog)}</text>")
        for t in yt:
            out.append(f'<text x="{left - 6}" y="{ty(t) + 4:.1f}" text-anchor="end">'
                       f"{_tick_label(t, self.ylog)}</text>")
        out.append(f'<text x="{left + pw / 2}" y="{h - 6}" text-anchor="middle">'
                   f"{html.escape(self.xlabel)}</text>")
        out.append(f'<text transform="translate(14 {top + ph / 2}) rotate(-90)" '
                   f'text-anchor="middle">{html.escape(self.ylabel)}</text>')
        out.append(f'<clipPath id="c{id(self)}"><rect x="{left}" y="{top}" width="{pw}" '
                   f'height="{ph}"/></clipPath><g clip-path="url(#c{id(self)})">')
        for s in self._series:
            ok = np.isfinite(s["x"]) & np.isfinite(s["y"])
            if self.xlog:
                ok &= s["x"] > 0
            if self.ylog:
                ok &= s["y"] > 0
            xs, ys = tx(s["x"][ok]), ty(s["y"][ok])
            if s["kind"] == "line" and xs.size:
                pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))
                dash = ' stroke-dasharray="6 4"' if s["dashed"] else ""
                out.append(f'<polyline points="{pts}" fill="none" stroke="{s["colour"]}" '
                           f'stroke-width="{s["width"]}"{dash}/>')
            elif s["kind"] == "points":
                for i, (a, b) in enumerate(zip(xs, ys, strict=True)):
                    out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{s["size"]}" '
                               f'fill="{s["colour"]}"/>')
                    if s["texts"]:
                        out.append(f'<text x="{a + 7:.1f}" y="{b - 6:.1f}">'
                                   f'{html.escape(s["texts"][i])}</text>')
        for r in self._refs:
            if r["axis"] == "y":
                y = float(ty(r["v"]))
                out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                           f'stroke="{r["colour"]}" stroke-width="1.5" stroke-dasharray="4 3"/>')
                out.append(f'<text x="{left + pw - 4}" y="{y - 5:.1f}" text-anchor="end" '
                           f'fill="{r["colour"]}">{html.escape(r["label"])}</text>')
            else:
                x = float(tx(r["v"]))
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" '
                           f'stroke="{r["colour"]}" stroke-width="1.5" stroke-dasharray="4 3"/>')
                out.append(f'<text x="{x + 4:.1f}" y="{top + 12}" fill="{r["colour"]}">'
                           f'{html.escape(r["label"])}</text>')
        out.append("</g>")
        for i, s in enumerate(named):
            y = top + 8 + 16 * i
            x = left + pw + 12
            out.append(f'<rect x="{x}" y="{y - 5}" width="14" height="4" '
                       f'fill="{s["colour"]}"/><text x="{x + 20}" y="{y + 1}">'
                       f'{html.escape(s["label"])}</text>')
        out.append("</svg>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return self.svg()

    def show(self) -> mo.Html:
        return mo.Html(self.svg())


def bars(categories: Sequence[str], series: dict[str, Sequence[float]], title: str = "",
         ylabel: str = "", limit: float | None = None, limit_label: str = "",
         width: int = 640, height: int = 320) -> mo.Html:
    """Stacked vertical bars (one stack per category), with an optional limit line.

    The shape of a budget: training memory by term, or time by phase, against a capacity."""
    cats = list(categories)
    data = np.array([np.asarray(v, float) for v in series.values()]).reshape(len(series), -1)
    totals = data.sum(axis=0)
    top_v = max(float(totals.max()) if totals.size else 1.0, limit or 0.0) * 1.08 or 1.0
    legend_w = min(200, 30 + 7 * max((len(n) for n in [*series, limit_label]), default=0))
    left, right, top, bottom = 64, 16 + legend_w, 30 if title else 12, 40
    pw, ph = width - left - right, height - top - bottom
    slot = pw / max(len(cats), 1)
    bw = slot * 0.6
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'role="img" style="width:100%;max-width:{width}px;height:auto;'
           f'font:12px system-ui,sans-serif" fill="currentColor">']
    if title:
        out.append(f'<text x="{left}" y="18" font-weight="600">{html.escape(title)}</text>')
    for t in _ticks(0.0, top_v, False):
        y = top + ph - t / top_v * ph
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="currentColor" stroke-opacity="0.18"/><text x="{left - 6}" '
                   f'y="{y + 4:.1f}" text-anchor="end">{_tick_label(t, False)}</text>')
    out.append(f'<text transform="translate(14 {top + ph / 2}) rotate(-90)" '
               f'text-anchor="middle">{html.escape(ylabel)}</text>')
    for j, cat in enumerate(cats):
        x = left + j * slot + (slot - bw) / 2
        base = 0.0
        for i, _name in enumerate(series):
            v = float(data[i, j])
            y = top + ph - (base + v) / top_v * ph
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" '
                       f'height="{max(v / top_v * ph, 0):.1f}" fill="{PALETTE[i % 7]}"/>')
            base += v
        out.append(f'<text x="{x + bw / 2:.1f}" y="{top + ph + 16}" text-anchor="middle">'
                   f"{html.escape(cat)}</text>")
    if limit is not None:
        y = top + ph - limit / top_v * ph
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{FAIL_COLOUR}" stroke-width="1.5" stroke-dasharray="4 3"/>'
                   f'<text x="{left + pw + 8}" y="{y + 4:.1f}" '
                   f'fill="{FAIL_COLOUR}">{html.escape(limit_label)}</text>')
    for i, name in enumerate(series):
        y = top + 8 + 16 * (len(series) - 1 - i)  # stacked order: top of the bar first
        out.append(f'<rect x="{left + pw + 8}" y="{y - 5}" width="10" height="10" '
                   f'fill="{PALETTE[i % 7]}"/><text x="{left + pw + 24}" y="{y + 4}">'
                   f"{html.escape(name)}</text>")
    out.append("</svg>")
    return mo.Html("".join(out))


# --------------------------------------------------------------------------- headless runs
def lab_path(name: str) -> Path:
    """The notebook file of a lab named in the catalogue."""
    info(name)
    return LABS_DIR / f"{name}.py"


def load_app(name: str) -> Any:
    """Import a lab's notebook as a module and return its marimo App (cached per lab)."""
    return _load(str(lab_path(name)))


@functools.cache
def _load(path: str) -> Any:
    if str(LABS_DIR) not in sys.path:
        sys.path.insert(0, str(LABS_DIR))
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
