"""R cells and knitr chapters, unknown engines, `execute-dir`, and missing images.

R runs for real (Debian `r-base-core r-cran-knitr r-cran-jsonlite r-cran-ggplot2`); the tests
that need it skip with that message when `Rscript` is missing. "R is missing" is tested by
taking R off PATH, not by faking it.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pypandoc
import pytest
from mlsys.execute import ExecutedChapter, execute_chapter
from mlsys.model import BuildError, RenderedBook
from mlsys.pipeline import render_book
from mlsys.project import Project, load_project

FIXTURES = Path(__file__).parent / "fixtures"
R_BOOK = FIXTURES / "r_book"
HAVE_R = shutil.which("Rscript") is not None
needs_r = pytest.mark.skipif(not HAVE_R, reason="R is not installed (Debian r-base-core "
                             "r-cran-knitr r-cran-jsonlite r-cran-ggplot2)")


def blocks_of(markdown: str) -> list[dict]:
    return json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))["blocks"]


def walk(x: object) -> list[dict]:
    found: list[dict] = []
    if isinstance(x, dict):
        if "t" in x:
            found.append(x)
        for v in x.values():
            found.extend(walk(v))
    elif isinstance(x, list):
        for v in x:
            found.extend(walk(v))
    return found


def text_of(node: object) -> str:
    return " ".join(n["c"] for n in walk(node) if n["t"] == "Str")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if needle in t)


@pytest.fixture(scope="module")
def book_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rbook") / "book"
    shutil.copytree(R_BOOK, root)
    return root


@pytest.fixture(scope="module")
def project(book_copy: Path) -> Project:
    return load_project(book_copy)


@pytest.fixture(scope="module")
def rstats(project: Project, book_copy: Path) -> ExecutedChapter:
    if not HAVE_R:
        pytest.skip("R is not installed (Debian r-base-core r-cran-knitr r-cran-jsonlite "
                    "r-cran-ggplot2)")
    return execute_chapter(book_copy / "chapters" / "rstats.qmd", project,
                           book_copy / ".exec-cache")


# ---------------------------------------------------------------------------------- R cells


@needs_r
def test_r_cells_become_code_and_outputs_and_comments_stay_code(rstats: ExecutedChapter
                                                                ) -> None:
    assert rstats.executed and rstats.problems == []
    nodes = walk(blocks_of(rstats.markdown))
    headers = [text_of(n) for n in nodes if n["t"] == "Header"]
    assert headers == ["Measuring in R", "Plotting"]  # no R comment became a heading
    code = [n for n in nodes if n["t"] == "CodeBlock"]
    setup = next(c for c in code if "data.frame" in c["c"][1])
    assert setup["c"][0][1] == ["r", "cell-code"]
    assert setup["c"][1].startswith("# Each row is one measured link")
    assert "#|" not in setup["c"][1]  # option lines are not shown
    stdout = [c["c"][1] for c in code if "cell-output-stdout" in c["c"][0][1]]
    assert stdout[0] == "[1]  64 900  25"
    assert "[1] 43" in stdout[-1]


@needs_r
def test_inline_r_values_in_prose_and_captions(rstats: ExecutedChapter) -> None:
    md = rstats.markdown
    assert "The data set has 3 rows and a mean of 164.8333333 GB/s." in md
    assert "The closing paragraph mentions x = 42." in md
    assert "![Bandwidth of 3 links](figures/rstats/fig-speeds-1.svg){#fig-speeds}" in md
    assert "`{r}" not in md


@needs_r
def test_r_cell_options_eval_output_warning_message(rstats: ExecutedChapter) -> None:
    md = rstats.markdown
    outputs = [n["c"][1] for n in walk(blocks_of(md)) if n["t"] == "CodeBlock"
               and "cell-output" in n["c"][0][1]]
    shown = "\n".join(outputs)
    assert 'stop("never")' in md and "never" not in shown  # eval: false shows, never runs
    assert 'cat("hidden output' in md and "hidden output" not in shown  # output: false
    assert "NAs introduced by coercion" not in shown  # warning: false
    assert "a message stays" in outputs  # messages follow `message`, not `warning`
    assert "quiet please" not in shown  # message: false
    assert "Warning: a warning shows" in outputs


@needs_r
def test_ggplot_figure_is_an_svg_file(rstats: ExecutedChapter) -> None:
    svg = rstats.resources["figures/rstats/fig-speeds-1.svg"]
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert 'width="360pt"' in text and 'height="216pt"' in text  # fig-width 5, fig-height 3


@needs_r
def test_warm_build_never_runs_r(project: Project, book_copy: Path, rstats: ExecutedChapter,
                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # R is gone: only the cache can answer
    again = execute_chapter(book_copy / "chapters" / "rstats.qmd", project,
                            book_copy / ".exec-cache")
    assert again.executed is False and again.problems == []
    assert again.markdown == rstats.markdown


@needs_r
def test_r_figure_is_numbered_captioned_and_referenced(book_copy: Path) -> None:
    book: RenderedBook = render_book(book_copy, cache_dir=book_copy / ".site-cache")
    page = next(p for p in book.pages if p.href == "chapters/rstats.html")
    html = page.body_html
    assert '<div id="fig-speeds" class="quarto-float' in html
    assert "Figure 1.1:</span> Bandwidth of 3 links\n</figcaption>" in html
    assert '<a href="#fig-speeds" class="quarto-xref">Figure 1.1</a>' in html
    assert "<h1" not in html.split('id="sec-r"', 1)[1]  # the R comment is not a heading
    # a knitr::kable() table is a real table with its numbered caption, not printed text
    table = html[html.index('id="tbl-links"'):]
    assert "Table 1.1:</span> The measured links" in table
    assert '<th style="text-align: left;">Link</th>' in table and "<td" in table
    assert '<a href="#tbl-links" class="quarto-xref">Table 1.1</a>' in html


@needs_r
def test_failing_r_cell_names_the_line_and_stops_later_cells(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(R_BOOK, root)
    chapter = root / "chapters" / "rstats.qmd"
    chapter.write_text(chapter.read_text().replace(
        "print(speeds$gbps * 2)", "print(speeds$gbps * 2)\nstop(\"disk on fire\")"))
    ch = execute_chapter(chapter, load_project(root), tmp_path / "cache")
    errors = [p for p in ch.problems if p.severity == "error"]
    assert errors[0].message == "code cell failed: Error: disk on fire"
    assert (errors[0].file, errors[0].line) == (chapter, line_of(chapter, "disk on fire"))
    assert "fig-speeds" in ch.failed_labels  # never ran: its references are knock-ons


# ------------------------------------------------------------------------------ R missing


def test_missing_r_is_a_clear_error_at_the_first_r_cell(project: Project, book_copy: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    chapter = book_copy / "chapters" / "rstats.qmd"
    ch = execute_chapter(chapter, project, tmp_path / "fresh-cache")
    [err] = [p for p in ch.problems if p.severity == "error"]
    assert "R is not installed" in err.message
    assert "r-base-core r-cran-knitr r-cran-ggplot2" in err.message.replace(
        " r-cran-jsonlite", "")
    assert (err.file, err.line) == (chapter, line_of(chapter, "```{r}"))
    # never a mangled page: the R code is a code block, the prose and headings intact
    nodes = walk(blocks_of(ch.markdown))
    assert [text_of(n) for n in nodes if n["t"] == "Header"] == ["Measuring in R", "Plotting"]
    assert any(n["t"] == "CodeBlock" and "data.frame" in n["c"][1] for n in nodes)


def test_missing_r_fails_the_build_with_file_and_line(book_copy: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError) as err:
        render_book(book_copy, cache_dir=tmp_path / "cache", chapters=["rstats"])
    line = line_of(book_copy / "chapters" / "rstats.qmd", "```{r}")
    assert f"rstats.qmd:{line}: error: R is not installed" in str(err.value)


# ------------------------------------------------------------------------ unknown engines


def _chapter(tmp_path: Path, body: str) -> tuple[Path, Project]:
    root = tmp_path / "book"
    root.mkdir()
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: T\n  chapters:\n    - index.qmd\n")
    (root / "index.qmd").write_text(textwrap.dedent(body))
    return root, load_project(root)


def test_unknown_cell_engine_is_a_warning_and_shown_as_code(tmp_path: Path) -> None:
    root, project = _chapter(tmp_path, """\
        # Julia

        ```{julia}
        #| echo: true
        # a Julia comment, not a heading
        x = 1 + 1
        ```

        After the cell.
        """)
    ch = execute_chapter(root / "index.qmd", project, tmp_path / "cache")
    assert [(p.severity, p.line) for p in ch.problems] == [("warning", 3)]
    assert "unsupported cell engine '{julia}'" in ch.problems[0].message
    nodes = walk(blocks_of(ch.markdown))
    assert [text_of(n) for n in nodes if n["t"] == "Header"] == ["Julia"]
    [code] = [n for n in nodes if n["t"] == "CodeBlock"]
    assert code["c"][0][1] == ["julia", "cell-code"]
    assert code["c"][1] == "# a Julia comment, not a heading\nx = 1 + 1"
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=tmp_path / "c2", strict=True)
    assert "index.qmd:3: warning: unsupported cell engine" in str(err.value)


def test_unknown_document_engine_is_a_warning_at_its_line(tmp_path: Path) -> None:
    root, project = _chapter(tmp_path, """\
        ---
        title: Foo
        engine: foo
        ---

        ```{python}
        print("must not run")
        ```
        """)
    ch = execute_chapter(root / "index.qmd", project, tmp_path / "cache")
    assert [(p.severity, p.line) for p in ch.problems] == [("warning", 3)]
    assert "unsupported engine 'foo'" in ch.problems[0].message
    assert ch.executed is False and "cell-output" not in ch.markdown
    assert 'print("must not run")' in ch.markdown
    book = render_book(root, cache_dir=tmp_path / "c2")  # a warning: the book still builds
    assert "must not run" in book.pages[0].body_html


# ---------------------------------------------------------------------------- execute-dir


def test_execute_dir_project_runs_code_at_the_project_root(book_copy: Path, project: Project,
                                                          tmp_path: Path) -> None:
    ch = execute_chapter(book_copy / "chapters" / "imports.qmd", project, tmp_path / "c")
    assert ch.problems == []
    assert "hello from the project root book" in ch.markdown  # cwd is the project root
    assert "The helper says hello from the project root." in ch.markdown


def test_execute_dir_file_runs_code_in_the_chapter_folder(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(R_BOOK, root)
    cfg = root / "_quarto.yml"
    cfg.write_text(cfg.read_text().replace("execute-dir: project", "execute-dir: file"))
    chapter = root / "chapters" / "imports.qmd"
    ch = execute_chapter(chapter, load_project(root), tmp_path / "c")
    [err] = ch.problems
    assert "ModuleNotFoundError" in err.message and "helpers" in err.message
    assert err.line == line_of(chapter, "import helpers")


# ------------------------------------------------------------------------- missing images


def test_missing_image_is_a_warning_with_a_placeholder_until_it_appears(tmp_path: Path
                                                                        ) -> None:
    root = tmp_path / "book"
    shutil.copytree(FIXTURES / "render_basic", root)
    intro = root / "intro.qmd"
    intro.write_text(intro.read_text() + "\n![Measured later](images/later.png){#fig-later}\n")
    cache = root / ".mlsys-cache"
    book = render_book(root, cache_dir=cache)
    html = next(p for p in book.pages if p.href == "intro.html").body_html
    img = re.search(r'<img src="data:image/svg\+xml,[^"]+" title="image file not found: '
                    r'images/later.png" class="([^"]+)" data-missing-image="images/later.png"',
                    html)
    assert img is not None and "missing-image" in img.group(1).split()  # the visible placeholder
    # the figure keeps its caption and number
    assert re.search(r'id="fig-later-caption">\s*<span class="float-prefix">Figure 1\.\d:</span> '
                     r'Measured later\s*</figcaption>', html)
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=cache, strict=True, chapters=["intro"])
    line = line_of(intro, "images/later.png")
    assert f"intro.qmd:{line}: warning: image file not found: images/later.png" in str(
        err.value)
    shutil.copy(root / "images" / "chart.png", root / "images" / "later.png")
    book = render_book(root, cache_dir=cache, strict=True, chapters=["intro"])  # same cache, not deleted
    html = next(p for p in book.pages if p.href == "intro.html").body_html
    assert "missing-image" not in html and 'src="images/later.png"' in html


# ----------------------------------------------------------------------------------- doctor


def test_doctor_reports_r_and_knitr_or_how_to_get_them(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    from mlsys.doctor import toolchain_report

    rows = {name: (version, hint) for name, version, hint in toolchain_report()}
    version, hint = rows["R + knitr"]
    if HAVE_R:
        assert version is not None and version.startswith("R ") and ", knitr " in version
    monkeypatch.setenv("PATH", str(tmp_path))
    rows = {name: (version, hint) for name, version, hint in toolchain_report()}
    assert rows["R + knitr"][0] is None
    assert "r-base-core" in hint and "r-cran-knitr" in hint


@needs_r
def test_python_and_r_cells_in_one_chapter_each_run_at_the_project_root(tmp_path: Path
                                                                         ) -> None:
    root = tmp_path / "book"
    (root / "ch").mkdir(parents=True)
    (root / "_quarto.yml").write_text("project:\n  type: book\n  execute-dir: project\n"
                                      "book:\n  title: T\n  chapters:\n    - ch/mixed.qmd\n")
    (root / "sizes.csv").write_text("n\n3\n4\n")
    (root / "ch" / "mixed.qmd").write_text(textwrap.dedent("""\
        # Mixed

        ```{python}
        print(open("sizes.csv").read().split()[1:])
        ```

        ```{r}
        sizes <- read.csv("sizes.csv")
        cat(sum(sizes$n), "\\n", sep = "")
        ```

        Python says `{python} 6 * 7`, R says `{r} sum(sizes$n) * 2`.
        """))
    ch = execute_chapter(root / "ch" / "mixed.qmd", load_project(root), tmp_path / "cache")
    assert ch.problems == []
    outputs = [n["c"][1] for n in walk(blocks_of(ch.markdown)) if n["t"] == "CodeBlock"
               and "cell-output-stdout" in n["c"][0][1]]
    assert outputs == ["['3', '4']", "7"]
    assert "Python says 42, R says 14." in ch.markdown


# ------------------------------------------------------------------- knitr's opts_chunk$set

SETUP_CHAPTER = """\
---
title: Defaults
---

