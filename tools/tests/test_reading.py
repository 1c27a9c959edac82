"""Reading a chapter in Chromium, on a phone and a desktop: "On this page", figures full
screen with zoom, heading anchors, previews of references, dark-mode figures, wide tables.

The fixture curriculum (fixtures/reading_repo) is built once and served from a subfolder of a
local server, as a reader would reach it.
"""

from __future__ import annotations

import functools
import http.server
import io
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlsys.build import SiteBuilder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURE = Path(__file__).parent / "fixtures" / "reading_repo"
PHONE = {"width": 390, "height": 844}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(site folder, its base URL on a local server)."""
    top = tmp_path_factory.mktemp("reading")
    shutil.copytree(FIXTURE, top / "repo")
    SiteBuilder(top / "repo").build()
    handler = functools.partial(_Quiet, directory=str(top))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield top / "repo" / "_site", f"http://127.0.0.1:{server.server_address[1]}/repo/_site/"
    server.shutdown()
    server.server_close()


def _open(browser: object, url: str, *, scheme: str = "light", touch: bool = False,
          **viewport: int) -> object:
    page = browser.new_page(viewport=viewport or {"width": 1366, "height": 900},
                            color_scheme=scheme, has_touch=touch, is_mobile=touch)
    page.set_default_timeout(10_000)
    page.goto(url)
    page.wait_for_load_state("load")
    return page


# On a phone the TOC column is gone: a button opens it, and a tap on an entry lands there.
def test_on_this_page_menu_jumps_to_a_section_on_a_phone(browser: object, site) -> None:
    _, base = site
    page = _open(browser, base + "book/depth.html", touch=True, **PHONE)
    assert not page.locator(".toc").is_visible()
    button = page.get_by_role("button", name="On this page")
    assert button.is_visible()
    box = button.bounding_box()
    assert box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844  # on screen
    button.tap()
    panel = page.locator(".toc")
    assert panel.is_visible() and button.get_attribute("aria-expanded") == "true"
    panel.get_by_role("link", name=re.compile("A closing note")).tap()
    page.wait_for_function("location.hash === '#sec-closing'")
    top = page.evaluate("document.getElementById('sec-closing').getBoundingClientRect().top")
    assert 0 <= top < 200  # the section is at the top of the screen, below the navbar
    assert not panel.is_visible()  # the panel closed behind the jump
    page.close()


# The chapter's reference list is an entry of "On this page", and its target exists.
def test_references_are_in_on_this_page(site) -> None:
    folder, _ = site
    html = (folder / "book" / "basics.html").read_text("utf-8")
    toc = html[html.index('<aside class="toc"'):]
    toc = toc[:toc.index("</aside>")]
    assert '<a href="#chapter-references">References</a>' in toc
    assert 'id="chapter-references"' in html


# A tap on a figure opens it full screen; two fingers spreading apart zoom it in.
def test_a_tapped_figure_opens_full_screen_and_pinch_zooms(browser: object, site) -> None:
    _, base = site
    page = _open(browser, base + "book/basics.html", touch=True, **PHONE)
    figure = page.locator("figure img").first
    figure.scroll_into_view_if_needed()
    small = figure.bounding_box()["width"]
    figure.tap()
    box = page.locator("dialog.lightbox[open]")
    assert box.is_visible()
    big = box.locator(".lightbox-stage img")
    assert big.bounding_box()["width"] >= small  # as wide as the screen allows
    assert "memory ladder" in box.locator(".lightbox-caption").inner_text()
    page.evaluate("""() => {
        const stage = document.querySelector('.lightbox-stage');
        const fire = (type, id, x, y) => stage.dispatchEvent(new PointerEvent(type,
            {pointerId: id, clientX: x, clientY: y, bubbles: true, pointerType: 'touch'}));
        fire('pointerdown', 1, 180, 400); fire('pointerdown', 2, 210, 400);
        for (let i = 1; i <= 10; i++) {
            fire('pointermove', 1, 180 - 8 * i, 400); fire('pointermove', 2, 210 + 8 * i, 400);
        }
        fire('pointerup', 1, 100, 400); fire('pointerup', 2, 290, 400);
    }""")
    scale = float(box.get_attribute("data-scale"))
    assert scale > 2, scale
    zoomed = big.bounding_box()["width"]
    assert zoomed > 2 * small  # text that was ~5 px is now readable
    page.get_by_role("button", name="Zoom out").tap()
    assert float(box.get_attribute("data-scale")) < scale
    page.keyboard.press("Escape")
    page.locator("dialog.lightbox").wait_for(state="detached")  # closed and removed
    page.close()


# Each section heading carries a link to itself.
def test_headings_have_anchor_links(browser: object, site) -> None:
    _, base = site
    page = _open(browser, base + "book/depth.html")
    anchors = page.locator(".prose h2 .anchor-link")
    assert anchors.count() == 3
    heading = page.locator("#sec-deep")
    heading.hover()
    anchor = heading.locator(".anchor-link")
    assert anchor.get_attribute("href") == "#sec-deep"
    # shown on hover, once its fade-in transition has run (it is mid-fade on a loaded machine)
    anchor.evaluate("a => Promise.all(a.getAnimations().map(t => t.finished))")
    assert float(anchor.evaluate("a => getComputedStyle(a).opacity")) > 0.5
    anchor.click()
    assert page.evaluate("location.hash") == "#sec-deep"
    page.close()


# Hovering a cross-reference (to another page), a citation or a footnote previews it.
@pytest.mark.parametrize(("link", "expected"), [
    ("a.quarto-xref[href='depth.html#sec-deep']", "zephyrine bound"),  # a section of another page
    ("a.quarto-xref[href='depth.html']", "The second chapter holds"),  # a whole chapter
    ("a.quarto-xref[href='#fig-ladder']", "memory ladder"),  # a figure of this page
    (".citation a[href='#ref-paper']", "Measuring Bandwidth Twice"),
    ("a.footnote-ref", "one level of the memory hierarchy"),
], ids=["section-elsewhere", "chapter", "figure", "citation", "footnote"])
def test_hovering_a_reference_previews_its_target(browser: object, site, link: str,
                                                  expected: str) -> None:
    _, base = site
    page = _open(browser, base + "book/basics.html", width=1000, height=900)
    page.locator(link).first.hover()
    preview = page.locator(".preview-popover")
    preview.wait_for(state="visible")
    assert expected in preview.inner_text()
    page.mouse.move(5, 890)
    preview.wait_for(state="detached")
    page.close()


# On a touch screen, a first tap previews (no navigation); the preview's link goes there.
def test_tapping_a_cross_reference_previews_then_goes(browser: object, site) -> None:
    _, base = site
    page = _open(browser, base + "book/basics.html", touch=True, **PHONE)
    ref = page.locator("a.quarto-xref[href='depth.html#sec-deep']").first
    ref.scroll_into_view_if_needed()
    ref.tap()
    preview = page.locator(".preview-popover")
    preview.wait_for(state="visible")
    assert "zephyrine bound" in preview.inner_text()
    assert page.url.endswith("book/basics.html")
    box = preview.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    preview.get_by_role("link", name="Go there ›").tap()
    page.wait_for_url(re.compile(r"depth\.html#sec-deep$"))
    page.close()


# URLs and DOIs in the reference list are links.
def test_reference_list_urls_are_links(browser: object, site) -> None:
    _, base = site
    page = _open(browser, base + "book/basics.html")
    entry = page.locator("#ref-essay")
    assert entry.get_by_role("link").get_attribute("href") == (
        "https://www.example.org/essays/long-addresses.html")
    assert page.locator("#ref-paper a").get_attribute("href").startswith("https://doi.org/")
    page.close()


def _pixel(page: object, x: float, y: float) -> tuple[int, ...]:
    from PIL import Image  # a matplotlib dependency, present wherever the book builds

    shot = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    return Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))


# In dark mode a drawn figure sits on the page colour (no white panel) with light text and
# the same frame as in light mode; in light mode it stays on white.
def test_dark_mode_figures_have_no_white_panel(browser: object, site) -> None:
    _, base = site
    frames = []
    for scheme in ("light", "dark"):
        page = _open(browser, base + "book/basics.html#fig-ladder", scheme=scheme)
        img = page.locator("figure img").first
        img.scroll_into_view_if_needed()
        page.wait_for_timeout(200)
        b = img.bounding_box()
        canvas = _pixel(page, b["x"] + b["width"] - 20, b["y"] + b["height"] - 12)
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        frames.append(img.evaluate("i => [getComputedStyle(i).borderRadius, "
                                   "getComputedStyle(i).boxShadow.split(') ').pop()]"))
        if scheme == "light":
            assert min(canvas) > 240, canvas
        else:
            page_rgb = tuple(int(v) for v in re.findall(r"\d+", body)[:3])
            assert max(abs(a - b) for a, b in zip(canvas, page_rgb, strict=True)) < 12, canvas
        page.close()
    assert frames[0] == frames[1]  # framed the same in both themes


# A table wider than the text scrolls in its own box: never under the TOC, never the page.
@pytest.mark.parametrize("width", [390, 1024, 1280, 1366])
def test_wide_table_fits_its_column(browser: object, site, width: int) -> None:
    _, base = site
    page = _open(browser, base + "book/basics.html#sec-wide", width=width, height=900)
    geo = page.evaluate("""() => {
        const t = document.querySelector('#tbl-wide table').getBoundingClientRect();
        const c = document.querySelector('.prose').getBoundingClientRect();
        const toc = document.querySelector('.toc');
        const tocLeft = toc && toc.offsetParent ? toc.getBoundingClientRect().left : Infinity;
        return {right: t.right, column: c.right, tocLeft,
                page: document.documentElement.scrollWidth};
    }""")
    assert geo["page"] <= width, geo
    assert geo["right"] <= geo["column"] + 1, geo
    assert geo["right"] <= geo["tocLeft"], geo
    page.close()
