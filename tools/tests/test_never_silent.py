"""Options, filters and shortcodes the engine cannot honour are warnings at their line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mlsys.model import BuildError
from mlsys.options import HTML, OTHER_FORMAT_KEYS, OTHER_FORMATS
from mlsys.pipeline import render_book

CONFIG = """\
project:
  type: book
  output-dir: _out
book:
  title: "Options"
  chapters:
    - index.qmd
    - one.qmd
  navbar:
    left: [home]
lang: en
css: styles.css
documentclass: scrbook
mainfont: "TeX Gyre Pagella"
format:
  html:
    toc: true
    code-tools: true
    theme: cosmo
  pdf:
    keep-tex: true
    anything-pdf-only: 1
  docx: default
  mystery: default
"""


def _book(root: Path, one: str, config: str = CONFIG) -> Path:
    root.mkdir(parents=True)
    (root / "_quarto.yml").write_text(config)
    (root / "index.qmd").write_text("# Home\n\nText.\n")
    (root / "one.qmd").write_text(textwrap.dedent(one))
    return root


ONE = """\
---
title: "One"
owner: "Pond Society"
reader-mode: true
format:
  html:
    code-fold: true
    grid: {body-width: 900px}
  revealjs:
    incremental: true
---

# One

By {{< meta owner >}}.
"""


def test_ignored_options_are_warnings_at_their_lines(tmp_path: Path) -> None:
    root = _book(tmp_path / "b", ONE)
    book = render_book(root, cache_dir=tmp_path / "c")
    found = {(p.file.name, p.line, p.message) for p in book.problems}
    project, chapter = "_quarto.yml", "one.qmd"
    assert found == {
        (project, 9, "project option 'book.navbar' is not supported by this engine and is "
                     "ignored"),
        (project, 12, "project option 'css' is not supported by this engine and is ignored"),
        (project, 18, "project option 'format.html.code-tools' is not supported by this "
                      "engine and is ignored"),
        (project, 19, "project option 'format.html.theme' is not supported by this engine "
                      "and is ignored"),
        (project, 24, "project format 'mystery' is not built by this engine (HTML only; see "
                      "`mlsys build book --to pdf|epub`)"),
        (chapter, 4, "document option 'reader-mode' is not supported by this engine and is "
                     "ignored"),
        (chapter, 8, "document option 'format.html.grid' is not supported by this engine and "
                     "is ignored"),
    }
    # `owner` is the chapter's own metadata, read by {{< meta owner >}}: not reported;
    # documentclass, mainfont, format.pdf/docx/revealjs only concern other formats.


def test_strict_turns_them_into_a_failed_build(tmp_path: Path) -> None:
    root = _book(tmp_path / "b", ONE)
    with pytest.raises(BuildError) as info:
        render_book(root, cache_dir=tmp_path / "c", strict=True)
    assert any("format.html.theme" in str(p) for p in info.value.problems)


def test_with_filters_custom_top_level_keys_are_metadata(tmp_path: Path) -> None:
    config = CONFIG.replace("lang: en\n", "lang: en\nfilters:\n  - noop.lua\nquiz-dir: q\n")
    root = _book(tmp_path / "b", ONE, config)
    (root / "noop.lua").write_text("function Para(p) return p end\n")
    messages = [p.message for p in render_book(root, cache_dir=tmp_path / "c").problems]
    assert not any("quiz-dir" in m for m in messages)
    # Quarto options the engine does not implement are still reported
    assert any("'css'" in m for m in messages) and any("'reader-mode'" in m for m in messages)


def test_the_lists_do_not_overlap() -> None:
    assert not HTML & OTHER_FORMAT_KEYS
    assert "html" not in OTHER_FORMATS and "pdf" in OTHER_FORMATS
