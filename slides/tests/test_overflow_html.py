"""The HTML overflow check: Chromium measures each slide (its own Playwright session, so these
tests do not share the module-wide browser of test_html.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlsys_slides.build import build_decks
from mlsys_slides.errors import SlideOverflowError
from mlsys_slides.overflow import CHROMIUM

REPO = Path(__file__).resolve().parents[2]
LEAKS = ("?@", "{python}", ":::", "\\begin", "](", "{.")


@pytest.fixture
def chromium_ready() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _text(html: str) -> str:
    import re
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.browser
def test_an_overflowing_slide_fails_with_the_deck_and_slide_title(chromium_ready, fixture_root) -> None:
    root = fixture_root("overflow")
    with pytest.raises(SlideOverflowError) as err:
        build_decks(root, root / "out", formats=("html",))
    msg = str(err.value)
    assert "overflow.md:13: slide 'Far too much': content runs off the slide" in msg
    assert "Fits" not in msg


@pytest.mark.browser
def test_two_real_decks_build_without_overflow(chromium_ready, tmp_path: Path) -> None:
    report = build_decks(REPO, tmp_path, chapter="introduction", formats=("html",))
    report2 = build_decks(REPO, tmp_path, chapter="training", formats=("html",))
    for r in (report, report2):
        deck = r.decks[0]
        page = r.outputs[0].path.read_text()
        for s in deck.slides:
            assert s.title.replace('"', "&quot;") in page
        for leak in LEAKS:
            assert leak not in _text(page), leak


