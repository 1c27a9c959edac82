"""Constructs a real public Quarto book's setup leans on, each in a small fixture of our own.

Found by building a public textbook end to end: its HTML config is a *website* project (the
sidebar is the reading order), its filters are `org/name` extensions that read
`PANDOC_STATE.output_file` and expect metadata as Markdown inlines, its custom blocks draw
their own `<details>` boxes, its TikZ preamble lives under `diagram: engine: tikz:` and it
names `metadata-files:`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mlsys.filters import tikz
from mlsys.model import BuildError
from mlsys.pipeline import render_book
from mlsys.project import load_project

WEBSITE = """\
project:
  type: website
  render:
    - index.qmd
    - parts/alpha.qmd
    - parts/beta.qmd
website:
  title: "Pocket Site"
  sidebar:
    - contents:
        - href: index.qmd
          text: Home
        - section: "Getting Going"
          contents:
            - href: parts/alpha.qmd
            - parts/beta.qmd
        - section: "Later On"
          contents:
            - href: parts/gamma.qmd
        - text: "---"
        - href: https://example.org/elsewhere
          text: Elsewhere
"""

PAGES = {
    "index.qmd": "# Welcome {.unnumbered}\n\nStart here.\n",
    "parts/alpha.qmd": "# Alpha {#sec-alpha}\n\n![A square.](sq.svg){#fig-square}\n\n"
                       "See @fig-square and @sec-beta.\n",
    "parts/beta.qmd": "# Beta {#sec-beta}\n\n![A dot.](dot.svg){#fig-dot}\n\nBack to @sec-alpha.\n",
    "parts/gamma.qmd": "# Gamma\n\nNot rendered this time.\n",
    "parts/sq.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
    "parts/dot.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>',
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _page(book, href: str) -> str:
    return next(p.body_html for p in book.pages if p.href == href)


def test_website_sidebar_is_the_reading_order(tmp_path: Path) -> None:
    # sections become parts, pages get no chapter numbers, render: leaves gamma out
    root = _write(tmp_path, {"_quarto.yml": WEBSITE, **PAGES})
    project = load_project(root)
    assert [(c.rel, c.part, c.number) for c in project.chapters] == [
        ("index.qmd", None, None),
        ("parts/alpha.qmd", "Getting Going", None),
        ("parts/beta.qmd", "Getting Going", None)]
    assert project.title == "Pocket Site"


def test_website_numbers_figures_per_page_and_links_pages(tmp_path: Path) -> None:
    root = _write(tmp_path, {"_quarto.yml": WEBSITE, **PAGES})
    book = render_book(root, cache_dir=root / ".cache")
    beta = _page(book, "parts/beta.html")
    assert '<span class="float-prefix">Figure 1:</span> A dot.' in beta  # not "Figure 2.1"
    alpha = _page(book, "parts/alpha.html")
    assert '<a href="#fig-square" class="quarto-xref">Figure 1</a>' in alpha
    assert '<a href="beta.html" class="quarto-xref">Beta</a>' in alpha  # a page, by title


def test_website_warns_about_what_its_sidebar_cannot_show(tmp_path: Path) -> None:
    root = _write(tmp_path, {"_quarto.yml": WEBSITE, **PAGES})
    book = render_book(root, cache_dir=root / ".cache")
    lines = WEBSITE.splitlines()
    found = {(p.message.split(":")[0], p.line) for p in book.problems}
    assert ("external sidebar link not shown", lines.index(
        "        - href: https://example.org/elsewhere") + 1) in found
    skipped = next(p for p in book.problems if "not in 'project: render:'" in p.message)
    assert skipped.message.startswith("1 sidebar page(s)") and "parts/gamma.qmd" in skipped.message
    assert skipped.line == lines.index("            - href: parts/gamma.qmd") + 1
    # the index's own sidebar label is not what the sidebar shows: said, at its line
    label = next(p for p in book.problems if p.message.startswith("sidebar text"))
    assert label.message == ("sidebar text 'Home' is not shown: the sidebar names index.qmd "
                             "by its title 'Welcome'")
    assert label.line == lines.index("        - href: index.qmd") + 1


def test_website_without_pages_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = _write(tmp_path, {"_quarto.yml": "project:\n  type: website\nwebsite:\n  title: X\n",
                             "index.qmd": "# X\n"})
    with pytest.raises(BuildError) as info:
        load_project(root)
    [problem] = info.value.problems
    assert "needs pages" in problem.message and problem.line == 3


BOOK = """\
project:
  type: book
