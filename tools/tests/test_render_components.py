"""components.css/js in a real browser: copy buttons, margin notes, popovers, callouts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mlsys.pipeline import render_book

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASSETS = Path(__file__).resolve().parents[1] / "mlsys" / "assets"
FIXTURE = Path(__file__).parent / "fixtures" / "render_basic"


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The intro chapter wrapped in a bare page that loads only our components."""
    out = tmp_path_factory.mktemp("components")
    root = out / "book"
    shutil.copytree(FIXTURE, root)
    book = render_book(root, cache_dir=out / "cache")
    intro = next(p for p in book.pages if p.href == "intro.html")
    for name in ("site.css", "components.css", "components.js"):
        if (ASSETS / name).exists():
            shutil.copy(ASSETS / name, out / name)
    (out / "images").mkdir()
    shutil.copy(root / "images" / "chart.png", out / "images" / "chart.png")
    (out / "intro.html").write_text(
        '<!doctype html><html data-theme="light"><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="site.css"><link rel="stylesheet" href="components.css">'
        f'<style>{book.css}</style>'
        '<script defer src="components.js"></script></head><body>'
        '<article style="max-width: 40rem; margin-left: 2rem">'
        f"<h1>{intro.title_html}</h1>{intro.body_html}</article></body></html>")
    return (out / "intro.html").as_uri()


def test_code_blocks_get_a_working_copy_button(browser, page_url: str) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(page_url)
    blocks = page.locator("div.sourceCode")
    assert blocks.count() >= 1
    assert page.locator("div.sourceCode > .code-copy").count() == blocks.count()
    button = page.locator("div.sourceCode > .code-copy").first
    blocks.first.hover()
    button.click()
    page.wait_for_function(
        "document.querySelector('.code-copy').textContent !== 'Copy'", timeout=3000)
    assert button.text_content() in ("Copied", "Press Ctrl+C")
    page.close()


def test_wide_screens_show_footnotes_as_margin_notes(browser, page_url: str) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.goto(page_url)
    page.wait_for_selector("article.mlsys-sidenotes")
    note = page.locator("aside.sidenote")
    assert note.count() == 1 and note.is_visible()
    assert "The footnote body." in note.text_content()
    assert not page.locator("section.footnotes").is_visible()
    article_right = page.evaluate("document.querySelector('article').getBoundingClientRect()"
                                  ".right")
    assert note.bounding_box()["x"] >= article_right  # it sits in the margin
    page.close()


def test_narrow_screens_show_footnotes_as_popovers(browser, page_url: str) -> None:
    page = browser.new_page(viewport={"width": 420, "height": 800})
    page.goto(page_url)
    page.wait_for_load_state("load")
    assert not page.locator("aside.sidenote").first.is_visible()
    page.locator("a.footnote-ref").first.click()
    popover = page.locator(".footnote-popover")
    assert popover.is_visible() and "The footnote body." in popover.text_content()
    page.keyboard.press("Escape")
    assert page.locator(".footnote-popover").count() == 0
    page.close()


def test_nested_collapsed_answer_opens_on_demand(browser, page_url: str) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(page_url)
    answer = page.locator(".callout-quiz details .callout-body")
    assert page.locator(".callout-quiz").is_visible()
    assert not answer.is_visible()
    page.locator(".callout-quiz details > summary").click()
    assert answer.is_visible() and answer.text_content().strip() == "Four."
    page.close()


def test_syntax_colours_follow_the_theme(browser, page_url: str) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(page_url)
    js = "getComputedStyle(document.querySelector('code.sourceCode .cf')).color"
    light = page.evaluate(js)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    dark = page.evaluate(js)
    assert light != dark
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg != "rgb(255, 255, 255)"  # the dark theme of site.css applies to our page too
    page.close()


def test_tabsets_switch_panels_by_click_and_arrow_keys(browser, tmp_path: Path) -> None:
    root = tmp_path / "book"
    root.mkdir()
    (root / "_quarto.yml").write_text("project:\n  type: book\nbook:\n  title: T\n"
                                      "  chapters:\n    - index.qmd\n")
    (root / "index.qmd").write_text("# Home\n\n::: {.panel-tabset}\n## One\n\nFirst panel.\n\n"
                                    "## Two\n\nSecond panel.\n:::\n")
    book = render_book(root, cache_dir=tmp_path / "cache")
    for name in ("site.css", "components.css", "components.js"):
        if (ASSETS / name).exists():
            shutil.copy(ASSETS / name, tmp_path / name)
    (tmp_path / "p.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" '
        'href="components.css"><script defer src="components.js"></script></head><body>'
        f"<article>{book.pages[0].body_html}</article></body></html>")
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.goto((tmp_path / "p.html").as_uri())
    page.wait_for_selector(".panel-tabset.tabs-ready")
    first, second = page.get_by_text("First panel."), page.get_by_text("Second panel.")
    assert first.is_visible() and not second.is_visible()
    page.get_by_role("tab", name="Two").click()
    assert second.is_visible() and not first.is_visible()
    page.keyboard.press("ArrowRight")  # wraps around to the first tab
    assert first.is_visible() and not second.is_visible()
    assert page.get_by_role("tab", name="One").get_attribute("aria-selected") == "true"
    page.close()
