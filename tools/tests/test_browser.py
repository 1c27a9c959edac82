"""End to end in Debian's Chromium: navigation, cross-references, search, dark mode, phone.

The site is served from a subfolder of a local server (http://127.0.0.1:PORT/repo/_site/), so
the test also proves that every link is page-relative. No request may leave 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from mlsys.build import SiteBuilder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "site_repo"
SHOTS = Path("/tmp/mlsys-shots")


@dataclass
class Case:
    """What to click in one built site."""

    name: str
    source: Path  # a repository (curriculum.yml + book/) to copy and build
    start: str  # a volume's front page, relative to the site
    search: str  # a word the search must find
    search_page: str | None  # the page it must lead to (None: any page)


def _book_incomplete() -> str | None:
    """Why the real book cannot be built yet (None when every listed chapter exists)."""
    intro = REPO / "book" / "vol1" / "introduction.qmd"
    if not intro.exists():
        return "book/vol1/introduction.qmd does not exist yet"
    missing = []
    for cfg in (REPO / "book").glob("_quarto-vol*.yml"):
        for rel in re.findall(r"^\s*-\s*(vol\d/\S+\.qmd)\s*$", cfg.read_text(), re.MULTILINE):
            if not (REPO / "book" / rel).exists():
                missing.append(rel)
    if missing:
        return f"book/ is not complete yet ({len(missing)} chapter files missing, e.g. {missing[0]})"
    return None


CASES = [
    pytest.param(Case("fixture", FIXTURE, "book/vol1/index.html", "quokkalith",
                      "book/vol1/memory.html"), id="fixture"),
    pytest.param(Case("book", REPO, "book/vol1/index.html", "memory", None), id="real-book",
                 marks=pytest.mark.skipif(bool(_book_incomplete()),
                                          reason=_book_incomplete() or "")),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module", params=CASES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Case, str]]:
    case: Case = request.param
    top = tmp_path_factory.mktemp(f"served-{case.name}")
    root = top / "repo"
    root.mkdir()
    shutil.copy(case.source / "curriculum.yml", root)
    shutil.copytree(case.source / "book", root / "book",
                    ignore=shutil.ignore_patterns(".mlsys-cache", "_book", "_site"))
    cache = case.source / ".mlsys-cache" / "book"
    if cache.is_dir():  # the caches are keyed by content, so a previous build's still apply
        shutil.copytree(cache, root / ".mlsys-cache" / "book")
    SiteBuilder(root).build()
    handler = functools.partial(_Quiet, directory=str(top))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield case, f"http://127.0.0.1:{server.server_address[1]}/repo/_site/"
    server.shutdown()
    server.server_close()


def _page(browser: object, hosts: list[str], **kw: object) -> object:
    page = browser.new_page(**kw)
    page.on("request", lambda req: hosts.append(urlparse(req.url).hostname or req.url))
    page.set_default_timeout(10_000)
    return page


def test_navigation_xref_search_and_theme(browser: object, served: tuple[Case, str]) -> None:
    case, base = served
    hosts: list[str] = []
    page = _page(browser, hosts, viewport={"width": 1440, "height": 900}, color_scheme="light")
    page.goto(base + case.start)
    assert page.evaluate("document.documentElement.dataset.theme") == "light"

    # The sidebar leads to another chapter, which becomes the highlighted one.
    link = page.locator(".chapters a:not(.current)").nth(1)
    target = link.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(re.escape(target.split("/")[-1]) + "$"))
    assert page.locator(".chapters a.current").get_attribute("href") == target

    # A cross-chapter reference lands on its anchor in the other page.
    xref = None
    for href in page.eval_on_selector_all(".chapters a", "els => els.map(e => e.href)"):
        page.goto(href)
        found = page.locator("article a[href*='.html#']")
        if found.count():
            xref = found.first
            break
    assert xref is not None, "no cross-chapter reference in any chapter"
    want = xref.get_attribute("href")
    anchor = want.split("#")[1]
    xref.click()
    page.wait_for_url(re.compile(re.escape(want.split("/")[-1]) + "$"))
    heading = page.locator(f"[id='{anchor}']")
    assert heading.count() == 1
    page.wait_for_function(
        "id => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= 0 && r.top < innerHeight; }", arg=anchor)

    # Search over this site's pagefind bundle; a hit links to its page's matching section.
    page.locator("[data-search-open]").first.click()
    box = page.locator(".search-input")
    box.fill(case.search)
    result = page.locator(".search-hit .search-title").first
    result.wait_for()
    href = result.get_attribute("href")
    if case.search_page:
        assert href.split("#")[0].endswith(case.search_page), href
    result.click()
    page.wait_for_url(re.compile(re.escape(href.split("/")[-1]) + "$"))
    assert page.locator("article").count() == 1

    # Dark mode persists to the next page.
    page.locator(".theme-toggle").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.goto(base + case.start)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert sum(int(c) for c in re.findall(r"\d+", bg)[:3]) < 150, bg
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{case.name}-desktop-dark.png"))
    page.close()

    assert set(hosts) == {"127.0.0.1"}, f"requests left the machine: {set(hosts)}"


def test_first_visit_follows_the_system_theme(browser: object, served: tuple[Case, str]) -> None:
    case, base = served
    hosts: list[str] = []
    page = _page(browser, hosts, color_scheme="dark")
    page.goto(base + case.start)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.close()


def test_desktop_and_phone_layouts(browser: object, served: tuple[Case, str]) -> None:
    case, base = served
    hosts: list[str] = []
    SHOTS.mkdir(exist_ok=True)
    desk = _page(browser, hosts, viewport={"width": 1440, "height": 900}, color_scheme="light")
    desk.goto(base + case.start)
    chapter = desk.locator(".chapters a").nth(2).get_attribute("href")
    desk.goto(base + "book/vol1/" + chapter)
    assert desk.locator(".sidebar").is_visible()
    assert desk.locator(".toc").is_visible()
    width = desk.evaluate("document.querySelector('article > p').getBoundingClientRect().width")
    font = desk.evaluate("parseFloat(getComputedStyle(document.querySelector('article > p'))"
                         ".fontSize)")
    assert 55 <= width / (font * 0.5) <= 90  # a comfortable measure, in characters (~0.5em)
    desk.screenshot(path=str(SHOTS / f"{case.name}-desktop.png"))
    desk.goto(base)
    desk.screenshot(path=str(SHOTS / f"{case.name}-landing.png"))
    desk.close()

    phone = _page(browser, hosts, viewport={"width": 390, "height": 844}, color_scheme="light",
                  is_mobile=True, has_touch=True)
    phone.goto(base + "book/vol1/" + chapter)
    assert not phone.locator(".sidebar").is_visible()
    assert not phone.locator(".toc").is_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
    phone.screenshot(path=str(SHOTS / f"{case.name}-phone.png"))
    phone.locator(".drawer-toggle").click()
    phone.locator(".sidebar").wait_for(state="visible")
    phone.wait_for_timeout(300)  # the drawer slides in
    phone.screenshot(path=str(SHOTS / f"{case.name}-phone-drawer.png"))
    first = phone.locator(".chapters a").first
    target = first.get_attribute("href")
    first.click()
    phone.wait_for_url(re.compile(re.escape(target.split("/")[-1]) + "$"))
    phone.close()
    assert set(hosts) == {"127.0.0.1"}


def _open_drawer_and_follow(page: object, link_index: int) -> str:
    """Open the menu on a phone, check Escape closes it (focus back on the button), reopen it
    from the keyboard and follow one of its Read/Build/Teach links; returns the link's href."""
    button = page.locator(".drawer-toggle")
    drawer = page.locator("#" + button.get_attribute("aria-controls"))
    assert not page.locator(".menus").is_visible()  # the navbar menus have no room
    assert not drawer.is_visible()
    button.click()
    drawer.wait_for(state="visible")
    assert button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('drawer-toggle')")
    page.keyboard.press("Enter")
    drawer.wait_for(state="visible")
    # Focus moved into the drawer, so a keyboard reader can tab to a link straight away.
    assert page.evaluate(f"document.getElementById({drawer.get_attribute('id')!r})"
                         ".contains(document.activeElement)")
    page.wait_for_timeout(300)  # the drawer slides in
    link = drawer.locator(".drawer-menus a").nth(link_index)
    href = link.get_attribute("href")
    link.click()
    return href


