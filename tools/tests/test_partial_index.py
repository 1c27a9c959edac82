"""A partial build reuses the cross-reference index a full build made of the other chapters.

Without it, the first one-chapter build after a cold build had to run pandoc on every other
chapter's unexecuted source (seconds on the real book), and those indexes could not see
targets that only the chapter's code produces.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import mlsys.parse
import mlsys.render
import pytest
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "render_basic"


def count_pandoc(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every real pandoc run from now on (each call still goes to the real binary)."""
    calls: list[list[str]] = []
    real = mlsys.parse.run_pandoc

    def counting(args: list[str], text: str, cwd: Path | None = None) -> str:
        calls.append(args)
        return real(args, text, cwd)

    monkeypatch.setattr(mlsys.parse, "run_pandoc", counting)
    monkeypatch.setattr(mlsys.render, "run_pandoc", counting)
    return calls


def test_first_partial_build_after_a_full_build_runs_pandoc_for_the_edited_chapter_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    methods = root / "methods.qmd"  # a chapter with code: its source is not what pandoc reads
    methods.write_text(methods.read_text() + "\n```{python}\nprint(6 * 7)\n```\n")
    cache = tmp_path / "cache"
    full = render_book(root, cache_dir=cache)
    extra = root / "extra.qmd"
    extra.write_text(extra.read_text() + "\nA sentence added after the full build.\n")
    calls = count_pandoc(monkeypatch)
    partial = render_book(root, chapters=["extra"], cache_dir=cache)
    assert len(calls) == 2  # parse + write of extra.qmd; the other chapters cost a read
    assert [p.href for p in partial.pages] == ["extra.html"]
    assert "A sentence added after the full build." in partial.pages[0].body_html
    # references from the edited chapter into the others still carry their numbers
    before = next(p for p in full.pages if p.href == "extra.html").body_html
    assert before.count('class="quarto-xref"') == partial.pages[0].body_html.count('class="quarto-xref"')


def test_an_edited_unselected_chapter_is_indexed_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    cache = tmp_path / "cache"
    render_book(root, cache_dir=cache)
    intro = root / "intro.qmd"
    # a table before the first one renumbers it: the stored index of intro is stale now
    intro.write_text(intro.read_text().replace(
        "### Details", "| x |\n|---|\n| 1 |\n\n: Earlier table {#tbl-earlier}\n\n### Details"))
    (root / "methods.qmd").write_text((root / "methods.qmd").read_text() + "\nMore.\n")
    partial = render_book(root, chapters=["methods"], cache_dir=cache)
    assert 'class="quarto-xref">Table 1.2</a>' in partial.pages[0].body_html


def test_partial_build_resolves_targets_that_only_executed_code_creates(tmp_path: Path) -> None:
    root = tmp_path / "book"
    root.mkdir()
    (root / "_quarto.yml").write_text(textwrap.dedent("""\
        project:
          type: book
        book:
          title: Generated
          chapters:
            - index.qmd
            - made.qmd
            - uses.qmd
        format:
          html:
            number-sections: true
        """))
    (root / "index.qmd").write_text("# Preface {.unnumbered}\n\nHello.\n")
    (root / "made.qmd").write_text(textwrap.dedent("""\
        # Made {#sec-made}

        ```{python}
        #| output: asis
        #| echo: false
        print("## A heading the code wrote {#sec-generated}")
        ```
        """))
    uses = root / "uses.qmd"
    uses.write_text("# Uses\n\nAs @sec-generated shows.\n")
    cache = tmp_path / "cache"
    full = render_book(root, cache_dir=cache)
    assert 'class="quarto-xref">Section 1.1</a>' in full.pages[-1].body_html
    uses.write_text(uses.read_text() + "\nEdited after the full build.\n")
    partial = render_book(root, chapters=["uses"], cache_dir=cache)
    body = partial.pages[0].body_html
    assert "Edited after the full build." in body
    assert 'href="made.html#sec-generated"' in body and "Section 1.1</a>" in body
    assert not [p for p in partial.problems if "sec-generated" in p.message]
