"""Small theme-following SVG charts: XY plots and stacked bars, in one palette."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import marimo as mo
import numpy as np

# One palette for every plot: colour-blind safe (Okabe-Ito), readable on light and dark pages.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]


PASS_COLOUR, FAIL_COLOUR = "#009E73", "#D55E00"


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


def _fraction(v: Any, lo: float, hi: float, log: bool) -> Any:
    """Where `v` falls between `lo` and `hi` (0 to 1), on a log scale when `log`."""
    v = np.asarray(v, float)
    if log:
        return (np.log10(np.maximum(v, 1e-300)) - math.log10(lo)) / (
            math.log10(hi) - math.log10(lo))
    return (v - lo) / (hi - lo)


@dataclass(frozen=True)
class _Frame:
    """Where a plot's data lands: the plot area in pixels and the data limits of each axis."""

    left: float
    top: float
    pw: float
    ph: float
    x0: float
    x1: float
    y0: float
    y1: float
    xlog: bool
    ylog: bool

    def tx(self, v: Any) -> Any:
        return self.left + _fraction(v, self.x0, self.x1, self.xlog) * self.pw

    def ty(self, v: Any) -> Any:
        return self.top + self.ph - _fraction(v, self.y0, self.y1, self.ylog) * self.ph

    def visible(self, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        """Pixel coordinates of the finite points (positive ones on a log axis)."""
        ok = np.isfinite(x) & np.isfinite(y)
        if self.xlog:
            ok &= x > 0
        if self.ylog:
            ok &= y > 0
        return self.tx(x[ok]), self.ty(y[ok])


@dataclass(frozen=True)
class _Line:
    x: np.ndarray
    y: np.ndarray
    label: str | None
    color: str
    dashed: bool
    width: float

    def svg(self, f: _Frame) -> list[str]:
        xs, ys = f.visible(self.x, self.y)
        if not xs.size:
            return []
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))
        dash = ' stroke-dasharray="6 4"' if self.dashed else ""
        return [f'<polyline points="{pts}" fill="none" stroke="{self.color}" '
                f'stroke-width="{self.width}"{dash}/>']


@dataclass(frozen=True)
class _Points:
    x: np.ndarray
    y: np.ndarray
    label: str | None
    color: str
    size: float
    texts: list[str] | None

    def svg(self, f: _Frame) -> list[str]:
        out = []
        xs, ys = f.visible(self.x, self.y)
        for i, (a, b) in enumerate(zip(xs, ys, strict=True)):
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{self.size}" '
                       f'fill="{self.color}"/>')
            if self.texts:
                out.append(f'<text x="{a + 7:.1f}" y="{b - 6:.1f}">'
                           f'{html.escape(self.texts[i])}</text>')
        return out


@dataclass(frozen=True)
class _Ref:
    """A reference line across the plot at `v` on `axis` ("x" or "y")."""

    axis: str
    v: float
    label: str
    color: str

    def svg(self, f: _Frame) -> list[str]:
        left, top, pw, ph = f.left, f.top, f.pw, f.ph
        if self.axis == "y":
            y = float(f.ty(self.v))
            return [f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{self.color}" stroke-width="1.5" stroke-dasharray="4 3"/>',
                    f'<text x="{left + pw - 4}" y="{y - 5:.1f}" text-anchor="end" '
                    f'fill="{self.color}">{html.escape(self.label)}</text>']
        x = float(f.tx(self.v))
        return [f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" '
                f'stroke="{self.color}" stroke-width="1.5" stroke-dasharray="4 3"/>',
                f'<text x="{x + 4:.1f}" y="{top + 12}" fill="{self.color}">'
                f'{html.escape(self.label)}</text>']