def test_phone_menu_reaches_other_parts_from_landing_and_404(browser: object,
                                                            served: tuple[Case, str]) -> None:
    """On a 390 px phone the landing page and the 404 page offer the Read/Build/Teach menu in
    a drawer (light and dark), and its links lead to the other parts of the site."""
    case, base = served
    hosts: list[str] = []
    SHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      color_scheme=scheme, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.on("request", lambda req: hosts.append(urlparse(req.url).hostname or req.url))
        page.set_default_timeout(10_000)
        page.goto(base)
        href = _open_drawer_and_follow(page, -1)
        assert not href.startswith(("/", "http"))  # page-relative, like every site link
        page.wait_for_url(base + href)
        assert page.locator("h1").count() == 1
        # The 404 page is served at any depth: its links start from the root seen last.
        page.goto(base + "404.html")
        page.locator(".drawer-toggle").click()
        drawer = page.locator("#site-drawer")
        drawer.wait_for(state="visible")
        page.wait_for_timeout(300)
        bg = page.evaluate("getComputedStyle(document.getElementById('site-drawer'))"
                           ".backgroundColor")
        dark = [int(c) for c in re.findall(r"\d+", bg)[:3]]
        assert (max(dark) < 80) == (scheme == "dark"), f"drawer background {bg} in {scheme} mode"
        page.screenshot(path=str(SHOTS / f"{case.name}-404-phone-menu-{scheme}.png"))
        page.keyboard.press("Escape")
        drawer.wait_for(state="hidden")
        href = _open_drawer_and_follow(page, 0)
        assert href.startswith(base), href
        page.wait_for_url(href)
        assert "does not exist" not in page.locator("h1").first.inner_text()
        context.close()
    assert set(hosts) == {"127.0.0.1"}


