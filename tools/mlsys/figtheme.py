"""Dark-aware SVG figures: one small transform applied to every SVG a book ships.

Figures reach the page as `<img src="x.svg">` (hand-drawn diagrams in `book/vol*/images/` and
the matplotlib plots the executor writes). An image cannot see the page's CSS variables, but
browsers let an SVG image follow the `color-scheme` of the element that embeds it: inside the
image, `@media (prefers-color-scheme: dark)` is true when the page is in dark mode (the site
sets `color-scheme: dark` on its root then, whether the reader's system or the toggle chose it).

So the transform leaves the drawing alone and appends one `<style>` block that, in dark mode,
maps each colour the figure uses to its counterpart on the dark page:

* neutral colours (greys, white, black) are mixed between the site's dark background and its
  text colour by their lightness, so a white canvas becomes exactly the page background (no
  glaring panel) and black text becomes the page's text colour;
* chromatic colours keep their hue and saturation with their lightness mirrored, so a pale
  fill behind dark text becomes a deep fill behind light text, and a dark box with white text
  becomes a light box with dark text: contrast survives in both directions.

CSS rules outrank SVG presentation attributes (`fill="#fff"`); matplotlib's inline
`style="fill: #fff"` declarations need `!important`. Elements that inherit the default black
fill get the text colour from a rule on the root.
"""

from __future__ import annotations

import colorsys
import hashlib
import re
from functools import lru_cache
from pathlib import Path

# The dark theme's page background and text colour (site.css `--bg` and `--fg`).
DARK_BG = (0x12, 0x15, 0x1B)
DARK_FG = (0xDF, 0xE3, 0xEA)
MARKER = "mlsys-dark-figure"
_NAMED = {"white": "#ffffff", "black": "#000000", "gray": "#808080", "grey": "#808080"}
_COLOUR = r"(#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|white\b|black\b|gr[ae]y\b)"
_ATTR_RE = re.compile(r"""\b(fill|stroke|stop-color)\s*=\s*["']\s*""" + _COLOUR + r"""\s*["']""")
_STYLE_RE = re.compile(r"\b(fill|stroke|stop-color)\s*:\s*" + _COLOUR)
_ROOT_END = re.compile(r"<svg\b[^>]*>")


def _rgb(colour: str) -> tuple[int, int, int]:
    c = _NAMED.get(colour.lower(), colour).lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(v))):02x}" for v in rgb)


def dark_colour(colour: str) -> str:
    """The colour that plays `colour`'s part on the dark page (see the module docstring)."""
    r, g, b = (v / 255 for v in _rgb(colour))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.12 or max(r, g, b) - min(r, g, b) < 0.06:
        t = lightness  # 1 (white) -> the background, 0 (black) -> the text colour
        return _hex(tuple(bg * t + fg * (1 - t) for bg, fg in zip(DARK_BG, DARK_FG, strict=True)))
    mirrored = 0.12 + (1 - lightness) * 0.76
    return _hex(tuple(v * 255 for v in colorsys.hls_to_rgb(h, mirrored, s)))


def used_colours(svg: str) -> tuple[set[str], set[str]]:
    """The (property, colour) pairs written as attributes and as style declarations."""
    attrs = {f"{p}={c}" for p, c in _ATTR_RE.findall(svg)}
    styles = {f"{p}:{c}" for p, c in _STYLE_RE.findall(svg)}
    return attrs, styles


def dark_style(svg: str) -> str:
    """The `<style>` block that recolours `svg` for a dark page ("" when it uses no colour)."""
    attrs, styles = used_colours(svg)
    rules = []
    for item in sorted(attrs):
        prop, colour = item.split("=")
        rules.append(f'[{prop}="{colour}" i]{{{prop}:{dark_colour(colour)}}}')
    for item in sorted(styles):
        prop, colour = item.split(":")
        target = dark_colour(colour)
        for sep in (": ", ":"):
            rules.append(f'[style*="{prop}{sep}{colour}" i]{{{prop}:{target}!important}}')
    rules.append(f"svg{{fill:{_hex(DARK_FG)}}}")
    return (f'<style class="{MARKER}">@media (prefers-color-scheme: dark){{'
            + "".join(rules) + "}</style>")


def theme_svg(svg: str) -> str:
    """`svg` with its dark-mode style added after the root tag (unchanged if already done,
    if it styles dark mode itself, or if it is not an SVG document)."""
    if MARKER in svg or "prefers-color-scheme" in svg:
        return svg
    root = _ROOT_END.search(svg)
    if root is None:
        return svg
    return svg[: root.end()] + dark_style(svg) + svg[root.end():]


@lru_cache(maxsize=1)
def theme_digest() -> str:
    """Hash of this module: part of the key under which a themed SVG in the site is reused."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
