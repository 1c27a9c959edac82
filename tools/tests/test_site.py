"""The site writer, tested on hand-built RenderedBook objects (no pipeline needed)."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlsys.model import BuildError, Page
from mlsys.site import (
    BookSection,
    NavLink,
    NavMenu,
    SiteConfig,
    SiteError,
    SiteWriter,
    describe,
    relative_root,
)

_spec = importlib.util.spec_from_file_location(
    "site_books", Path(__file__).parent / "fixtures" / "site_common" / "books.py"
)
books = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(books)

CONFIG = SiteConfig(
    title="Curriculum",
    description="A site for tests.",
    menus=[NavMenu("Read", [NavLink("Volume I", "book/vol1/index.html", "The first one")])],
)


class Links(HTMLParser):
    """Collects every href/src and the attributes tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.meta: dict[str, str] = {}
        self.current: list[str] = []
        self.crumbs: list[str] = []
        self.ids: set[str] = set()
        self._in_crumbs = False
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.urls.append(a[key])
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "meta":
            name = a.get("property") or a.get("name")
            if name:
                self.meta[name] = a.get("content") or ""
        if tag == "a" and a.get("aria-current") == "page":
            self.current.append(a.get("href") or "")
        if tag == "nav" and a.get("class") == "breadcrumbs":
            self._in_crumbs = True
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_crumbs = False
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_crumbs and data.strip():
            self.crumbs.append(data.strip())
        if self._in_title:
            self.title += data


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text("utf-8"))
    return p


def build(out: Path, book=None, config: SiteConfig = CONFIG, **section_kw) -> SiteWriter:
    book = book or books.make_book(out.parent / "src")
    with SiteWriter(out, config) as writer:
        writer.add_book(BookSection("vol1", book, prefix="book/", label="Volume I", **section_kw))
        writer.add_landing([])
    return writer


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "_site"
    build(out, books.make_book(out.parent / "src", css=".callout-definition{color:red}"))
    return out


def test_every_page_lands_at_its_href(site: Path) -> None:
    for name in ("index", "introduction", "memory", "training"):
        assert (site / "book" / "vol1" / f"{name}.html").is_file()
    for extra in ("index.html", "404.html", "assets/site.css", "assets/site.js",
                  "assets/favicon.svg", "pagefind/pagefind-ui.js"):
        assert (site / extra).is_file(), extra


def test_every_internal_link_resolves(site: Path) -> None:
    """Page-relative links: every href/src must name a file of the site (so any base works)."""
    pages = [p for p in site.rglob("*.html") if "pagefind" not in p.parts and p.name != "404.html"]
    assert len(pages) >= 5
    for page in pages:
        parsed = parse(page)
        for url in parsed.urls:
            if url.startswith("#"):
                assert url[1:] in parsed.ids, f"{page}: dangling anchor {url}"
                continue
            assert not urlparse(url).scheme and not url.startswith("/"), f"{page}: {url}"
            target, frag = urldefrag(url)
            resolved = (page.parent / target).resolve()
            if target.endswith("pagefind/"):
                assert (resolved / "pagefind-ui.js").is_file()
                continue
            assert resolved.is_file(), f"{page}: broken link {url}"
            if frag and resolved.suffix == ".html":
                assert frag in parse(resolved).ids, f"{page}: {url} has no #{frag}"


def test_sidebar_highlights_only_the_current_page(site: Path) -> None:
    parsed = parse(site / "book" / "vol1" / "memory.html")
    assert parsed.current == ["memory.html"]
    html = (site / "book" / "vol1" / "memory.html").read_text()
    assert html.count("<details class=\"part") == 2  # Foundations and Scaling, collapsible
    assert "<summary>Foundations</summary>" in html


def test_previous_and_next_follow_reading_order(site: Path) -> None:
    def pager(name: str) -> dict[str, str]:
        html = (site / "book" / "vol1" / f"{name}.html").read_text()
        return dict(re.findall(r'rel="(prev|next)" href="([^"]+)"', html))

    assert pager("index") == {"next": "introduction.html"}
    assert pager("memory") == {"prev": "introduction.html", "next": "training.html"}
    assert pager("training") == {"prev": "memory.html"}


