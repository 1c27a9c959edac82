"""Search in Chromium: what the index holds, what a hit says, where it lands, nonsense words,
pages opened from disk, and the 404 page. One test per promise.

The fixture curriculum (fixtures/reading_repo) is built once and served from a subfolder of a
local server that answers unknown paths with the site's 404.html, as a static host does.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlsys.build import SiteBuilder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURE = Path(__file__).parent / "fixtures" / "reading_repo"


class _Host(http.server.SimpleHTTPRequestHandler):
    """A static host: a missing file under the site answers with its 404.html."""

    site_dir: Path

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None
                   ) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (self.site_dir / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(site folder, its base URL on a local server)."""
    top = tmp_path_factory.mktemp("search")
    shutil.copytree(FIXTURE, top / "repo")
    SiteBuilder(top / "repo").build()
    handler = type("Host", (_Host,), {"site_dir": top / "repo" / "_site"})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(top)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield top / "repo" / "_site", f"http://127.0.0.1:{server.server_address[1]}/repo/_site/"
    server.shutdown()
    server.server_close()


def _search(browser: object, url: str, term: str, **kw: object) -> object:
    page = browser.new_page(viewport={"width": 1366, "height": 900}, **kw)
    page.set_default_timeout(10_000)
    page.goto(url)
    page.wait_for_load_state("load")
    page.locator("[data-search-open]").first.click()
    page.locator(".search-input").fill(term)
    page.wait_for_function(
        "document.querySelector('.search-hit') || "
        "document.querySelector('.search-status').textContent.trim()")
    return page


def _raw_hits(page: object, term: str) -> list[dict]:
    """Pagefind's own answer for `term`, straight from its JS API (bypassing our UI)."""
    return page.evaluate("""async (term) => {
        const bundle = new URL(document.getElementById('search').dataset.bundle, location.href);
        const pf = await import(new URL('pagefind.js', bundle).href);
        const res = await pf.search(term);
        return Promise.all(res.results.map(async r => {
            const d = await r.data();
            return {url: d.url, excerpt: d.excerpt, content: d.content}; }));
    }""", term)


# The index holds a formula once, as the MathML's readable text, never its TeX source.
def test_math_is_indexed_once_without_tex(browser: object, site) -> None:
    _, base = site
    page = _search(browser, base + "book/depth.html", "zephyrine")
    hits = _raw_hits(page, "zephyrine")
    assert [h["url"] for h in hits] == ["/repo/_site/book/depth.html"]
    text = hits[0]["content"]
    assert text.count("weights") == 1, text  # M_weights of the equation, once
    assert "\\frac" not in text and "\\text" not in text and "T_" not in text
    page.close()


# Each hit names its part and chapter.
def test_a_hit_is_labelled_with_its_part_and_chapter(browser: object, site) -> None:
    _, base = site
    page = _search(browser, base + "book/basics.html", "zephyrine")
    where = page.locator(".search-hit .search-where").first.text_content()
    assert "Volume I: Reading" in where and "Chapter 2" in where
    page.close()


# Clicking a hit lands on the section that holds the word, not the top of its page.
def test_a_hit_lands_on_its_section(browser: object, site) -> None:
    _, base = site
    page = _search(browser, base + "book/basics.html", "zephyrine")
    link = page.locator(".search-hit .search-title").first
    assert "The deep section" in link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"book/depth\.html#sec-deep$"))
    top = page.evaluate("document.getElementById('sec-deep').getBoundingClientRect().top")
    assert 0 <= top < 200
    assert page.evaluate("window.scrollY") > 0
    page.close()


# A nonsense word finds nothing, although pagefind itself would "backtrack" it onto a
# one-letter word of the index (which is why the UI checks what each hit matched).
def test_a_nonsense_word_has_no_hits(browser: object, site) -> None:
    _, base = site
    page = _search(browser, base + "book/basics.html", "xqzzyvbw")
    assert _raw_hits(page, "xqzzyvbw")  # pagefind alone returns pages with an "x" in them
    assert page.locator(".search-hit").count() == 0
    assert "No results" in page.locator(".search-status").inner_text()
    page.locator(".search-input").fill("cachez")  # a near miss still finds "caches"
    page.wait_for_selector(".search-hit")
    page.close()


# A page opened from disk says how to get search, at once, instead of hanging.
def test_search_from_a_file_url_says_why_it_cannot_work(browser: object, site) -> None:
    folder, _ = site
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto((folder / "book" / "basics.html").as_uri())
    page.locator("[data-search-open]").first.click()
    message = page.locator(".search-unavailable")
    message.wait_for(state="visible", timeout=2000)
    assert "served over HTTP" in message.inner_text() and "mlsys preview" in message.inner_text()
    page.close()


# The 404 page searches the site, starting from the words of the missing address.
def test_the_404_page_offers_search(browser: object, site) -> None:
    _, base = site
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(10_000)
    page.goto(base + "book/basics.html")  # the reader has been on the site before
    response = page.goto(base + "book/zephyrine.html")
    assert response.status == 404
    assert "This page does not exist" in page.inner_text("h1")
    page.get_by_role("button", name=re.compile("Search Reading fixture")).click()
    assert page.locator(".search-input").input_value() == "zephyrine"
    hit = page.locator(".search-hit .search-title").first
    hit.wait_for()
    hit.click()
    page.wait_for_url(re.compile(r"book/depth\.html#sec-deep$"))
    page.close()
