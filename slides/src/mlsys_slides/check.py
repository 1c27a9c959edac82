"""`mlsys test slides` checks beyond pytest: every deck parses, fills its values, has 20-35
slides and speaker notes on every content slide, and uses no syntax our slide runtime does not
support (pandoc's `. . .` pauses would show as dots). Problems come back as
`file:line: severity: message` strings (empty list = all good)."""

from __future__ import annotations

from pathlib import Path

from mlsys_slides.build import CACHE, select
from mlsys_slides.deck import load_deck
from mlsys_slides.errors import SlidesError

MIN_SLIDES, MAX_SLIDES = 20, 35
UNSUPPORTED = {". . .": "pauses (. . .) are not supported; use ::: incremental for a list"}


def _unsupported(path: Path) -> list[str]:
    """Lines using syntax the HTML runtime would show raw, each with its line number."""
    found = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() in UNSUPPORTED:
            found.append(f"{path}:{i}: warning: {UNSUPPORTED[line.strip()]}")
    return found


def check(root: Path, chapter: str | None = None) -> list[str]:
    """Problems of every deck under `slides/decks/` (or of `chapter`'s deck only)."""
    problems: list[str] = []
    for path in select(root, chapter):
        try:
            deck = load_deck(path, root / CACHE)
        except SlidesError as exc:
            problems.append(f"{exc.file or path}:{exc.line or 1}: error: {exc.detail}")
            continue
        problems.extend(_unsupported(path))
        n = len(deck.slides) + 1
        if not MIN_SLIDES <= n <= MAX_SLIDES:
            problems.append(f"{path}:1: warning: {n} slides; a deck has "
                            f"{MIN_SLIDES}-{MAX_SLIDES}")
        for s in deck.content_slides:
            if not s.has_notes:
                problems.append(f"{path}:{s.line}: warning: slide '{s.title}' has no "
                                "speaker notes (::: notes)")
    return problems