def test_breadcrumbs_go_site_volume_part_chapter(site: Path) -> None:
    crumbs = parse(site / "book" / "vol1" / "memory.html").crumbs
    assert crumbs == ["Curriculum", "Volume I", "Foundations", "2 Memory hierarchies"]
    # The volume's own front page stops at the volume.
    assert parse(site / "book" / "vol1" / "index.html").crumbs == ["Curriculum", "Volume I"]


def test_title_description_and_opengraph_per_page(site: Path) -> None:
    parsed = parse(site / "book" / "vol1" / "training.html")
    assert parsed.title == "Training at scale · Test Book"
    assert parsed.meta["og:title"] == "Training at scale"
    assert parsed.meta["og:type"] == "article"
    assert parsed.meta["og:site_name"] == "Curriculum"
    assert parsed.meta["description"].startswith("The training at scale chapter explains")
    assert parsed.meta["og:description"] == parsed.meta["description"]
    assert "Basics" not in parsed.meta["description"]  # headings are not prose


def test_toc_lists_the_page_headings(site: Path) -> None:
    html = (site / "book" / "vol1" / "memory.html").read_text()
    toc = html[html.index('class="toc"'):]
    assert re.findall(r'href="#([^"]+)"', toc) == ["sec-memory-basics", "sec-memory-detail"]


def test_theme_is_applied_before_the_stylesheet_loads(site: Path) -> None:
    html = (site / "book" / "vol1" / "memory.html").read_text()
    head = html[: html.index("</head>")]
    assert head.index("mlsys-theme") < head.index("site.css")
    assert "prefers-color-scheme: dark" in head
    css = (site / "assets" / "site.css").read_text()
    for var in ("--bg", "--fg", "--muted", "--border", "--accent", "--code-bg", "--link"):
        assert css.count(f"{var}:") >= 2, f"{var} needs a light and a dark value"


def test_project_css_is_linked_on_every_page(site: Path) -> None:
    css = list((site / "assets").glob("project-*.css"))
    assert len(css) == 1 and "callout-definition" in css[0].read_text()
    for page in (site / "book" / "vol1").glob("*.html"):
        assert f"../../assets/{css[0].name}" in page.read_text()
        components = Path(__file__).parents[1] / "mlsys" / "assets" / "components.css"
        if components.exists():  # the render stage's component styles, on every page
            assert "../../assets/components.css" in page.read_text()


def test_sitemap_lists_every_page_by_its_absolute_url(tmp_path: Path) -> None:
    cfg = SiteConfig(title="C", site_url="https://example.org/mlsys/")
    build(tmp_path / "_site", config=cfg)
    root = ET.parse(tmp_path / "_site" / "sitemap.xml").getroot()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {el.text for el in root.findall("s:url/s:loc", ns)}
    base = "https://example.org/mlsys/"
    assert {base + "book/vol1/memory.html", base + "book/vol1/index.html",
            base + "index.html"} <= locs
    assert all(loc.startswith(base) for loc in locs)
    assert base + "404.html" not in locs
    page = parse(tmp_path / "_site" / "book" / "vol1" / "memory.html")
    assert page.meta["og:url"] == "https://example.org/mlsys/book/vol1/memory.html"


def test_without_a_site_url_no_sitemap_is_written(tmp_path: Path) -> None:
    """sitemaps.org requires absolute <loc>s; without site-url there is none to give, and a
    sitemap left by an earlier build that had one is removed."""
    out = tmp_path / "_site"
    build(out, config=SiteConfig(title="C", site_url="https://example.org/"))
    assert (out / "sitemap.xml").is_file()
    build(out, config=SiteConfig(title="C"))
    assert not (out / "sitemap.xml").exists()
    assert "sitemap.xml" not in (out / ".mlsys-manifest.json").read_text()


def test_404_page_is_self_contained(site: Path) -> None:
    html = (site / "404.html").read_text()
    assert "<style>" in html and "--bg" in html  # inlined: it is served at any depth
    assert 'rel="stylesheet"' not in html
    assert "noindex" in html


def test_no_output_file_refers_to_an_external_host(site: Path) -> None:
    namespaces = {"http://www.w3.org/2000/svg", "http://www.sitemaps.org/schemas/sitemap/0.9"}
    for path in site.rglob("*"):
        if path.suffix not in {".html", ".css", ".js", ".svg", ".xml"} or "pagefind" in path.parts:
            continue
        for url in re.findall(r"https?://[^\s\"'()<>]+", path.read_text("utf-8")):
            assert url in namespaces, f"{path} refers to {url}"
    css = (site / "assets" / "site.css").read_text()
    assert "@import" not in css and "url(" not in css


