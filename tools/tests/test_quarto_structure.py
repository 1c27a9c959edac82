"""Quarto's documented constructs, rendered as Quarto documents them.

The fixture `fixtures/quarto_docs` holds one chapter per topic of Quarto's guides
(cross-references, floats, callouts, code cells, conditional content, tables, images), written
for these tests. Each test checks the HTML elements and classes Quarto's documentation shows
for the construct, so stylesheets and scripts written for Quarto's pages find them in ours.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from mlsys.model import RenderedBook
from mlsys.parse import parse_markdown, run_pandoc
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "quarto_docs"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RenderedBook:
    root = tmp_path_factory.mktemp("quarto") / "book"
    shutil.copytree(FIXTURE, root)
    return render_book(root, cache_dir=root.parent / "cache")


def html(book: RenderedBook, href: str) -> str:
    return next(p.body_html for p in book.pages if p.href == href)


def test_the_only_problem_is_the_malformed_attribute(book: RenderedBook) -> None:
    # Every construct is supported: nothing unresolved, nothing unknown.
    assert [(p.file.name, p.line, p.severity) for p in book.problems] == [
        ("content.qmd", 62, "warning")]
    assert "malformed attribute {#sec-broken key= value}" in book.problems[0].message


def test_figure_is_a_quarto_float(book: RenderedBook) -> None:
    # Quarto: div#fig-x.quarto-float > figure.quarto-float-fig > img.img-fluid + figcaption.
    page = html(book, "structure.html")
    assert re.search(
        r'<div id="fig-elephant" class="quarto-float quarto-figure quarto-figure-center '
        r'anchored">\s*<figure class="quarto-float quarto-float-fig figure">\s*'
        r'<img src="images/elephant.svg" class="img-fluid figure-img"[^>]*>\s*'
        r'<figcaption class="quarto-float-caption-bottom quarto-float-caption quarto-float-fig"'
        r' id="fig-elephant-caption">\s*<span class="float-prefix">Figure 1.1:</span> An '
        r"elephant drawn in three boxes\s*</figcaption>\s*</figure>\s*</div>", page)
    assert '<a href="#fig-elephant" class="quarto-xref">Figure 1.1</a>' in page


def test_subfloats_are_lettered_panels(book: RenderedBook) -> None:
    page = html(book, "structure.html")
    herd = page.split('<div id="fig-herd"')[1].split('id="fig-herd-caption"')[0]
    assert herd.count('class="quarto-float quarto-subfloat-fig figure"') == 2
    assert re.search(r'<figcaption class="quarto-float-caption-bottom quarto-subfloat-caption '
                     r'quarto-subfloat-fig" id="fig-abbas-caption">\s*<span class="float-prefix">'
                     r"\(b\)</span> Abbas", herd)
    assert '<a href="#fig-abbas" class="quarto-xref">Figure 1.2(b)</a>' in page


def test_table_float_has_its_caption_on_top(book: RenderedBook) -> None:
    page = html(book, "structure.html")
    assert re.search(r'<figure class="quarto-float quarto-float-tbl figure">\s*<figcaption '
                     r'class="quarto-float-caption-top quarto-float-caption quarto-float-tbl" '
                     r'id="tbl-pipe-caption">.*?</figcaption>\s*<table class="table">',
                     page, re.DOTALL)


def test_callouts_have_quarto_containers(book: RenderedBook) -> None:
    page = html(book, "structure.html")
    assert re.search(r'<div class="callout callout-style-default callout-note callout-titled">'
                     r'\s*<div class="callout-header d-flex align-content-center">\s*'
                     r'<span class="callout-icon-container"[^>]*><span class="callout-icon">'
                     r'<svg.*?</span></span> <span class="callout-title-container flex-fill '
                     r'callout-title">Note</span>\s*</div>\s*<div class="callout-body-container '
                     r'callout-body">\s*<p>Note that there are five types', page, re.DOTALL)
    assert 'callout-title">Tip with a title</span>' in page
    # collapse="true": closed until the reader opens it, with the heading as its title
    assert re.search(r'<details class="callout callout-style-default callout-caution '
                     r'callout-titled">\s*<summary class="callout-header">.*?Expand to learn '
                     r"more</span>\s*</summary>", page, re.DOTALL)


def test_footnotes_and_numbered_equations(book: RenderedBook) -> None:
    page = html(book, "structure.html")
    assert re.search(r'<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref">'
                     r"<sup>1</sup></a>", page)
    assert '<section id="footnotes" class="footnotes footnotes-end-of-document"' in page
    # Quarto's form: span#eq-x > span.math.display, the number as \tag{} in the TeX (which
    # MathJax draws; pandoc's MathML does not, so it is also shown beside the math)
    assert re.search(r'<span id="eq-energy" class="display-equation"><span class="math display">'
                     r'<math display="block"[^>]*>.*?<annotation encoding="application/x-tex" '
                     r'data-pagefind-ignore>[^<]*\\tag\{1\.1\}</annotation></semantics></math>'
                     r'</span><span class="eq-number">\(1.1\)</span></span>', page, re.DOTALL)
    assert '<a href="#eq-energy" class="quarto-xref">Equation 1.1</a>' in page


def test_every_labelled_form_is_indexed(book: RenderedBook) -> None:
    page = html(book, "labels.html")
    assert "?@" not in page
    refs = dict(re.findall(r'<a href="#([\w-]+)" class="quarto-xref">([^<]+)</a>', page))
    assert refs == {
        "eq-pythagoras": "Equation 2.1",  # $$ ... $$ {#eq-x .class}
        "fig-linked": "Figure 2.1",  # [![...](...){#fig-x}](url)
        "tbl-fruit": "Table 2.1",  # : caption {#tbl-x tbl-colwidths="..."}
        "tbl-panel": "Table 2.2",  # ::: {#tbl-x tbl-cap="..."}
        "lst-square": "Listing 2.1",  # #| lst-label / #| lst-cap on a cell
        "fig-pair": "Figure 2.2",
        "fig-pair-1": "Figure 2.2(a)",  # fig-subcap panels get Quarto's sub-ids
        "fig-pair-2": "Figure 2.2(b)",
    }
    assert re.search(r'<div id="fig-linked"[^>]*>\s*<figure[^>]*>\s*<a href="https://quarto.org">'
                     r'<img src="images/elephant.svg" class="img-fluid figure-img"', page)
    assert '<col style="width: 75%" />' in page and '<col style="width: 25%" />' in page
    assert '<span class="float-prefix">Listing 2.1:</span> Squaring a number' in page
    assert '<span class="float-prefix">(a)</span> Rising' in page
    assert '<span class="float-prefix">(b)</span> Falling' in page
    assert 'class="float-body float-layout quarto-layout-panel" style="--layout-ncol: 2"' in page


def test_code_cells_fold_and_show_their_outputs(book: RenderedBook) -> None:
    page = html(book, "code.html")
    cells = page.split('<div class="cell">')[1:]
    assert len(cells) == 5
    assert re.search(r'^\s*<details class="code-fold">\s*<summary>Show the code</summary>\s*'
                     r'<div class="sourceCode cell-code" id="cb\d+"><pre class="sourceCode python">'
                     r'.*?</details>\s*<div class="cell-output cell-output-stdout">\s*<pre><code>10'
                     r"</code></pre>", cells[0], re.DOTALL)
    assert re.search(r'^\s*<details class="code-fold" open>\s*<summary>Code</summary>', cells[1])
    # echo: fenced shows the cell as written: its fence and options, then the output
    fenced = re.sub(r"<[^>]+>", "", cells[2])
    assert "```{python}\n#| echo: fenced\n1 + 1\n```" in fenced
    assert '<pre class="sourceCode markdown">' in cells[2]
    assert '<div class="cell-output cell-output-display">' in cells[2]


def test_conditional_content_in_html(book: RenderedBook) -> None:
    page = html(book, "content.html")
    for shown in ("Shown where HTML runs scripts.", "Hidden unless HTML.",
                  "Written for a known audience.", "visible code"):
        assert shown in page, shown
    for hidden in ("Only in the e-book.", "Only in slides.", "Only on paper.",
                   "Never shown", "Hidden unless printed.", "hidden code"):
        assert hidden not in page, hidden
    assert "content-visible" not in page and "when-format" not in page


@pytest.mark.parametrize(("target", "shown", "hidden"), [
    ("epub", ["Only in the e-book.", "Hidden unless HTML."],
     ["Shown where HTML runs scripts.", "Only on paper.", "Only in slides."]),
    ("pdf", ["Only on paper."],
     ["Only in the e-book.", "Shown where HTML runs scripts.", "Hidden unless HTML."]),
], ids=["epub", "pdf"])
def test_conditional_content_in_the_book_exports(target: str, shown: list[str],
                                                 hidden: list[str]) -> None:
    source = (FIXTURE / "content.qmd").read_text()
    ast, _ = parse_markdown(source, target=target)
    text = run_pandoc(["-f", "json", "-t", "plain"], json.dumps(ast))
    text = " ".join(text.split())
    for s in shown:
        assert s in text, (target, s)
    for s in hidden:
        assert s not in text, (target, s)


def test_list_table_becomes_a_table(book: RenderedBook) -> None:
    page = html(book, "content.html")
    m = re.search(r"<table[^>]*>\s*<caption>Fruit list table</caption>(.*?)</table>", page,
                  re.DOTALL)
    assert m, "the .list-table div is not a table"
    table = m.group(1)
    assert '<col style="width: 30%" />' in table and '<col style="width: 70%" />' in table
    assert re.search(r'<thead>\s*<tr>\s*<th style="text-align: left;">Fruit</th>\s*'
                     r'<th style="text-align: right;">Price</th>', table)
    assert table.count("<tr>") == 3
    assert '<td style="text-align: right;">1.37</td>' in table


def test_unreadable_list_table_is_a_warning_at_its_line(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    (root / "_quarto.yml").write_text("project:\n  type: book\nbook:\n  title: T\n"
                                      "  chapters:\n    - index.qmd\n")
    (root / "index.qmd").write_text("# Home\n\n::: {.list-table}\n- just\n- items\n:::\n")
    book = render_book(root, cache_dir=tmp_path / "c")
    assert [(p.file.name, p.line, p.severity) for p in book.problems] == [
        ("index.qmd", 3, "warning")]
    assert ".list-table div is not one bullet list of bullet lists" in book.problems[0].message


def test_image_dimensions_survive(book: RenderedBook) -> None:
    page = html(book, "content.html")
    assert re.search(r'<img src="images/elephant.svg" class="img-fluid figure-img" width="300" '
                     r'height="180"', page)
    assert re.search(r'<img src="images/elephant.svg" class="img-fluid figure-img" '
                     r'style="width:50.0%"', page)
    # A retina image from a cell: 400 x 200 pixels, shown at 200 x 100 as the kernel said.
    code = html(book, "code.html")
    m = re.search(r'<img src="(figures/code/fig-retina-1.png)" class="img-fluid figure-img" '
                  r'width="200" height="100"', code)
    assert m
    png = book.resources[m.group(1)].read_bytes()
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (400, 200)
    # A cell's own fig-width: 4 / fig-height: 2 (inches; matplotlib trims the margins a bit).
    svg = book.resources["figures/code/fig-sized-1.svg"].read_text()
    width, height = (float(x) for x in re.search(
        r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert 3 * 72 < width <= 4 * 72 and 1.5 * 72 < height <= 2 * 72


def test_malformed_attribute_keeps_its_id(book: RenderedBook) -> None:
    page = html(book, "content.html")
    assert re.search(r'<h2 [^>]*id="sec-broken"[^>]*>.*?A heading with a broken attribute</h2>', page)
    assert '<a href="#sec-broken" class="quarto-xref">Section 4.1</a>' in page
    assert "{#sec-broken" not in page


CROSSREF = """\
crossref:
  labels: roman I
  fig-labels: alpha x
  tbl-labels: alpha A
  subref-labels: roman i
  title-delim: "—"
  fig-prefix: F.
  tbl-prefix: T.
  eq-prefix: Eq.
