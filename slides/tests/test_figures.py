"""Figures drawn by a deck's setup cell: saved as SVG, shown in HTML and in Beamer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mlsys_slides import SlidesError, load_deck
from mlsys_slides.beamer import typeset
from mlsys_slides.html import render_html

FIXTURES = Path(__file__).parent / "fixtures"
THEMES_DIR = Path(__file__).resolve().parents[2] / "slides" / "themes"


def test_a_labelled_figure_becomes_an_svg_on_the_html_slide(tmp_path: Path) -> None:
    deck = load_deck(FIXTURES / "figure.md", tmp_path / "cache")
    [svg] = deck.figures
    assert svg.suffix == ".svg" and "<svg" in svg.read_text()
    page = render_html(deck, tmp_path / "out").read_text()
    assert 'src="figures/' in page and "figure:peaks" not in page
    assert load_deck(FIXTURES / "figure.md", tmp_path / "cache").figures == (svg,), "cached"


def test_a_labelled_figure_is_typeset_in_the_pdf(tmp_path: Path, needs) -> None:
    needs("xelatex", "pdftoppm", "rsvg-convert")
    deck = load_deck(FIXTURES / "figure.md", tmp_path / "cache")
    res = typeset(deck, "light", THEMES_DIR, tmp_path / "f.pdf")
    assert res.pages == 2
    ppm = subprocess.run(["pdftoppm", "-f", "2", "-l", "2", "-r", "30", str(res.pdf)],
                         capture_output=True, check=True).stdout
    pixels = ppm[ppm.index(b"255\n") + 4:]
    rgb = {pixels[i:i + 3] for i in range(0, len(pixels) - 2, 3)}
    # matplotlib's first colour (#1f77b4) fills the bars; nothing else on the slide is that blue
    assert any(abs(r - 0x1F) < 30 and abs(g - 0x77) < 30 and abs(b - 0xB4) < 30
               for r, g, b in rgb), "the bars of the drawn figure are on the page"


def test_an_unknown_figure_label_names_the_line_and_the_labels(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text((FIXTURES / "figure.md").read_text().replace("figure:peaks", "figure:nope"))
    with pytest.raises(SlidesError, match=r"bad\.md:17: the setup cell drew no figure labelled "
                                          r"'nope' \(labelled figures: peaks\)"):
        load_deck(bad, tmp_path / "cache")