def test_warm_rebuild_writes_nothing_and_keeps_the_search_index(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    book = books.make_book(tmp_path / "src")
    first = build(out, book).report
    assert first.search_seconds is not None
    index_before = sorted(p.name for p in (out / "pagefind").rglob("*"))
    second = build(out, book).report
    assert second.written == [] and second.removed == []
    assert second.search_seconds is None
    assert sorted(p.name for p in (out / "pagefind").rglob("*")) == index_before


def test_one_changed_chapter_rewrites_one_page_and_reindexes(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build(out, books.make_book(tmp_path / "src"))
    book = books.make_book(tmp_path / "src")
    book.pages[2].body_html += "<p>quokkatastic</p>"
    report = build(out, book).report
    assert report.written == ["book/vol1/memory.html"]
    assert report.search_seconds is not None
    assert "quokkatastic" in (out / "book/vol1/memory.html").read_text()
    assert list(tmp_path.glob("._site*")) == []  # no staging or trash left behind


def test_a_removed_chapter_disappears_from_the_site(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build(out)
    book = books.make_book(tmp_path / "src")
    book.pages = [p for p in book.pages if "training" not in p.href]
    book.sidebar = book.sidebar[:2]
    report = build(out, book).report
    assert "book/vol1/training.html" in report.removed
    assert not (out / "book/vol1/training.html").exists()
    assert "training.html" not in (out / "book/vol1/memory.html").read_text()


def test_partial_build_keeps_other_pages_and_full_navigation(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build(out)
    intro_before = (out / "book/vol1/introduction.html").read_bytes()
    book = books.make_book(tmp_path / "src", extra_word="wombatine")
    book.pages = [p for p in book.pages if p.href.endswith("memory.html")]
    report = build(out, book, partial=True).report
    assert report.written == ["book/vol1/memory.html"]
    assert (out / "book/vol1/introduction.html").read_bytes() == intro_before
    html = (out / "book/vol1/memory.html").read_text()
    assert "wombatine" in html
    assert 'rel="prev" href="introduction.html"' in html
    assert 'rel="next" href="training.html"' in html
    assert "Training at scale" in html  # sidebar still lists chapters not re-rendered


def test_failed_build_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build(out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    book = books.make_book(tmp_path / "src", extra_word="NEWTEXT")
    with pytest.raises(RuntimeError), SiteWriter(out, CONFIG) as writer:
        writer.add_book(BookSection("vol1", book, prefix="book/", label="Volume I"))
        raise RuntimeError("the render stage failed half-way")
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert list(tmp_path.glob("._site*")) == []


def test_a_book_alone_at_the_site_root(tmp_path: Path) -> None:
    """`mlsys render PATH`: no curriculum around, the book is the site."""
    out = tmp_path / "_book"
    book = books.make_book(tmp_path / "src")
    cfg = SiteConfig(title=book.title, home_href="vol1/index.html")
    with SiteWriter(out, cfg) as writer:
        writer.add_book(BookSection("book", book))
    parsed = parse(out / "vol1" / "memory.html")
    assert parsed.crumbs == ["Test Book", "Foundations", "2 Memory hierarchies"]
    assert '<a class="brand" href="../vol1/index.html" title=' in (out / "vol1/memory.html").read_text()


def test_relative_root_counts_folders() -> None:
    assert relative_root("index.html") == ""
    assert relative_root("book/vol1/x.html") == "../../"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_descriptions_are_short_plain_text(text: str) -> None:
    page = Page(None, "x.html", "X", "X", None, None, "chapter",
                f"<p>{text.replace('<', '&lt;')}</p><h2>Heading</h2>")
    out = describe(page)
    if out is not None:
        assert len(out) <= 161
        assert "<" not in out.replace("&lt;", "") or "<" in text
        assert "\n" not in out


def test_a_folder_not_written_by_mlsys_is_never_replaced(tmp_path: Path) -> None:
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(SiteError, match="was not written by mlsys"):
        build(precious)
    assert (precious / "thesis.txt").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_the_live_manifest_is_not_written_through_its_hard_link(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build(out)
    manifest = (out / ".mlsys-manifest.json").read_bytes()
    book = books.make_book(tmp_path / "src", extra_word="changed")
    with pytest.raises(RuntimeError), SiteWriter(out, CONFIG) as writer:
        writer.add_book(BookSection("vol1", book, prefix="book/", label="Volume I"))
        writer._swap = _fail  # the very last step fails
    assert (out / ".mlsys-manifest.json").read_bytes() == manifest


def _fail() -> None:
    raise RuntimeError("rename failed")


def test_a_file_two_volumes_share_survives_one_dropping_it(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    image = tmp_path / "shared.png"
    image.write_bytes(b"\x89PNG fake but real bytes")

    one = books.make_book(tmp_path / "src")
    two = books.make_book(tmp_path / "src", folder="vol2")
    one.resources = {"images/shared.png": image}
    two.resources = {"images/shared.png": image}
    with SiteWriter(out, CONFIG) as writer:
        writer.add_book(BookSection("vol1", one, prefix="book/"))
        writer.add_book(BookSection("vol2", two, prefix="book/"))
    two.resources = {}
    with SiteWriter(out, CONFIG) as writer:  # only vol2 is rebuilt, and no longer uses it
        writer.add_book(BookSection("vol2", two, prefix="book/"))
    assert (out / "book/images/shared.png").read_bytes() == image.read_bytes()
    with SiteWriter(out, CONFIG) as writer:  # vol1 stops using it too: now it goes
        one = books.make_book(tmp_path / "src")
        writer.add_book(BookSection("vol1", one, prefix="book/"))
    assert not (out / "book/images/shared.png").exists()


def _site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != ".mlsys-manifest.json"}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from(["introduction", "memory", "training"])),
                          st.integers(0, 2)), min_size=1, max_size=4))
def test_incremental_builds_equal_a_fresh_build(tmp_path_factory: pytest.TempPathFactory,
                                               steps: list[tuple[set[str], int]]) -> None:
    """Whatever was built before, the site ends up exactly as a build from scratch."""
    base = tmp_path_factory.mktemp("incremental")
    config = SiteConfig(title="C", search=False)

    def book_for(chapters: set[str], variant: int):
        book = books.make_book(base / "src", extra_word=f"variant{variant}")
        keep = {"index"} | chapters
        book.pages = [p for p in book.pages if Path(p.href).stem in keep]
        book.sidebar = [type(s)(s.title, [h for h in s.hrefs if Path(h).stem in keep], s.kind)
                        for s in book.sidebar]
        book.sidebar = [s for s in book.sidebar if s.hrefs]
        return book

    for chapters, variant in steps:
        with SiteWriter(base / "inc", config) as writer:
            writer.add_book(BookSection("vol1", book_for(chapters, variant), prefix="book/"))
    chapters, variant = steps[-1]
    with SiteWriter(base / "fresh", config) as writer:
        writer.add_book(BookSection("vol1", book_for(chapters, variant), prefix="book/"))
    assert _site_files(base / "inc") == _site_files(base / "fresh")


def test_broken_links_are_reported_against_their_source(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    book = books.make_book(tmp_path / "src")
    book.pages[1].body_html += ('<p><a href="../../labs/roofline.html">lab</a> '
                                '<a href="memory.html#sec-nowhere">gone</a> '
                                '<a href="https://example.org/">fine</a></p>')
    report = build(out, book).report
    messages = sorted(p.message for p in report.problems)
    assert messages == ["broken link to ../../labs/roofline.html",
                        "link to a missing anchor: memory.html#sec-nowhere"]
    assert all(p.file == book.pages[1].source and p.severity == "warning"
               for p in report.problems)


def test_strict_site_build_fails_on_a_broken_link_and_keeps_the_old_site(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    build(out)
    before = _site_files(out)
    book = books.make_book(tmp_path / "src")
    book.pages[2].body_html += '<p><a href="nowhere.html">x</a></p>'
    with pytest.raises(BuildError) as err, SiteWriter(out, CONFIG, strict=True) as writer:
        writer.add_book(BookSection("vol1", book, prefix="book/", label="Volume I"))
    assert "broken link to nowhere.html" in str(err.value)
    assert _site_files(out) == before


def test_page_header_shows_subtitle_and_author(tmp_path: Path) -> None:
    """A chapter's own subtitle/author appear under its title; the book's home page shows the
    book's subtitle and author (the reader's first view of the book)."""
    book = books.make_book(tmp_path / "src")
    book.subtitle, book.author = "Volume one, on one machine", "The book's authors"
    memory = next(p for p in book.pages if p.href.endswith("memory.html"))
    memory.subtitle, memory.author = "Where the bytes live", "Ada Lovelace, Alan Turing"
    out = tmp_path / "_site"
    build(out, book)

    def header(name: str) -> str:
        html = (out / "book" / "vol1" / name).read_text("utf-8")
        return html[html.index('<header class="page-header">'):html.index("</header>",
                    html.index('<header class="page-header">'))]

    home = header("index.html")
    # the book's title over the home page's own, so its subtitle reads as the book's
    assert '<p class="eyebrow" data-pagefind-ignore>Test Book</p>' in home
    assert '<p class="subtitle">Volume one, on one machine</p>' in home
    assert "The book&#39;s authors</p>" in home
    chapter = header("memory.html")
    assert '<p class="subtitle">Where the bytes live</p>' in chapter
    assert '<p class="byline" data-pagefind-ignore>Ada Lovelace, Alan Turing</p>' in chapter
    other = header("training.html")  # no subtitle/author of its own: none borrowed
    assert "subtitle" not in other and "byline" not in other and "Test Book" not in other


class DrawerLinks(HTMLParser):
    """The menu button's target (its aria-controls) and the data-site-path links inside it."""

    VOID = {"img", "br", "hr", "meta", "link", "input", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.controls: str | None = None
        self.found_target = False
        self.links: list[str] = []
        self._depth = 0  # > 0 while inside the target element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "drawer-toggle" in (a.get("class") or "").split():
            self.controls = a.get("aria-controls")
        if self._depth:
            if tag not in self.VOID:
                self._depth += 1
            if tag == "a" and a.get("data-site-path"):
                self.links.append(a["data-site-path"])
        elif self.controls and a.get("id") == self.controls:
            self.found_target = True
            self._depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag not in self.VOID:
            self._depth -= 1


def test_every_page_type_has_a_menu_drawer_listing_the_navbar_menus(tmp_path: Path) -> None:
    """Below 900 px the navbar menus are hidden, so each kind of page (chapter, landing, labs
    index, simple page, 404) needs a menu button whose drawer links to every menu entry."""
    config = SiteConfig(title="C", menus=[
        NavMenu("Read", [NavLink("Volume I", "book/vol1/index.html")]),
        NavMenu("Build", [NavLink("Labs", "labs/index.html")]),
        NavMenu("Teach", [NavLink("Slides", "book/vol1/memory.html")]),
    ])
    out = tmp_path / "_site"
    with SiteWriter(out, config) as writer:
        writer.add_book(BookSection("vol1", books.make_book(tmp_path / "src"), prefix="book/",
                                    label="Volume I"))
        writer.add_landing([])
        writer.add_labs_index("labs/index.html", "Labs", None, [], {}, "labs")
    wanted = ["book/vol1/index.html", "labs/index.html", "book/vol1/memory.html"]
    for page in ("index.html", "labs/index.html", "404.html", "book/vol1/memory.html"):
        p = DrawerLinks()
        p.feed((out / page).read_text("utf-8"))
        assert p.controls, f"{page} has no menu button"
        assert p.found_target, f"{page}: the menu button controls #{p.controls}, which is missing"
        assert all(href in p.links for href in wanted), f"{page}: the drawer lists {p.links}"


def test_svg_figures_are_themed_once_and_again_only_when_they_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlsys.site.staging as staging

    svg = tmp_path / "fig.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><path fill="#000000"/></svg>')
    book = books.make_book(tmp_path / "src")
    book.resources["figures/fig.svg"] = svg  # hrefs are relative to the volume
    out = tmp_path / "_site"
    build(out, book)
    written = out / "book/figures/fig.svg"
    assert "prefers-color-scheme: dark" in written.read_text()
    themed: list[str] = []
    real = staging.theme_svg
    monkeypatch.setattr(staging, "theme_svg", lambda text: themed.append(text) or real(text))
    again = build(out, book).report
    assert themed == [] and again.written == []  # unchanged: not even read
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"><path fill="#ff0000"/></svg>')
    edited = build(out, book).report
    assert len(themed) == 1 and edited.written == ["book/figures/fig.svg"]
    assert '[fill="#ff0000" i]' in written.read_text()
