"""Fuzz the Markdown front end: any markdown-ish text renders or fails with a BuildError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlsys.model import BuildError, RenderedBook
from mlsys.pipeline import render_book

WORD = st.sampled_from(["alpha", "beta", "x", "Memory", "GPU", "é", "100%", "a_b", "*", "_",
                        "<b>", "&", "\\", "$", "`", "|", "{", "}", "[", "]", "#", ":::"])
ID = st.sampled_from(["fig-a", "fig-b", "tbl-a", "eq-a", "lst-a", "sec-a", "sec-b", "vid-a",
                      "dfn-a", "Fig-a", "fig-a-1", "nte-a"])
TEXT = st.lists(WORD, min_size=1, max_size=6).map(" ".join)

BLOCK = st.one_of(
    TEXT,
    st.builds(lambda n, t, i: f"{'#' * n} {t} {{#{i}}}", st.integers(1, 4), TEXT, ID),
    st.builds(lambda n, t, c: f"{'#' * n} {t} {{{c}}}", st.integers(1, 4), TEXT,
              st.sampled_from([".unnumbered", ".unlisted", ".unnumbered .unlisted", ""])),
    st.builds(lambda i, m: f"{m}@{i}", ID, st.sampled_from(["", "see ", "[", "[-"])).map(
        lambda s: s + ("]" if s.startswith(("[", "see [")) else "")),
    st.builds(lambda k: f"[@{k}; @fig-a]", st.sampled_from(["knuth", "nobody", "tbl-a"])),
    st.builds(lambda t, i: f"![{t}](img.png){{#{i}}}", TEXT, ID),
    st.builds(lambda t, i: f"::: {{#{i}}}\n{t}\n\nCaption {t}\n:::", TEXT, ID),
    st.builds(lambda c, t: f"::: {{.callout-{c} collapse=\"true\"}}\n## {t}\n\n{t}\n:::",
              st.sampled_from(["note", "tip", "definition", "quiz", "unknown"]), TEXT),
    st.builds(lambda t: f"$$ {t} $$ {{#eq-a}}", TEXT),
    st.builds(lambda t: f"Inline ${t}$ math", TEXT),
    st.builds(lambda t: f"```python\n{t}\n```", TEXT),
    st.builds(lambda t: f"| a | b |\n|---|---|\n| {t} | 1 |\n\n: {t} {{#tbl-a}}", TEXT),
    st.builds(lambda f, t: f"::: {{.content-visible when-format=\"{f}\"}}\n{t}\n:::",
              st.sampled_from(["html", "pdf", "latex"]), TEXT),
    st.builds(lambda t: f"Note here.[^n]\n\n[^n]: {t}", TEXT),
    st.builds(lambda t, u: f"::: {{.panel-tabset}}\n## {t}\n\n{u}\n\n### {u}\n\n## {u}\n:::",
              TEXT, TEXT),
    st.builds(lambda k, t: f"::: {{#{k}-a}}\n## {t}\n\n{t}\n:::\n\n::: {{.proof}}\n{t}\n:::",
              st.sampled_from(["thm", "lem", "def", "exm"]), TEXT),
    st.builds(lambda t: f"::: {{layout-ncol=2}}\n{t}\n\n{t}\n:::", TEXT),
    st.builds(lambda t: f"{{{{< meta {t} >}}}} {{{{< pagebreak >}}}} {{{{< nope >}}}}", TEXT),
    st.sampled_from(["\\newpage", "```{=latex}\n\\clearpage\n```", ":::", "::: {", "$$",
                     "```", "[^missing]", "![gone](gone.png)", "{#fig-a}", "---", "- item\n- @fig-a"]),
)

# A 1x1 transparent PNG, so image blocks resolve (and `gone.png` is the missing one).
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
FRONT = st.sampled_from(["", "---\ntitle: Given\n---\n\n", "---\ntitle: [broken\n---\n\n",
                         "---\nnumber-sections: false\nbibliography: none.bib\n---\n\n"])
BIB = "@book{knuth,\n  author = {Knuth, D.},\n  title = {Art},\n  year = {1968}\n}\n"
CONFIG = """\
project:
  type: book
book:
  title: Fuzz
  chapters:
    - index.qmd
    - one.qmd
bibliography: refs.bib
crossref:
  custom:
    - kind: float
      key: vid
      reference-prefix: Video
mlsys:
  callouts:
    definition:
      title: Definition
      crossref: dfn
"""


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FRONT, st.lists(BLOCK, min_size=1, max_size=8), st.lists(BLOCK, max_size=4))
def test_any_markdown_renders_or_raises_build_error(front: str, one: list[str],
                                                    index: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "_quarto.yml").write_text(CONFIG)
        (root / "refs.bib").write_text(BIB)
        (root / "img.png").write_bytes(PNG)
        (root / "index.qmd").write_text("\n\n".join(index) + "\n")
        (root / "one.qmd").write_text(front + "\n\n".join(one) + "\n")
        try:
            book = render_book(root, cache_dir=root / ".cache", jobs=1)
        except BuildError as err:
            assert err.problems, "a BuildError must say what went wrong"
            return
        assert isinstance(book, RenderedBook)
        assert [p.href for p in book.pages] == ["index.html", "one.html"]
        for problem in book.problems:
            assert problem.severity == "warning" and problem.file is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_arbitrary_text_renders_or_raises_build_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "_quarto.yml").write_text(CONFIG)
        (root / "refs.bib").write_text(BIB)
        (root / "index.qmd").write_text("# Home\n", encoding="utf-8")
        (root / "one.qmd").write_text(text, encoding="utf-8")
        try:
            book = render_book(root, cache_dir=root / ".cache", jobs=1)
        except BuildError as err:
            assert err.problems
            return
        assert len(book.pages) == 2
