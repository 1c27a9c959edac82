"""A Quarto book we did not write for this engine: every feature must resolve."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from mlsys.model import RenderedBook
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "unseen_book"

# The title element of a callout, as Quarto writes it
TITLE = '<span class="callout-title-container flex-fill callout-title">'


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RenderedBook:
    root = tmp_path_factory.mktemp("unseen") / "book"
    shutil.copytree(FIXTURE, root)
    return render_book(root, cache_dir=root / ".cache")


def html(book: RenderedBook, href: str) -> str:
    return next(p.body_html for p in book.pages if p.href == href)


def xrefs(text: str) -> set[tuple[str, str]]:
    return set(re.findall(r'<a href="([^"]*)" class="quarto-xref">([^<]*)</a>', text))


def test_builds_cleanly_with_every_reference_resolved(book: RenderedBook) -> None:
    assert book.problems == []
    for page in book.pages:
        assert "?@" not in page.body_html, page.href
        assert "citation-missing" not in page.body_html, page.href
    assert book.title == "Field Notes on Pond Ecology"
    assert book.author == "R. Heron"


def test_structure_parts_and_appendix(book: RenderedBook) -> None:
    assert [(p.href, p.number, p.part) for p in book.pages] == [
        ("index.html", None, None),
        ("chapters/sampling.html", "1", "Observation"),
        ("chapters/population.html", "2", "Observation"),
        ("chapters/growth.html", "3", "Modelling"),
        ("references.html", None, None),
        ("appendix/instruments.html", "A", "Appendices"),
    ]
    assert [g.kind for g in book.sidebar] == ["top", "part", "part", "top", "appendices"]
    population = next(p for p in book.pages if p.href == "chapters/population.html")
    assert population.title == "Counting Populations"


def test_labels_and_links_point_at_the_right_pages(book: RenderedBook) -> None:
    assert xrefs(html(book, "index.html")) == {
        ("chapters/sampling.html", "Chapter 1"),
        ("chapters/growth.html", "Chapter 3"),
        ("appendix/instruments.html", "Appendix A"),
    }
    assert xrefs(html(book, "chapters/population.html")) == {
        ("sampling.html#sec-sites", "Section 1.1"),
        ("#tbl-daphnia", "Table 2.1"),
        ("growth.html#fig-growth-curve", "Figure 3.1"),
        ("growth.html", "Chapter 3"),
        ("#fig-seasons-spring", "2.1(a)"),
        ("#fig-seasons-autumn", "Figure 2.1(b)"),
    }
    assert xrefs(html(book, "chapters/growth.html")) == {
        ("#eq-logistic", "Equation 3.1"),
        ("population.html#tbl-daphnia", "Table 2.1"),
        ("#lst-fit", "Listing 3.1"),
        ("population.html#sec-daphnia", "Section 2.1"),
        ("#tbl-growth", "Table 3.1"),
        ("#fig-growth-curve", "Figure 3.1"),
    }
    # the include brings a reference to the appendix table into chapter 1
    assert ("../appendix/instruments.html#tbl-kit", "Table A.1") in xrefs(
        html(book, "chapters/sampling.html"))
    assert ("#dgm-depth", "Diagram 1.1") in xrefs(html(book, "chapters/sampling.html"))
    assert xrefs(html(book, "appendix/instruments.html")) == {
        ("../chapters/sampling.html#sec-sites", "Section 1.1"),
        ("../chapters/sampling.html#fig-sites", "Figure 1.1"),
    }


def test_cell_figure_inline_value_and_resources(book: RenderedBook) -> None:
    growth = html(book, "chapters/growth.html")
    assert re.search(r'<div id="fig-growth-curve"[^>]*>\s*<figure[^>]*>\s*'
                     r'<img src="figures/[^"]+\.svg" class="img-fluid figure-img" '
                     r'alt="An S-shaped curve rising from 10 and levelling off at 150" />', growth)
    assert '<span class="float-prefix">Figure 3.1:</span> Logistic growth' in growth
    assert "The fitted capacity was 150 per litre" in growth
    assert re.search(r'<div id="tbl-growth" class="quarto-float[^>]*>\s*'
                     r'<figure class="quarto-float quarto-float-tbl figure">\s*<figcaption[^>]*>\s*'
                     r'<span class="float-prefix">Table 3.1:</span> Modelled population on '
                     r'selected days\s*</figcaption>\s*<table class="table">', growth)
    assert '<td style="text-align: right;">150</td>' in growth  # computed by the cell
    svg = [h for h in book.resources if h.startswith("chapters/figures/") and h.endswith(".svg")]
    assert len(svg) == 1 and book.resources[svg[0]].read_text().lstrip().startswith("<")
    assert book.resources["assets/sites.png"].is_file()
    assert '<img src="../assets/sites.png"' in html(book, "chapters/sampling.html")


def test_references_page_lists_every_cited_work(book: RenderedBook) -> None:
    refs = html(book, "references.html")
    for key in ("hutchinson1957", "odum1971", "verhulst1838"):
        assert f'id="ref-{key}"' in refs
    assert "(see <a href=\"#ref-odum1971\"" in html(book, "chapters/sampling.html")


def test_conditional_pdf_config_and_callout_heading_title(book: RenderedBook) -> None:
    sampling = html(book, "chapters/sampling.html")
    assert TITLE + 'Safety first</span>' in sampling
    assert "Safety first</h2>" not in sampling
