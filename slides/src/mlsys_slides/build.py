"""Orchestration: find the decks, pick a chapter and a theme, write HTML and/or PDF.

`build_decks` is the one entry point the CLI and the site share. Decks live in
`slides/decks/<chapter>.md` and are ordered as Volume I's chapters are; themes in
`slides/themes/`. Every output is written to a temporary name and renamed, so a failed build
leaves the previous files as they were.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlsys_slides.deck import Deck, load_deck
from mlsys_slides.errors import SlidesError

THEMES = ("light", "dark", "minimal", "high-contrast")
FORMATS = ("html", "pdf")
CACHE = Path(".mlsys-cache") / "slides" / "values"


@dataclass(frozen=True)
class Output:
    """One file a build wrote: which deck, format and theme, and (for PDFs) its page count."""

    deck: str
    to: str
    theme: str
    path: Path
    pages: int = 0


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the CLI's summary and the benchmark."""

    outputs: tuple[Output, ...]
    seconds: float
    decks: tuple[Deck, ...] = field(default=())


def slides_dir(root: Path) -> Path:
    return root / "slides"


def chapter_order(root: Path) -> list[str]:
    """Volume I's chapter file names in book order (from `book/_quarto-vol1.yml`)."""
    cfg = root / "book" / "_quarto-vol1.yml"
    if not cfg.is_file():
        return []
    names: list[str] = []

    def walk(items: list) -> None:
        for it in items or []:
            if isinstance(it, str):
                names.append(Path(it).stem)
            elif isinstance(it, dict):
                walk(it.get("chapters", []))
    walk((yaml.safe_load(cfg.read_text()) or {}).get("book", {}).get("chapters", []))
    return names


def find_decks(root: Path) -> list[Path]:
    """Deck files in the book's chapter order (decks the book does not list come last)."""
    order = chapter_order(root)
    decks = sorted((slides_dir(root) / "decks").glob("*.md"))
    return sorted(decks, key=lambda p: (order.index(p.stem) if p.stem in order else len(order),
                                        p.stem))


def select(root: Path, chapter: str | None) -> list[Path]:
    """All decks, or the one whose file name starts with `chapter`."""
    decks = find_decks(root)
    if chapter is None:
        return decks
    hits = [p for p in decks if p.stem == chapter] or [p for p in decks
                                                       if p.stem.startswith(chapter)]
    if len(hits) != 1:
        names = ", ".join(p.stem for p in decks) or "none yet"
        what = "matches several decks" if hits else "matches no deck"
        raise SlidesError(f"'{chapter}' {what}; decks: {names}")
    return hits


def check_theme(theme: str) -> None:
    if theme not in THEMES:
        raise SlidesError(f"unknown theme '{theme}'; choose one of {', '.join(THEMES)}")


def build_decks(root: Path, out: Path, chapter: str | None = None,
                themes: tuple[str, ...] = ("light",), formats: tuple[str, ...] = ("html",),
                overflow: bool = True) -> BuildReport:
    """Build the selected decks into `out` (`<deck>.html`, `pdf/<theme>/<deck>.pdf`)."""
    from mlsys_slides.beamer import typeset
    from mlsys_slides.html import render_html

    for t in themes:
        check_theme(t)
    for f in formats:
        if f not in FORMATS:
            raise SlidesError(f"unknown format '{f}'; choose html or pdf")
    start = time.perf_counter()
    decks = [load_deck(p, root / CACHE) for p in select(root, chapter)]
    outputs: list[Output] = []
    for deck in decks:
        if "html" in formats:
            page = render_html(deck, out, themes[0])
            outputs.append(Output(deck.name, "html", themes[0], page))
        if "pdf" in formats:
            for t in themes:
                res = typeset(deck, t, slides_dir(root) / "themes", out / "pdf" / t / f"{deck.name}.pdf")
                outputs.append(Output(deck.name, "pdf", t, res.pdf, res.pages))
    if "html" in formats and overflow:
        from mlsys_slides.overflow import check_html
        check_html([o.path for o in outputs if o.to == "html"], decks)
    return BuildReport(tuple(outputs), time.perf_counter() - start, tuple(decks))
