"""Pass one: numbering and indexing of targets, and the links references make."""

from __future__ import annotations

import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st
from mlsys.parse import parse_markdown, unexecuted_markdown
from mlsys.xref import XrefConfig, XrefTable, canonical_id, index_chapter, is_xref_id

CONFIG = XrefConfig(floats={"fig": "Figure", "tbl": "Table", "lst": "Listing",
                            "vid": "Video"})


def index(md: str, number: str | None = "4", href: str = "ch.html", appendix: bool = False):
    ast, _ = parse_markdown(md, float_keys=CONFIG.float_keys)
    return index_chapter(ast["blocks"], chapter_number=number, href=href, appendix=appendix,
                         config=CONFIG)


def numbers(idx) -> dict[str, str | None]:
    return {t.id: t.number for t in idx.targets}


def test_chapter_sections_floats_and_equations_are_numbered_in_order() -> None:
    idx = index(
        "# Title {#sec-t}\n\n## A {#sec-a}\n\n### A1 {#sec-a1}\n\n## B {#sec-b}\n\n"
        "## Skip {.unnumbered #sec-skip}\n\n## C {#sec-c}\n\n"
        "![x](a.png){#fig-one}\n\n![y](b.png){#fig-two}\n\n$$x$$ {#eq-a}\n\n"
        "::: {#vid-v}\nv\n\ncap\n:::\n")
    assert numbers(idx) == {
        "sec-t": "4", "sec-a": "4.1", "sec-a1": "4.1.1", "sec-b": "4.2", "sec-skip": None,
        "sec-c": "4.3", "fig-one": "4.1", "fig-two": "4.2", "eq-a": "4.1", "vid-v": "4.1",
    }
    assert idx.title == "Title" and idx.title_id == "sec-t"
    chapter = idx.targets[0]
    assert chapter.chapter_level and chapter.label() == "Chapter 4"


def test_appendix_chapter_reads_appendix() -> None:
    idx = index("# Tools {#sec-tools}\n\n## Kit {#sec-kit}\n", number="B", appendix=True)
    labels = {t.id: t.label() for t in idx.targets}
    assert labels == {"sec-tools": "Appendix B", "sec-kit": "Section B.1"}


def test_subfigures_take_letters_of_their_parent() -> None:
    idx = index("![z](z.png){#fig-first}\n\n::: {#fig-p layout-ncol=2}\n"
                "![a](a.png){#fig-p-a}\n\n![b](b.png){#fig-p-b}\n\nBoth\n:::\n", number="2")
    assert numbers(idx) == {"fig-first": "2.1", "fig-p": "2.2", "fig-p-a": "2.2(a)",
                            "fig-p-b": "2.2(b)"}


def test_headings_inside_callouts_are_titles_not_sections() -> None:
    idx = index("# T\n\n## One {#sec-one}\n\n::: {.callout-note}\n## Callout title {#sec-ct}\n"
                "body\n:::\n\n## Two {#sec-two}\n", number="1")
    assert numbers(idx) == {"t": "1", "sec-one": "1.1", "sec-two": "1.2"}


def test_uses_and_citations_are_collected_and_capitals_folded() -> None:
    idx = index("See @Fig-a, [-@tbl-b], @knuth1984 and [@lamport1994; @fig-a].\n")
    assert idx.xref_uses == ["fig-a", "tbl-b"]
    assert idx.cite_keys == ["knuth1984", "lamport1994"]


def test_unexecuted_cells_with_labels_are_targets() -> None:
    src = ("# T\n\n![a](a.png){#fig-before}\n\n```{python}\n#| label: fig-cell\n"
           "#| fig-cap: Made by code\nprint(1)\n```\n\n```{python}\n#| label: tbl-cell\n"
           "print(2)\n```\n\n```{python}\nprint('no label')\n```\n")
    idx = index(unexecuted_markdown(src, CONFIG.float_keys), number="3")
    assert numbers(idx) == {"t": "3", "fig-before": "3.1", "fig-cell": "3.2", "tbl-cell": "3.1"}


def test_table_keeps_the_first_definition_and_reports_clashes() -> None:
    table = XrefTable()
    assert table.add_chapter(index("![a](a.png){#fig-a}\n", href="one.html")) == []
    assert table.add_chapter(index("![b](b.png){#fig-a}\n", href="two.html")) == ["fig-a"]
    assert table.get("Fig-a").href == "one.html"
    assert table.get("fig-nope") is None


def test_reference_detection() -> None:
    assert is_xref_id("fig-x", CONFIG) and is_xref_id("Tbl-x", CONFIG)
    assert is_xref_id("vid-x", CONFIG) and is_xref_id("nte-x", CONFIG)
    assert not is_xref_id("knuth1984", CONFIG) and not is_xref_id("smith-jones", CONFIG)
    assert canonical_id("Sec-intro") == "sec-intro"


KIND = st.sampled_from(["fig", "tbl", "sec", "eq"])


@settings(max_examples=40, deadline=None)
@given(st.lists(KIND, min_size=1, max_size=12))
def test_numbers_count_each_kind_in_document_order(kinds: list[str]) -> None:
    parts = []
    for i, kind in enumerate(kinds):
        if kind == "fig":
            parts.append(f"![c{i}](x.png){{#fig-{i}}}")
        elif kind == "tbl":
            parts.append(f"| a |\n|---|\n| {i} |\n\n: cap {{#tbl-{i}}}")
        elif kind == "sec":
            parts.append(f"## H{i} {{#sec-{i}}}")
        else:
            parts.append(f"$$x_{i}$$ {{#eq-{i}}}")
    idx = index("\n\n".join(parts) + "\n", number="7")
    got = numbers(idx)
    seen: dict[str, int] = {}
    for i, kind in enumerate(kinds):
        seen[kind] = seen.get(kind, 0) + 1
        assert got[f"{kind}-{i}"] == f"7.{seen[kind]}"


SEGMENT = st.text(alphabet="abcxyz", min_size=1, max_size=4)


@settings(max_examples=100, deadline=None)
@given(st.lists(SEGMENT, min_size=1, max_size=4), st.lists(SEGMENT, min_size=1, max_size=4))
def test_links_resolve_to_the_target_page_from_any_page(src: list[str], dst: list[str]) -> None:
    from_href = "/".join(src) + ".html"
    to_href = "/".join(dst) + ".html"
    table = XrefTable()
    table.add_chapter(index("![a](a.png){#fig-a}\n", href=to_href))
    link = table.get("fig-a").link_from(from_href)
    page, _, anchor = link.partition("#")
    assert anchor == "fig-a"
    if from_href == to_href:
        assert page == ""
    else:
        base = posixpath.dirname(from_href)
        assert posixpath.normpath(posixpath.join(base, page)) == to_href
