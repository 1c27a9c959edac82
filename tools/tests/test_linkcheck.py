"""The whole-site link check that `mlsys publish` and `mlsys test book` rely on."""

from __future__ import annotations

from pathlib import Path

from mlsys.linkcheck import check_site


def write(site: Path, rel: str, body: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><html><body>\n{body}\n</body></html>\n")


# Good links of every kind pass: files, folders (their index.html), anchors, assets, external.
def test_a_sound_site_has_no_broken_link(tmp_path: Path) -> None:
    write(tmp_path, "index.html", '<a href="book/ch.html#sec-a">a</a> <a href="book/">b</a>\n'
          '<img src="img/x.png"> <a href="https://example.org/nowhere">ext</a> '
          '<a href="#top">top</a> <a href="mailto:a@b.c">m</a><p id="top"></p>')
    write(tmp_path, "book/ch.html", '<h2 id="sec-a">A</h2><a href="../index.html">home</a>')
    write(tmp_path, "book/index.html", "<p>book</p>")
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "x.png").write_bytes(b"png")
    assert check_site(tmp_path) == []


# A missing page, a missing anchor and a link out of the site are each reported with the
# page and line that hold them.
def test_broken_links_and_anchors_are_reported_with_page_and_line(tmp_path: Path) -> None:
    write(tmp_path, "index.html", '<a href="book/ch.html">ok</a>\n'
          '<a href="book/gone.html">gone</a>\n<a href="book/ch.html#sec-zz">anchor</a>\n'
          '<a href="../../outside.html">out</a>')
    write(tmp_path, "book/ch.html", '<h2 id="sec-a">A</h2>')
    found = [str(b) for b in check_site(tmp_path)]
    assert found == [
        "index.html:3: error: broken link: book/gone.html",
        "index.html:4: error: missing anchor: book/ch.html#sec-zz",
        "index.html:5: error: link leaves the site: ../../outside.html",
    ]


# The 404 page is served at any depth, so its links are not relative to its folder.
def test_the_404_page_and_the_search_bundle_are_not_checked(tmp_path: Path) -> None:
    write(tmp_path, "404.html", '<a href="nowhere.html">x</a>')
    write(tmp_path, "pagefind/x.html", '<a href="nowhere.html">x</a>')
    assert check_site(tmp_path) == []
