"""End-to-end features of the renderer on the small `render_basic` fixture book."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from mlsys.model import BuildError, RenderedBook
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "render_basic"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RenderedBook:
    root = tmp_path_factory.mktemp("basic") / "book"
    shutil.copytree(FIXTURE, root)
    return render_book(root, cache_dir=root / ".cache")


def page(book: RenderedBook, href: str):
    return next(p for p in book.pages if p.href == href)


def test_pages_in_reading_order_with_kinds_and_numbers(book: RenderedBook) -> None:
    assert [(p.href, p.kind, p.number) for p in book.pages] == [
        ("index.html", "index", None),
        ("intro.html", "chapter", "1"),
        ("methods.html", "chapter", "2"),
        ("references.html", "references", None),
        ("extra.html", "appendix", "A"),
    ]
    assert [(g.title, g.kind, g.hrefs) for g in book.sidebar] == [
        (None, "top", ["index.html"]),
        ("Part One", "part", ["intro.html", "methods.html"]),
        (None, "top", ["references.html"]),
        ("Appendices", "appendices", ["extra.html"]),
    ]
    assert book.title == "Basic Fixture" and book.author == "Test Author"


def test_title_is_h1_with_number_and_body_has_no_h1(book: RenderedBook) -> None:
    intro = page(book, "intro.html")
    assert intro.title == "Introduction"
    assert intro.title_html == '<span class="chapter-number">1</span> Introduction'
    assert "<h1" not in intro.body_html
    methods = page(book, "methods.html")  # title from front matter
    assert methods.title == "Methods" and methods.description == "How we measure."
    assert page(book, "extra.html").title_html.startswith('<span class="chapter-number">A</span>')


def test_section_numbers_per_chapter_and_appendix_letters(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    assert '<span class="header-section-number">1.1</span> Background' in intro
    assert '<span class="header-section-number">1.1.1</span> Details' in intro
    assert re.search(r'<h2 class="unnumbered" id="not-numbered">Not numbered</h2>', intro)
    assert '<span class="header-section-number">A.1</span> Tables' in page(
        book, "extra.html").body_html


def test_toc_lists_headings_but_not_unlisted(book: RenderedBook) -> None:
    toc = page(book, "intro.html").toc
    assert [(t.level, t.id) for t in toc] == [(2, "sec-background"), (3, "details"),
                                              (2, "not-numbered"),
                                              (2, "chapter-references")]  # it cites
    assert toc[0].title_html == '<span class="header-section-number">1.1</span> Background'


def test_cross_references_resolve_within_and_across_chapters(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    assert '<a href="#fig-chart" class="quarto-xref">Figure 1.1</a>' in intro
    assert '<a href="#fig-chart" class="quarto-xref">1.1</a> alone' in intro  # [-@fig-chart]
    assert ('<a href="#fig-chart" class="quarto-xref">Figure 1.1</a>, '
            '<a href="#tbl-costs" class="quarto-xref">Table 1.1</a>') in intro
    assert '<a href="#fig-panels-a" class="quarto-xref">Figure 1.2(a)</a>' in intro
    assert '<a href="#eq-energy" class="quarto-xref">Equation 1.1</a>' in intro
    assert '<a href="#lst-loop" class="quarto-xref">Listing 1.1</a>' in intro
    methods = page(book, "methods.html").body_html
    for snippet in [
        '<a href="intro.html" class="quarto-xref">Chapter 1</a>',
        '<a href="intro.html#sec-background" class="quarto-xref">Section 1.1</a>',
        '<a href="intro.html#dfn-latency" class="quarto-xref">Definition 1.1</a>',
        '<a href="intro.html#vid-demo" class="quarto-xref">Video 1.1</a>',
        '<a href="intro.html#tbl-costs" class="quarto-xref">Table 1.1</a>',
        '<a href="extra.html" class="quarto-xref">Appendix A</a>',
    ]:
        assert snippet in methods
    assert '<a href="intro.html#sec-intro"' not in methods
    assert '<a href="#fig-app" class="quarto-xref">Figure A.1</a>' in page(book, "extra.html").body_html
    index = page(book, "index.html").body_html
    assert '<a href="methods.html#sec-methods" class="quarto-xref">Section 2.1</a>' in index


def test_unresolved_reference_is_visible_and_located(book: RenderedBook) -> None:
    methods = page(book, "methods.html").body_html
    assert '<span class="xref-missing">?@fig-missing</span>' in methods
    problems = [p for p in book.problems if "fig-missing" in p.message]
    assert len(problems) == 1
    assert problems[0].severity == "warning"
    assert problems[0].file.name == "methods.qmd" and problems[0].line == 9


def test_strict_turns_warnings_into_a_build_error(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    with pytest.raises(BuildError) as err:
        render_book(root, strict=True, cache_dir=tmp_path / "cache")
    messages = [str(p) for p in err.value.problems]
    assert any("methods.qmd:9" in m and "@fig-missing" in m for m in messages)
    assert any("methods.qmd:10" in m and "nosuchkey2020" in m for m in messages)


def test_floats_have_numbered_captions(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    assert re.search(r'<div id="fig-chart" class="quarto-float[^>]*>\s*<figure class="quarto-float '
                     r'quarto-float-fig figure">\s*<img src="images/chart.png" '
                     r'class="img-fluid figure-img" style="width:60.0%" '
                     r'alt="Bar chart of throughput" />', intro)
    assert '<span class="float-prefix">Figure 1.1:</span> A chart of throughput' in intro
    assert re.search(r'<div id="tbl-costs" class="quarto-float[^>]*>\s*<figure class="quarto-float '
                     r'quarto-float-tbl figure">\s*<figcaption[^>]*>\s*'
                     r'<span class="float-prefix">Table 1.1:</span> Costs per item\s*'
                     r'</figcaption>\s*<table class="table">', intro)
    assert '<span class="float-prefix">(a)</span> Left panel' in intro
    assert '<span class="float-prefix">Figure 1.2:</span> Two panels side by side' in intro
    assert 'style="--layout-ncol: 2"' in intro
    assert '<span class="float-prefix">Listing 1.1:</span> A simple loop' in intro
    assert '<span class="float-prefix">Video 1.1:</span> The demo video' in intro


def test_equation_is_mathml_with_number(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    m = re.search(r'<span id="eq-energy" class="display-equation"><span class="math display">'
                  r'<math display="block".*?\\tag\{1\.1\}</annotation>.*?'
                  r'<span class="eq-number">\(1\.1\)</span>', intro, re.DOTALL)
    assert m
    assert '<math display="inline"' in intro


def test_callouts(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    title = '<span class="callout-title-container flex-fill callout-title">'
    assert title + "Heads up</span>" in intro
    assert re.search(r'<details class="callout callout-style-default callout-tip[^"]*">\s*'
                     r'<summary class="callout-'
                     r'header">.*?Hidden tip', intro, re.DOTALL)
    assert "<h2" not in intro.split("Hidden tip")[0].rsplit("<details", 1)[1]
    assert title + "Definition 1.1: Latency</span>" in intro
    quiz = intro.split('callout-quiz')[1]
    assert title + "Self-check</span>" in quiz
    assert re.search(r"<details[^>]*>\s*<summary.*?Answer.*?</summary>.*?Four\.", quiz,
                     re.DOTALL)
    assert ".callout-definition { --callout-color: #2f6fb3; }" in book.css


def test_citations_and_reference_lists(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    assert 'Knuth (<a href="#ref-knuth1984" role="doc-biblioref">1984</a>)' in intro
    assert '<section class="chapter-references"' in intro
    refs = page(book, "references.html").body_html
    assert 'id="ref-knuth1984"' in refs and 'id="ref-lamport1994"' in refs
    assert "unused2000" not in refs and "Never cited" not in refs
    methods = page(book, "methods.html").body_html
    assert '<span class="citation-missing">?nosuchkey2020</span>' in methods
    missing = [p for p in book.problems if "nosuchkey2020" in p.message]
    assert missing and missing[0].line == 10 and missing[0].file.name == "methods.qmd"


def test_conditional_content_and_raw_latex(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    assert "Only in HTML." in intro
    assert "Only in PDF." not in intro and "Hidden unless PDF." not in intro
    assert "newpage" not in intro and "noindent" not in intro and "\\index" not in intro
    assert "Some text with" in intro


def test_footnotes_and_margin_content(book: RenderedBook) -> None:
    intro = page(book, "intro.html").body_html
    assert 'class="footnote-ref"' in intro and "The footnote body." in intro
    assert '<div class="column-margin">' in intro


def test_images_become_resources(book: RenderedBook) -> None:
    assert book.resources == {"images/chart.png": book.root / "images" / "chart.png"}
    assert all(p.is_file() for p in book.resources.values())


def test_selected_chapter_still_resolves_references_to_others(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    part = render_book(root, chapters=["methods"], cache_dir=tmp_path / "cache")
    assert [p.href for p in part.pages] == ["methods.html"]
    body = part.pages[0].body_html
    assert '<a href="intro.html#sec-background" class="quarto-xref">Section 1.1</a>' in body
    assert '<a href="intro.html#vid-demo" class="quarto-xref">Video 1.1</a>' in body
    assert '<a href="extra.html" class="quarto-xref">Appendix A</a>' in body
