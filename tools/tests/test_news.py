"""News: dated posts and contributors.yml become site pages and an Atom feed (RFC 4287)."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from mlsys.cli import main
from mlsys.news import atom_feed, load_posts

FIXTURE = Path(__file__).parent / "fixtures" / "site_repo"
REPO = Path(__file__).resolve().parents[2]
A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
NEWS_ENTRY = ("  - id: news\n    title: News\n    kind: quarto\n    path: news\n"
              "    url: news/\n    nav: Read\n    generate: \"mlsys.news:generate\"\n")


def post(title: str, date: str, body: str = "Some text.\n", **extra: str) -> str:
    meta = {"title": title, "date": date, "author": "Ada", "summary": f"About {title}."}
    meta.update(extra)
    front = "".join(f"{k}: \"{v}\"\n" if k != "date" else f"{k}: {v}\n" for k, v in meta.items())
    return f"---\n{front}---\n\n{body}"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    news = root / "news"
    news.mkdir()
    (news / "2026-01-02-first.md").write_text(post("First & foremost", "2026-01-02"))
    (news / "2026-03-04-second.md").write_text(
        post("Second", "2026-03-04", "See [the first](2026-01-02-first.qmd).\n\n## Detail\n"))
    (root / "contributors.yml").write_text(
        "- name: Ada Lovelace\n  role: Author\n  parts: [book, news]\n"
        "- name: Alan Turing\n  role: Reviewer\n  parts: [book]\n")
    cur = root / "curriculum.yml"
    cur.write_text(cur.read_text().replace("parts:\n", "site-url: https://example.org/mls/\nparts:\n")
                   + NEWS_ENTRY)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def assert_rfc4287(xml: str) -> ET.Element:
    """The MUSTs of RFC 4287 sections 4.1.1-4.2 that a feed of ours can break."""
    feed = ET.fromstring(xml)
    assert feed.tag == f"{A}feed"

    def one(el: ET.Element, name: str) -> str:
        found = el.findall(f"{A}{name}")
        assert len(found) == 1, f"exactly one atom:{name} in {el.tag}"
        return found[0].text or ""

    def check_common(el: ET.Element) -> None:
        assert re.match(r"^[a-z][a-z0-9+.-]*:", one(el, "id")), "atom:id is an absolute IRI"
        assert one(el, "title").strip()
        assert RFC3339.match(one(el, "updated")), "atom:updated is an RFC 3339 date-time"
        for link in el.findall(f"{A}link"):
            assert link.get("href"), "atom:link has an href"
        for author in el.findall(f"{A}author"):
            assert (author.findtext(f"{A}name") or "").strip(), "atom:author has a name"

    check_common(feed)
    entries = feed.findall(f"{A}entry")
    feed_has_author = bool(feed.findall(f"{A}author"))
    assert any(link.get("rel") == "self" for link in feed.findall(f"{A}link"))
    ids = [e.findtext(f"{A}id") for e in entries]
    assert len(set(ids)) == len(ids), "entry ids are unique"
    for e in entries:
        check_common(e)
        assert feed_has_author or e.findall(f"{A}author")
        content = e.find(f"{A}content")
        alternates = [lk for lk in e.findall(f"{A}link") if lk.get("rel", "alternate") ==
                      "alternate"]
        assert content is not None or alternates, "content or an alternate link"
        if content is not None and content.get("src"):
            assert e.find(f"{A}summary") is not None
    return feed


# The feed passes the RFC's MUSTs and feedparser reads it as Atom 1.0 without complaint.
def test_the_feed_is_valid_atom_with_absolute_links(repo: Path) -> None:
    xml = atom_feed(load_posts(repo), title="Tiny & co", site_url="https://example.org/mls/")
    feed = assert_rfc4287(xml)
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Second", "First & foremost"]  # newest first
    assert parsed.entries[0].link == "https://example.org/mls/news/2026-03-04-second.html"
    assert parsed.feed.updated == "2026-03-04T00:00:00Z"
    html = parsed.entries[0].content[0].value
    assert 'href="https://example.org/mls/news/2026-01-02-first.html"' in html
    self_link = [lk for lk in feed.findall(f"{A}link") if lk.get("rel") == "self"][0]
    assert self_link.get("href") == "https://example.org/mls/news/feed.xml"


# An entry's id is derived from its file, so moving the site never re-announces old posts.
def test_entry_ids_do_not_depend_on_the_site_address(repo: Path) -> None:
    posts = load_posts(repo)
    a = feedparser.parse(atom_feed(posts, title="T", site_url="https://a.example/"))
    b = feedparser.parse(atom_feed(posts, title="T", site_url=None))
    assert [e.id for e in a.entries] == [e.id for e in b.entries]
    assert all(e.id.startswith("urn:uuid:") for e in a.entries)
    assert b.entries[0].link.endswith("2026-03-04-second.html")


# The news part builds into the site frame: index, one page per post, subscribe, contributors,
# and the feed beside them.
def test_the_news_part_builds_pages_and_the_feed(repo: Path) -> None:
    code, out = run("build", "news")
    assert code == 0, out
    site = repo / "_site" / "news"
    index = (site / "index.html").read_text()
    assert 'href="2026-03-04-second.html"' in index and 'href="feed.xml"' in index
    assert index.index("Second") < index.index("First &amp; foremost")
    assert_rfc4287((site / "feed.xml").read_text())
    sub = (site / "subscribe.html").read_text()
    assert "https://example.org/mls/news/feed.xml" in sub and "<script src=\"http" not in sub
    people = (site / "contributors.html").read_text()
    assert "Ada Lovelace" in people and "Reviewer" in people
    page = (site / "2026-01-02-first.html").read_text()
    assert '<nav class="menus" aria-label="Site">' in page and "data-pagefind-body" in page


# A post whose front matter lacks a field, or whose date disagrees with its file name, stops
# the build with the post's file and line.
@pytest.mark.parametrize(("name", "text", "message"), [
    ("2026-05-06-x.md", "---\ntitle: X\ndate: 2026-05-06\n---\nbody\n",
     "2026-05-06-x.md:1: error: front matter is missing author, summary"),
    ("2026-05-06-y.md", post("Y", "2026-05-07"),
     "2026-05-06-y.md:3: error: date must be the file name's date 2026-05-06"),
    ("may-post.md", post("Z", "2026-05-06"), "may-post.md:1: error: a post's file name must be"),
], ids=["missing-fields", "wrong-date", "bad-name"])
def test_a_bad_post_stops_the_build_with_file_and_line(repo: Path, name: str, text: str,
                                                       message: str) -> None:
    (repo / "news" / name).write_text(text)
    code, out = run("build", "news")
    assert code == 1
    assert message in out


# A contributor without parts is an error on that entry's line.
def test_a_bad_contributor_names_its_line(repo: Path) -> None:
    with (repo / "contributors.yml").open("a") as f:
        f.write("- name: Grace Hopper\n  role: Editor\n")
    code, out = run("build", "news")
    assert code == 1
    assert "contributors.yml:7: error: each contributor needs name, role and a non-empty " \
        "list of parts" in out


# The repository's own posts and contributors load, and their feed is valid.
def test_the_repository_news_is_valid() -> None:
    posts = load_posts(REPO)
    assert len(posts) >= 2
    assert_rfc4287(atom_feed(posts, title="ML Systems", site_url="https://example.org/"))


# A part whose build needs a system tool that is missing is left out of `mlsys build` with a
# note naming the Debian package, and `mlsys build PART` says why it cannot.
def test_a_part_needing_a_missing_tool_is_skipped_with_a_note(repo: Path) -> None:
    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text() + "    needs: {no-such-tool-9a: texlive-fake-9a}\n")
    line = cur.read_text().splitlines().index("  - id: news") + 1
    code, out = run("build")
    assert code == 0, out
    assert (f"curriculum.yml:{line}: warning: part 'news' skipped: no-such-tool-9a not found "
            "(apt-get install texlive-fake-9a)") in out
    assert not (repo / "_site" / "news").exists() and (repo / "_site" / "index.html").is_file()
    code, out = run("build", "news")
    assert code == 1 and "apt-get install texlive-fake-9a" in out