"""


def test_crossref_options(tmp_path: Path) -> None:
    # Quarto's crossref options: letters and roman numerals (`labels` for every kind not set
    # on its own), delimiter, reference prefixes.
    root = tmp_path / "b"
    (root / "images").mkdir(parents=True)
    shutil.copy(FIXTURE / "images" / "elephant.svg", root / "images")
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: T\n  chapters:\n    - index.qmd\n"
        "    - one.qmd\n" + CROSSREF)
    (root / "index.qmd").write_text("# Home {.unnumbered}\n\nHi.\n")
    (root / "one.qmd").write_text(textwrap.dedent("""\
        # One

        ![Elephant](images/elephant.svg){#fig-elephant}

        | A | B |
        |---|---|
        | 1 | 2 |

        : Letters {#tbl-letters}

        ::: {#fig-elephants layout-ncol="2"}
        ![Surus](images/elephant.svg){#fig-surus}

        ![Abbas](images/elephant.svg){#fig-abbas}

        Famous elephants
        :::

        $$
        x = 1
        $$ {#eq-one}

        See @fig-elephant, @tbl-letters, @fig-elephants, @fig-abbas and @eq-one.
        """))
    book = render_book(root, cache_dir=tmp_path / "c")
    page = html(book, "one.html")
    assert '<span class="float-prefix">Figure 1.x—</span> Elephant' in page
    assert '<span class="float-prefix">Table 1.A—</span> Letters' in page
    assert '<span class="float-prefix">Figure 1.y—</span> Famous elephants' in page
    assert '<span class="float-prefix">(ii)</span> Abbas' in page
    refs = re.findall(r'class="quarto-xref">([^<]+)</a>', page)
    assert refs == ["F. 1.x", "T. 1.A", "F. 1.y", "F. 1.y(ii)", "Eq. 1.I"]


def test_an_equals_sign_inside_a_quoted_value_is_not_malformed() -> None:
    # An alt text may say "t = 8"; only a loose `=` between a key and its value is repaired.
    from mlsys.filters.attr_repair import repair_attributes

    text = '![x](a.png){#fig-a fig-alt="tensor group t = 8, c = 16"}\n\n# H {#sec-h key= v}\n'
    fixed, repairs = repair_attributes(text)
    assert [r.line for r in repairs] == [3]
    assert 'fig-alt="tensor group t = 8, c = 16"' in fixed and "{#sec-h key=v}" in fixed