class Plot:
    """A small XY chart (lines, points, reference lines) rendered to theme-following SVG."""

    def __init__(self, title: str = "", xlabel: str = "", ylabel: str = "",
                 xlog: bool = False, ylog: bool = False, width: int = 640, height: int = 340,
                 xlim: tuple[float, float] | None = None,
                 ylim: tuple[float, float] | None = None) -> None:
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.xlog, self.ylog, self.width, self.height = xlog, ylog, width, height
        self.xlim, self.ylim = xlim, ylim
        self._series: list[_Line | _Points] = []
        self._refs: list[_Ref] = []

    def _colour(self, colour: str | None) -> str:
        return colour or PALETTE[len(self._series) % len(PALETTE)]

    def line(self, x: Any, y: Any, label: str | None = None, colour: str | None = None,
             dashed: bool = False, width: float = 2.0) -> Plot:
        self._series.append(_Line(np.asarray(x, float), np.asarray(y, float), label,
                                  self._colour(colour), dashed, width))
        return self

    def points(self, x: Any, y: Any, label: str | None = None, colour: str | None = None,
               size: float = 5.0, labels: Sequence[str] | None = None) -> Plot:
        self._series.append(_Points(np.atleast_1d(np.asarray(x, float)),
                                    np.atleast_1d(np.asarray(y, float)), label,
                                    self._colour(colour), size,
                                    list(labels) if labels is not None else None))
        return self

    def hline(self, y: float, label: str = "", colour: str = FAIL_COLOUR) -> Plot:
        self._refs.append(_Ref("y", float(y), label, colour))
        return self

    def vline(self, x: float, label: str = "", colour: str = FAIL_COLOUR) -> Plot:
        self._refs.append(_Ref("x", float(x), label, colour))
        return self

    # -- rendering ---------------------------------------------------------------------------
    def _limits(self, axis: str, log: bool, fixed: tuple[float, float] | None
                ) -> tuple[float, float]:
        if fixed is not None:
            return fixed
        vals = [getattr(s, axis) for s in self._series] + [
            np.array([r.v]) for r in self._refs if r.axis == axis]
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

    def _frame(self, legend_w: int) -> _Frame:
        left, right, top, bottom = 64, 16 + legend_w, 30 if self.title else 12, 44
        x0, x1 = self._limits("x", self.xlog, self.xlim)
        y0, y1 = self._limits("y", self.ylog, self.ylim)
        return _Frame(left, top, self.width - left - right, self.height - top - bottom,
                      x0, x1, y0, y1, self.xlog, self.ylog)

    def svg(self) -> str:
        named = [s for s in self._series if s.label]
        legend_w = min(190, 24 + 7 * max((len(s.label or "") for s in named), default=0))
        f = self._frame(legend_w if named else 0)
        w, h = self.width, self.height
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
               f'style="width:100%;max-width:{w}px;height:auto;font:12px system-ui,sans-serif"'
               f' fill="currentColor">']
        if self.title:
            out.append(f'<text x="{f.left}" y="18" font-weight="600">'
                       f"{html.escape(self.title)}</text>")
        out += self._axes(f)
        out.append(f'<clipPath id="c{id(self)}"><rect x="{f.left}" y="{f.top}" '
                   f'width="{f.pw}" height="{f.ph}"/></clipPath>'
                   f'<g clip-path="url(#c{id(self)})">')
        for s in self._series:
            out += s.svg(f)
        for r in self._refs:
            out += r.svg(f)
        out.append("</g>")
        for i, s in enumerate(named):
            y = f.top + 8 + 16 * i
            x = f.left + f.pw + 12
            out.append(f'<rect x="{x}" y="{y - 5}" width="14" height="4" '
                       f'fill="{s.color}"/><text x="{x + 20}" y="{y + 1}">'
                       f'{html.escape(s.label or "")}</text>')
        out.append("</svg>")
        return "".join(out)

    def _axes(self, f: _Frame) -> list[str]:
        """Grid lines, the two axes, their ticks and their labels."""
        left, top, pw, ph = f.left, f.top, f.pw, f.ph
        out = ['<g stroke="currentColor" stroke-opacity="0.18">']
        xt = [t for t in _ticks(f.x0, f.x1, self.xlog) if f.x0 <= t <= f.x1 * (1 + 1e-9)]
        yt = [t for t in _ticks(f.y0, f.y1, self.ylog) if f.y0 <= t <= f.y1 * (1 + 1e-9)]
        for t in xt:
            out.append(f'<line x1="{f.tx(t):.1f}" x2="{f.tx(t):.1f}" y1="{top}" '
                       f'y2="{top + ph}"/>')
        for t in yt:
            out.append(f'<line x1="{left}" x2="{left + pw}" y1="{f.ty(t):.1f}" '
                       f'y2="{f.ty(t):.1f}"/>')
        out.append("</g>")
        out.append(f'<path d="M{left},{top}V{top + ph}H{left + pw}" fill="none" '
                   'stroke="currentColor" stroke-opacity="0.6"/>')
        for t in xt:
            out.append(f'<text x="{f.tx(t):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                       f"{_tick_label(t, self.xlog)}</text>")
        for t in yt:
            out.append(f'<text x="{left - 6}" y="{f.ty(t) + 4:.1f}" text-anchor="end">'
                       f"{_tick_label(t, self.ylog)}</text>")
        out.append(f'<text x="{left + pw / 2}" y="{self.height - 6}" text-anchor="middle">'
                   f"{html.escape(self.xlabel)}</text>")
        out.append(f'<text transform="translate(14 {top + ph / 2}) rotate(-90)" '
                   f'text-anchor="middle">{html.escape(self.ylabel)}</text>')
        return out

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