# Defaults {#sec-defaults}

```{r}
#| label: setup
#| include: false
knitr::opts_chunk$set(echo = FALSE, fig.width = 4, fig.height = 2.5,  # inches
                      message = FALSE)
```

```{r}
#| label: fig-bars
#| fig-cap: "Bars drawn at the chapter's default size"
barplot(c(3, 1, 2))
```

```{r}
message("a message nobody asked for")
cat("shown output\\n")
```

```{r}
#| echo: true
#| fig-width: 6
cat("this cell shows its code\\n")
plot(1:3)
```

```{r}
library(knitr)
size <- 3
opts_chunk$set(echo = TRUE, fig.height = size)
cat("after the second call\\n")
```

```{r}
cat("code visible again\\n")
```
"""


@needs_r
def test_opts_chunk_set_applies_to_later_cells(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(R_BOOK, root)
    chapter = root / "chapters" / "defaults.qmd"
    chapter.write_text(SETUP_CHAPTER)
    ch = execute_chapter(chapter, load_project(root), tmp_path / "cache")
    md = ch.markdown
    code = [n["c"][1] for n in walk(blocks_of(md)) if n["t"] == "CodeBlock"
            and "cell-output" not in n["c"][0][1]]
    outputs = "\n".join(n["c"][1] for n in walk(blocks_of(md)) if n["t"] == "CodeBlock"
                        and "cell-output" in n["c"][0][1])
    # echo = FALSE from the setup chunk: the next cells' code is hidden...
    assert not any("barplot" in c or 'cat("shown output' in c for c in code)
    assert "shown output" in outputs
    assert "a message nobody asked for" not in outputs  # message = FALSE
    # ...unless a cell says otherwise; and the second call turns echo back on
    assert any('cat("this cell shows its code' in c for c in code)
    assert any('cat("code visible again' in c for c in code)
    # fig.width / fig.height reach R: 4 x 2.5 in = 288 x 180 pt; the cell's own 6 wins
    figs = sorted(ch.resources.items())
    sizes = [(re.search(r'width="([\d.]+)pt"', p.read_text()).group(1),  # type: ignore[union-attr]
              re.search(r'height="([\d.]+)pt"', p.read_text()).group(1))  # type: ignore[union-attr]
             for _, p in figs]
    assert ("288", "180") in sizes and ("432", "180") in sizes
    # a value that is not a literal cannot be applied before R runs: said, at its line
    [warning] = [p for p in ch.problems if "opts_chunk" in p.message]
    assert warning.severity == "warning" and "'fig.height = size'" in warning.message
    assert (warning.file, warning.line) == (chapter, line_of(chapter, "fig.height = size"))


@needs_r
def test_opts_chunk_in_a_sourced_file_applies_too(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(R_BOOK, root)  # execute-dir: project, so source() reads from the root
    (root / "_common.R").write_text("set.seed(1)\nknitr::opts_chunk$set(\n  echo = FALSE,\n"
                                    "  fig.width = 3, fig.height = 2, fig.asp = 1 / 2)\n")
    chapter = root / "chapters" / "common.qmd"
    chapter.write_text("# Common\n\n```{r}\n#| include: false\nsource(\"_common.R\")\n```\n\n"
                       "```{r}\nplot(1:2)\ncat(\"out\\n\")\n```\n")
    ch = execute_chapter(chapter, load_project(root), tmp_path / "cache")
    assert "plot(1:2)" not in ch.markdown and "out" in ch.markdown  # echo = FALSE
    [svg] = ch.resources.values()
    assert 'width="216pt"' in svg.read_text() and 'height="144pt"' in svg.read_text()
    [warning] = [p for p in ch.problems if "opts_chunk" in p.message]
    assert "(in _common.R): 'fig.asp = 1 / 2'" in warning.message
    assert (warning.file, warning.line) == (chapter, 5)  # the source() line


def test_opts_chunk_arguments_are_read_as_r_literals() -> None:
    from mlsys.execute.knitr_opts import opts_chunk_calls

    code = textwrap.dedent("""\
        # knitr::opts_chunk$set(echo = TRUE)   (commented out: not applied)
        x <- "opts_chunk$set(eval = FALSE)"
        knitr::opts_chunk$set(
          fig.cap = "A, (b)", out.width = c(1, 2.5), comment = NA, dpi = 150L,
          echo = F, results = 'hide', fig.align = paste0("cen", "ter"))
        """)
    [call] = opts_chunk_calls(code)
    assert call.line == 2
    assert call.options == {"fig-cap": "A, (b)", "out-width": [1, 2.5], "comment": None,
                            "dpi": 150, "echo": False, "results": "hide"}
    assert call.unread == ('fig.align = paste0("cen", "ter")',)


@needs_r
def test_include_graphics_is_the_image_file_not_its_path_as_text(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(R_BOOK, root)
    (root / "img").mkdir()
    shutil.copy(FIXTURES / "lua_book" / "diagram.svg",
                root / "img" / "cycle.svg")
    chapter = root / "chapters" / "rstats.qmd"
    chapter.write_text(chapter.read_text() + textwrap.dedent("""

        The cycle is in @fig-cycle.

        ```{r}
        #| label: fig-cycle
        #| echo: false
        #| fig-cap: "The cycle, drawn elsewhere"
        #| fig-alt: "Three arrows in a ring"
        knitr::include_graphics("img/cycle.svg")
        ```
        """))
    book = render_book(root, cache_dir=root / ".site-cache")
    html = next(p.body_html for p in book.pages if p.href == "chapters/rstats.html")
    # execute-dir is the project root; the page is in chapters/: the link climbs out
    figure = html[html.index('<div id="fig-cycle" class="quarto-float'):]
    figure = figure[:figure.index("</figure>")]
    assert '<img src="../img/cycle.svg"' in figure
    assert 'alt="Three arrows in a ring"' in figure
    assert "Figure 1.2:</span> The cycle, drawn elsewhere" in figure
    assert '<a href="#fig-cycle" class="quarto-xref">Figure 1.2</a>' in html
    assert book.resources["img/cycle.svg"] == root / "img" / "cycle.svg"
    assert "img/cycle.svg</p>" not in html  # never the path as a paragraph


@needs_r
def test_knitr_comment_collapse_results_and_fig_asp_from_a_sourced_file(tmp_path: Path) -> None:
    root = tmp_path / "book"
    shutil.copytree(R_BOOK, root)
    (root / "_common.R").write_text('knitr::opts_chunk$set(\n  comment = "#>",\n'
                                    '  collapse = TRUE,\n  fig.show = "hold",\n'
                                    '  fig.width = 4, fig.asp = 0.5\n)\n')
    chapter = root / "chapters" / "style.qmd"
    chapter.write_text(textwrap.dedent("""\
        # Style

        ```{r}
        #| echo: false
        source("_common.R")
        ```

        ```{r}
        1 + 2
        ```

        ```{r}
        #| results: "asis"
        cat("Some **bold** words.\\n")
        ```

        ```{r}
        #| results: hide
        cat("never shown\\n")
        ```

        ```{r}
        plot(1:3)
        ```
        """))
    ch = execute_chapter(chapter, load_project(root), tmp_path / "cache")
    blocks = [n for n in walk(blocks_of(ch.markdown)) if n["t"] == "CodeBlock"]
    assert not [n for n in blocks if "cell-output" in n["c"][0][1]]
    # collapse = TRUE: the output joins the code's block, with knitr's comment prefix
    assert "1 + 2\n#> [1] 3" in [n["c"][1] for n in blocks]
    assert "Some **bold** words." in ch.markdown  # results: asis is markdown, not output
    assert 'cat("never shown' in ch.markdown  # results: hide hides the output, not the code
    [svg] = ch.resources.values()  # fig.asp: 4 in wide x 0.5 = 2 in high (288 x 144 pt)
    assert 'width="288pt"' in svg.read_text() and 'height="144pt"' in svg.read_text()
    assert ch.problems == []  # every option of the setup file is applied
