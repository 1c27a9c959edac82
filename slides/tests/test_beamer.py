"""Beamer PDFs: page counts, titles, themes, overflow and LaTeX errors located at the slide."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mlsys_slides import THEMES, SlidesError, load_deck
from mlsys_slides.beamer import typeset
from mlsys_slides.build import build_decks
from mlsys_slides.errors import SlideOverflowError

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
THEMES_DIR = REPO / "slides" / "themes"
LEAKS = ("?@", "{python}", ":::", "\\begin", "](")


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_a_deck_typesets_with_one_page_per_frame_and_overlay(tmp_path: Path, needs) -> None:
    needs("xelatex", "pdftotext")
    deck = load_deck(FIXTURES / "tiny.md", tmp_path)
    res = typeset(deck, "light", THEMES_DIR, tmp_path / "tiny.pdf")
    # title + section + 2 slides, and the 2-item incremental list adds one overlay page
    assert res.pages == 5
    text = _text(res.pdf)
    for title in ("A tiny deck", "Opening", "Peak arithmetic", "Two columns"):
        assert title in text
    for leak in LEAKS:
        assert leak not in text, leak
    assert "3/4" in text.replace(" ", ""), "slide numbers out of the frame count"


def test_an_overflowing_frame_names_the_deck_and_slide(tmp_path: Path, needs) -> None:
    needs("xelatex")
    deck = load_deck(FIXTURES / "overflow.md", tmp_path)
    with pytest.raises(SlideOverflowError, match=r"overflow\.md:13: slide 'Far too much': "
                                                 r"content runs off the frame \(too tall"):
        typeset(deck, "light", THEMES_DIR, tmp_path / "o.pdf")
    assert not (tmp_path / "o.pdf").exists()


def test_a_latex_error_is_translated_to_the_deck_and_slide(tmp_path: Path, needs) -> None:
    needs("xelatex")
    deck = load_deck(FIXTURES / "latex_error.md", tmp_path)
    with pytest.raises(SlidesError, match=r"latex_error\.md:9: slide 'Broken slide': LaTeX "
                                          r"error: Undefined control sequence"):
        typeset(deck, "light", THEMES_DIR, tmp_path / "e.pdf")


def test_a_missing_tex_installation_says_which_packages_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = load_deck(FIXTURES / "tiny.md", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SlidesError, match="apt-get install texlive-xetex "
                                          "texlive-latex-recommended texlive-latex-extra"):
        typeset(deck, "light", THEMES_DIR, tmp_path / "t.pdf")


def test_themes_differ_in_background_without_editing_the_deck(tmp_path: Path, needs) -> None:
    needs("xelatex", "pdftoppm")
    deck = load_deck(FIXTURES / "tiny.md", tmp_path)
    corners: dict[str, bytes] = {}
    for theme in ("light", "high-contrast"):
        pdf = typeset(deck, theme, THEMES_DIR, tmp_path / f"{theme}.pdf").pdf
        ppm = subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "20", "-x", "4", "-y", "20",
                              "-W", "1", "-H", "1", str(pdf)], capture_output=True,
                             check=True).stdout
        corners[theme] = ppm[-3:]  # one pixel of the background, left of the title
    assert corners["light"] == b"\xff\xff\xff" and corners["high-contrast"] == b"\x00\x00\x00"


@pytest.mark.slow
def test_every_real_deck_builds_to_html_and_to_pdf_in_all_four_themes(tmp_path: Path,
                                                                      needs) -> None:
    """The issue's bar, proved on every CI run: 16 decks x (HTML with the overflow check +
    4 Beamer themes), each PDF holding every slide title and no leaked markup."""
    needs("xelatex", "pdftotext")
    report = build_decks(REPO, tmp_path, themes=THEMES, formats=("html", "pdf"))
    assert len(report.decks) >= 16
    by_deck = {d.name: d for d in report.decks}
    pdfs = [o for o in report.outputs if o.to == "pdf"]
    assert sorted({(o.deck, o.theme) for o in pdfs}) == sorted(
        (d, t) for d in by_deck for t in THEMES)
    assert {o.deck for o in report.outputs if o.to == "html"} == set(by_deck)
    for out in pdfs:
        deck = by_deck[out.deck]
        assert out.pages >= len(deck.slides) + 1, (out.deck, out.theme)
        # LaTeX typesets ' as a curly apostrophe
        text = " ".join(_text(out.path).replace("\u2019", "'").split())
        for s in deck.slides:
            assert " ".join(s.title.split()) in text, (out.deck, out.theme, s.title)
        for leak in LEAKS:
            assert leak not in text, (out.deck, out.theme, leak)
