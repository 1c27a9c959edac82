"""HTML slides: what the page contains, and what a presenter does with it in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mlsys_slides import SlidesError, load_deck
from mlsys_slides.build import build_decks
from mlsys_slides.html import render_html
from mlsys_slides.site import generate

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
LEAKS = ("?@", "{python}", ":::", "\\begin", "](", "{.")


@pytest.fixture(scope="module")
def tiny_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    return render_html(load_deck(FIXTURES / "tiny.md", out / "cache"), out)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_every_slide_title_is_on_the_page_and_nothing_raw_leaks(tiny_html: Path) -> None:
    page = tiny_html.read_text()
    for title in ("A tiny deck", "Opening", "Peak arithmetic", "Two columns"):
        assert f'data-title="{title}"' in page
    text = _text(page)
    for leak in LEAKS:
        assert leak not in text, leak
    assert "<math" in page, "maths is MathML"
    assert '<span class="co"># a comment</span>' in page, "code is highlighted"
    assert not re.search(r"https?://(?!www\.w3\.org)", page), "no CDN or outside URL"
    assert (tiny_html.parent / "assets" / "slides.js").is_file()


def test_the_site_generator_writes_an_index_and_one_deck_per_chapter(fixture_root) -> None:
    root = fixture_root("tiny")
    dest = root / "site-slides"
    generate(dest, root)
    index = (dest / "index.html").read_text()
    assert 'href="tiny.html"' in index and "A tiny deck" in index and "4 slides" in index
    assert (dest / "tiny.html").is_file() and (dest / "assets" / "slides.css").is_file()


@pytest.mark.browser
def test_keys_swipes_and_incremental_lists_move_through_the_deck(browser, tiny_html) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(tiny_html.as_uri())
    assert page.locator(".slide.current").get_attribute("data-title") == "A tiny deck"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator(".slide.current h3").inner_text() == "Peak arithmetic"
    assert page.locator(".counter").inner_text() == "3 / 4"
    page.keyboard.press("ArrowRight")  # onto "Two columns": its list starts hidden
    pending = page.locator(".slide.current .incremental li.pending")
    assert pending.count() == 2
    page.keyboard.press("ArrowRight")
    assert pending.count() == 1
    page.keyboard.press("Home")
    assert page.evaluate("mlsysSlides.index") == 0
    page.close()


@pytest.mark.browser
def test_a_swipe_left_goes_forward_on_a_phone(browser, tiny_html) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = ctx.new_page()
    page.goto(tiny_html.as_uri())
    page.evaluate("""() => {
      const t = (x) => new Touch({identifier: 1, target: document.body, clientX: x, clientY: 400});
      document.body.dispatchEvent(new TouchEvent('touchstart', {changedTouches: [t(300)], bubbles: true}));
      document.body.dispatchEvent(new TouchEvent('touchend', {changedTouches: [t(100)], bubbles: true}));
    }""")
    assert page.evaluate("mlsysSlides.index") == 1
    ctx.close()


@pytest.mark.browser
def test_the_speaker_view_shows_notes_a_timer_and_follows_the_audience_window(
        browser, tiny_html) -> None:
    ctx = browser.new_context(viewport={"width": 1100, "height": 760})
    audience = ctx.new_page()
    audience.goto(tiny_html.as_uri())
    speaker = ctx.new_page()
    speaker.goto(tiny_html.as_uri() + "?speaker")
    audience.keyboard.press("ArrowRight")
    audience.keyboard.press("ArrowRight")
    speaker.wait_for_function("mlsysSlides.index === 2")
    assert "Ask the room to guess" in speaker.locator(".notes-pane").inner_text()
    assert re.fullmatch(r"\d\d:\d\d", speaker.locator(".timer").inner_text())
    assert "Two columns" in speaker.locator(".next-pane").inner_text()
    assert not audience.locator(".slide.current .notes").is_visible(), "notes stay private"
    ctx.close()


@pytest.mark.browser
def test_dark_mode_toggles_and_print_lays_out_one_slide_per_page(browser, tiny_html) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720}, color_scheme="light")
    page.goto(tiny_html.as_uri())
    page.keyboard.press("d")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    bg = page.evaluate("getComputedStyle(document.querySelector('.slide.current')).backgroundColor")
    assert bg == "rgb(18, 21, 27)"
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 4
    page.close()


def test_a_bad_deck_stops_the_build_before_writing(fixture_root) -> None:
    root = fixture_root("missing_figure")
    with pytest.raises(SlidesError):
        build_decks(root, root / "out")
    assert not (root / "out").exists()