def test_missing_page_gets_the_404_page(browser: object, served: tuple[Case, str]) -> None:
    case, base = served
    page = _page(browser, [])
    page.goto(base + "404.html")
    assert "does not exist" in page.locator("h1").inner_text()
    page.close()


def test_preview_reloads_the_open_page_and_shows_build_problems(browser: object,
                                                                tmp_path: Path) -> None:
    from mlsys.preview import Preview

    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    builder = SiteBuilder(root)
    builder.build()
    preview = Preview(builder, builder.book_parts(), echo=lambda _m: None)
    preview.start()
    hosts: list[str] = []
    page = _page(browser, hosts)
    try:
        page.goto(preview.url + "book/vol1/memory.html")
        page.wait_for_timeout(300)  # the page's event stream connects
        config = root / "book" / "_quarto-vol1.yml"
        good = config.read_text()
        config.write_text(good.replace("vol1/training.qmd", "vol1/gone.qmd"))
        banner = page.locator("#mlsys-problem")
        banner.wait_for(timeout=15_000)
        assert "gone.qmd" in banner.inner_text()

        config.write_text(good)
        chapter = root / "book" / "vol1" / "memory.qmd"
        with page.expect_navigation(timeout=15_000):  # the reload
            chapter.write_text(chapter.read_text() + "\nA sentence written while previewing.\n")
        page.wait_for_selector("text=A sentence written while previewing.")
        assert page.locator("#mlsys-problem").count() == 0
    finally:
        page.close()
        preview.stop()
    assert set(hosts) == {"127.0.0.1"}