book:
  title: "Filter Bench"
  chapters:
    - index.qmd
    - one.qmd
filters:
  - probe.lua
  - acme/boxes
box-label: "Check *this*"
"""

PROBE = """\
function Pandoc(doc)
  local label = doc.meta["box-label"]
  doc.blocks:insert(pandoc.Para({ pandoc.Str("probe: " .. PANDOC_STATE.output_file .. " / "
    .. pandoc.utils.type(label) .. " / " .. pandoc.utils.stringify(label)) }))
  return doc
end
"""

# An extension that draws `.callout-recap` divs as its own foldable box, as custom-block
# extensions do: a raw `<details>` opens the div's content and a raw `</details>` closes it.
BOXES = """\
function Div(div)
  if not div.classes:includes("callout-recap") then return nil end
  div.classes:insert(1, "callout")
  div.content:insert(1, pandoc.RawBlock("html",
    '<details class="callout-recap my-box"><summary>Recap</summary><div>'))
  div.content:insert(pandoc.RawBlock("html", "</div></details>"))
  return div
end
"""


def _filter_book(tmp_path: Path) -> Path:
    return _write(tmp_path, {
        "_quarto.yml": BOOK,
        "index.qmd": "# Front {.unnumbered}\n\nHello.\n",
        "one.qmd": "# One\n\n::: {.callout-recap #recap-one}\nRemember the ratio.\n:::\n",
        "probe.lua": PROBE,
        "_extensions/acme/boxes/_extension.yml":
            "title: Boxes\nversion: 1.0.0\ncontributes:\n  filters:\n    - boxes.lua\n",
        "_extensions/acme/boxes/boxes.lua": BOXES,
    })


def test_filters_see_the_page_name_and_markdown_metadata(tmp_path: Path) -> None:
    # Quarto gives filters the output file and YAML text as Inlines (parsed as Markdown)
    root = _filter_book(tmp_path)
    book = render_book(root, cache_dir=root / ".cache")
    assert "<p>probe: one.html / Inlines / Check this</p>" in _page(book, "one.html")


def test_extension_named_org_slash_name_runs(tmp_path: Path) -> None:
    root = _filter_book(tmp_path)
    book = render_book(root, cache_dir=root / ".cache")
    assert book.problems == []
    assert '<details class="callout-recap my-box">' in _page(book, "one.html")


def test_callout_a_filter_drew_is_not_framed_twice(tmp_path: Path) -> None:
    root = _filter_book(tmp_path)
    page = _page(render_book(root, cache_dir=root / ".cache"), "one.html")
    box = page[page.index('<div id="recap-one">'):]
    assert box.startswith('<div id="recap-one">\n<details class="callout-recap my-box">')
    assert "Remember the ratio." in box
    assert "callout-style-default" not in page and "callout-header" not in page


def test_a_project_problem_is_reported_once(tmp_path: Path) -> None:
    root = _filter_book(tmp_path)
    config = root / "_quarto.yml"
    config.write_text(config.read_text().replace("  - acme/boxes\n",
                                                 "  - acme/boxes\n  - acme/absent\n"))
    book = render_book(root, cache_dir=root / ".cache")
    absent = [p for p in book.problems if "acme/absent" in p.message]
    assert len(absent) == 1 and absent[0].line == 11  # two chapters, one warning


def test_metadata_files_are_merged_and_a_missing_one_warns(tmp_path: Path) -> None:
    root = _filter_book(tmp_path)
    config = root / "_quarto.yml"
    config.write_text(config.read_text() + "metadata-files:\n  - meta/extra.yml\n"
                      "  - meta/gone.yml\n")
    _write(root, {"meta/extra.yml": 'box-label: "Overridden"\nquiz-setting: 7\n'})
    book = render_book(root, cache_dir=root / ".cache")
    [gone] = book.problems
    assert gone.message.startswith("metadata file not found: meta/gone.yml")
    assert (gone.file, gone.line) == (config, 14)
    assert load_project(root).config["quiz-setting"] == 7
    # the project's own key wins over the metadata file's
    assert "Check this</p>" in _page(book, "one.html")


def test_diagram_extension_preamble_reaches_tikz(tmp_path: Path) -> None:
    config = {"diagram": {"engine": {"tikz": {"header-includes": [
        "\\usetikzlibrary{calc}", "\\definecolor{Moss}{RGB}{80,110,40}"]}}}}
    pre = tikz.tikz_preamble(tmp_path, config, tmp_path / "x.qmd", "")
    assert "\\usetikzlibrary{calc}" in pre and "\\definecolor{Moss}{RGB}{80,110,40}" in pre


@pytest.mark.skipif(not tikz.latex_available(), reason="latex and dvisvgm are missing")
def test_tikz_figure_using_the_diagram_preamble_is_drawn(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "_quarto.yml": "project:\n  type: book\nbook:\n  chapters:\n    - index.qmd\n"
                       "diagram:\n  engine:\n    tikz:\n      header-includes:\n"
                       "        - '\\definecolor{Moss}{RGB}{80,110,40}'\n"
                       "        - '\\usetikzlibrary{calc}'\n",
        "index.qmd": "# Pictures\n\n::: {#fig-moss}\n```{.tikz}\n\\begin{tikzpicture}\n"
                     "\\draw[fill=Moss] (0,0) rectangle ($(1,1)+(0.5,0)$);\n"
                     "\\end{tikzpicture}\n```\nA mossy box.\n:::\n"})
    book = render_book(root, cache_dir=root / ".cache")
    page = _page(book, "index.html")
    assert book.problems == []
    src = re.search(r'<img src="(_tikz/[0-9a-f]+\.svg)" class="img-fluid tikz"', page)
    assert src and book.resources[src.group(1)].is_file()
    assert '<span class="float-prefix">Figure 1:</span> A mossy box.' in page


def test_a_footnote_nothing_cites_is_a_warning_at_its_line(tmp_path: Path) -> None:
    chapter = ("# Notes\n\nA claim[^fn-cited]: with a colon after it.\n\n"
               "[^fn-cited]: Shown.\n\n[^fn-orphan]: Never cited.\n\n"
               "```\n[^fn-in-code]: not a note\n```\n")
    root = _write(tmp_path, {
        "_quarto.yml": "project:\n  type: book\nbook:\n  chapters:\n    - index.qmd\n",
        "index.qmd": chapter})
    book = render_book(root, cache_dir=root / ".cache")
    assert [(p.message, p.line) for p in book.problems] == [
        ("footnote [^fn-orphan] is defined but never cited, so it is not shown", 7)]
    assert "Shown." in _page(book, "index.html")


def test_citeproc_true_is_quiet_and_false_is_a_warning(tmp_path: Path) -> None:
    # citations are always processed: asking for that is not an ignored option
    base = "project:\n  type: book\nbook:\n  chapters:\n    - index.qmd\nformat:\n  html:\n"
    for value, warned in (("true", False), ("false", True)):
        root = _write(tmp_path / value, {"_quarto.yml": f"{base}    citeproc: {value}\n",
                                         "index.qmd": "# Only\n"})
        problems = render_book(root, cache_dir=root / ".cache").problems
        assert any("'format.html.citeproc'" in p.message for p in problems) == warned


@pytest.mark.skipif(not tikz.latex_available(), reason="latex and dvisvgm are missing")
def test_tikz_error_is_located_in_the_picture_that_failed(tmp_path: Path) -> None:
    # both pictures open with the same lines; only the second one is broken
    def picture(label: str, body: str) -> str:
        return (f"::: {{#fig-{label}}}\n```{{.tikz}}\n\\scalebox{{0.8}}{{%\n"
                f"\\begin{{tikzpicture}}\n{body}\n\\end{{tikzpicture}}}}\n```\n"
                f"Picture {label}.\n:::\n\n")
    text = ("# Two pictures\n\n" + picture("good", "\\draw (0,0) -- (1,1);")
            + picture("bad", "\\draw (0,0) -- (2,0);\n\\node {\\nosuchmacro};"))
    root = _write(tmp_path, {
        "_quarto.yml": "project:\n  type: book\nbook:\n  chapters:\n    - index.qmd\n",
        "index.qmd": text})
    with pytest.raises(BuildError) as info:
        render_book(root, cache_dir=root / ".cache")
    [problem] = info.value.problems
    start = text.splitlines().index("::: {#fig-bad}") + 1
    assert "Undefined control sequence" in problem.message
    assert start < problem.line <= start + 8  # inside the bad picture, not the good one
