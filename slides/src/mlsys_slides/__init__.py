"""Lecture slides: one Markdown deck per chapter, rendered to HTML slides for the site and to
Beamer PDFs in four themes.

A deck is pandoc slide Markdown (`## ` per slide, `::: notes`, `::: incremental`, columns) with
one optional `{python}` setup cell whose values fill `` `{python} expr` `` spans, so the numbers
on a slide come from `mlsysim` exactly as the book's do. The public door is `build_decks` (and
`generate` for the site); everything else is a stage behind it.
"""

from mlsys_slides.build import THEMES, BuildReport, build_decks, find_decks
from mlsys_slides.deck import Deck, Slide, load_deck
from mlsys_slides.errors import SlidesError

__all__ = ["THEMES", "BuildReport", "Deck", "Slide", "SlidesError", "build_decks", "find_decks",
           "load_deck"]
