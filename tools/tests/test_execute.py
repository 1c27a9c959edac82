"""Executing chapters in a real Jupyter kernel: options, inline values, figures, errors, cache."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypandoc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlsys.execute import ExecutedChapter, execute_chapter, source_location
from mlsys.project import Project, load_project

BOOK = Path(__file__).parent / "fixtures" / "exec_book"


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(BOOK, profile="main")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("freeze")


@pytest.fixture(scope="module")
def runs(project: Project, cache: Path) -> dict[str, ExecutedChapter]:
    """The fixture chapters, executed concurrently (as a build does), each in its own kernel."""
    names = ["cells", "figures", "broken"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = list(pool.map(lambda n: execute_chapter(BOOK / f"{n}.qmd", project, cache), names))
    return dict(zip(names, done, strict=True))


def pandoc_blocks(markdown: str) -> list[dict]:
    return json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))["blocks"]


def walk(blocks: list) -> list[dict]:
    """Every AST element (dicts with a "t"), depth first."""
    found: list[dict] = []

    def visit(x: object) -> None:
        if isinstance(x, dict):
            if "t" in x:
                found.append(x)
            for v in x.values():
                visit(v)
        elif isinstance(x, list):
            for v in x:
                visit(v)

    visit(blocks)
    return found


def block_after(md: str, marker: str) -> str:
    """The text from `marker` to the end of its cell div."""
    start = md.index(marker)
    return md[start : md.index("\n:::", start)]


# ---------------------------------------------------------------------------- cell options


def test_every_chapter_ran_and_line_map_covers_every_line(runs: dict[str, ExecutedChapter]
                                                         ) -> None:
    for ch in runs.values():
        assert ch.executed is True
        assert len(ch.line_map) == len(ch.markdown.splitlines())


def test_echo_true_shows_code_and_its_output(runs: dict[str, ExecutedChapter]) -> None:
    md = runs["cells"].markdown
    cell = block_after(md, "::: {#setup-cell .cell}")
    assert '``` {.python .cell-code}\ntotal = rate * 14\nprint("hello from the kernel")\n```' in cell
    assert "``` {.cell-output .cell-output-stdout}\nhello from the kernel\n```" in cell
    assert "#|" not in md  # option lines are never shown


def test_echo_false_eval_false_output_false_include_false(runs: dict[str, ExecutedChapter]
                                                          ) -> None:
    md = runs["cells"].markdown
    assert "only the output" in md and 'print("only the output")' not in md  # echo: false
    assert "never_run = 1 / 0" in md  # eval: false still shows the code ...
    assert not runs["cells"].problems  # ... and never runs it
    assert 'print("hidden output")' in md  # output: false shows code only
    assert md.count("hidden output") == 1
    assert "invisible" not in md and "41 + 1" not in md  # include: false shows nothing
    assert "the secret is 42" in md  # ... but it did run


def test_warning_option_filters_warnings(runs: dict[str, ExecutedChapter]) -> None:
    md = runs["cells"].markdown
    assert "after warning" in md and "noisy warning" not in md.replace(
        'warnings.warn("noisy warning")', "")
    stderr = block_after(md, 'warnings.warn("loud warning")\n```')
    assert ".cell-output-stderr" in stderr and "UserWarning: loud warning" in stderr


def test_error_true_shows_the_exception_instead_of_failing(runs: dict[str, ExecutedChapter]
                                                           ) -> None:
    out = block_after(runs["cells"].markdown, 'raise ValueError("shown on purpose")')
    assert ".cell-output-error" in out and "ValueError: shown on purpose" in out
    assert "\x1b[" not in out  # ANSI colours stripped
    assert runs["cells"].problems == []


def test_output_asis_is_raw_markdown(runs: dict[str, ExecutedChapter]) -> None:
    md = runs["cells"].markdown
    assert "\n**bold from asis**\n" in md
    strongs = [e for e in walk(pandoc_blocks(md)) if e["t"] == "Strong"]
    assert any(s["c"][0]["c"] == "bold" for s in strongs)


def test_markdown_table_with_caption_becomes_a_labelled_table(runs: dict[str, ExecutedChapter]
                                                              ) -> None:
    md = runs["cells"].markdown
    assert ": Speeds of 3 things {#tbl-speeds}" in md  # inline value inside tbl-cap too
    tables = [e for e in walk(pandoc_blocks(md)) if e["t"] == "Table"]
    ids = [t["c"][0][0] for t in tables]
    assert "tbl-speeds" in ids


# ---------------------------------------------------------------------------- inline values


def test_inline_expressions_everywhere_but_code(runs: dict[str, ExecutedChapter]) -> None:
    md = runs["cells"].markdown
    assert "The total is 42 and the secret is 42." in md  # paragraph
    assert "| rate | 3 |" in md  # table cell
    assert "$$ r = 3 $$" in md  # math
    assert "![Image caption with 42 items](missing.png)" in md  # caption
    assert '::: {.callout-note title="Rate is 3"}' in md  # callout title
    assert "not_a_cell = `{python} rate`" in md  # a plain code block is left alone


def test_inline_error_names_its_line(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "inline.qmd"
    chapter.write_text("# T\n\nx is `{python} 1 + 1`.\n\nBad: `{python} undefined_name`.\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert "x is 2." in ch.markdown
    assert [(p.file, p.line) for p in ch.problems] == [(chapter.resolve(), 5)]
    assert "NameError: name 'undefined_name' is not defined" in ch.problems[0].message


# ---------------------------------------------------------------------------- includes


def test_nested_include_is_expanded_and_mapped_to_its_file(runs: dict[str, ExecutedChapter]
                                                           ) -> None:
    ch = runs["cells"]
    lines = ch.markdown.splitlines()
    n = next(i for i, line in enumerate(lines, 1) if line.startswith("Deeper text"))
    assert lines[n - 1] == "Deeper text from a nested include, where rate is 3."
    assert source_location(ch, n) == ((BOOK / "snippets" / "deeper.qmd").resolve(), 1)
    assert "ignored front matter" not in ch.markdown  # an include's front matter is dropped
    assert ch.markdown.startswith('---\ntitle: "Cells and options"')  # the chapter's is kept


def test_echoed_code_lines_map_to_their_source_lines(runs: dict[str, ExecutedChapter]) -> None:
    ch = runs["cells"]
    lines = ch.markdown.splitlines()
    n = lines.index('print("hello from the kernel")') + 1
    src = (BOOK / "cells.qmd").read_text().splitlines()
    file, line = source_location(ch, n)
    assert file == (BOOK / "cells.qmd").resolve()
    assert src[line - 1] == 'print("hello from the kernel")'


def test_missing_and_cyclic_includes_are_located(tmp_path: Path, project: Project) -> None:
    (tmp_path / "a.qmd").write_text("A text\n\n{{< include b.qmd >}}\n")
    (tmp_path / "b.qmd").write_text("B text\n{{< include a.qmd >}}\n")
    chapter = tmp_path / "ch.qmd"
    chapter.write_text("# T\n\n{{< include a.qmd >}}\n\n{{< include nothere.qmd >}}\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    got = sorted((p.file.name, p.line, p.message.split(":")[0]) for p in ch.problems)
    assert got == [("b.qmd", 2, "include cycle"), ("ch.qmd", 5, "included file not found")]
    assert "A text" in ch.markdown and "B text" in ch.markdown
    assert ch.executed is False  # no code, no kernel


# ---------------------------------------------------------------------------- figures


def test_matplotlib_figure_is_an_svg_file_and_a_labelled_figure(
        runs: dict[str, ExecutedChapter]) -> None:
    ch = runs["figures"]
    href = "figures/figures/fig-line-1.svg"
    assert (f'![A straight line with slope 2]({href}){{#fig-line fig-alt="A rising \\"line\\""}}'
            in ch.markdown)
    svg = ch.resources[href]
    assert svg.is_file() and "<svg" in svg.read_text()[:500]
    figures = [e for e in walk(pandoc_blocks(ch.markdown)) if e["t"] == "Figure"]
    assert [f["c"][0][0] for f in figures] == ["fig-line"]  # uncaptioned: a plain image
    assert "import matplotlib" not in ch.markdown  # echo: false
    plain = "figures/figures/cell-2-1.svg"
    assert f"![]({plain})" in ch.markdown and ch.resources[plain].is_file()


# ---------------------------------------------------------------------------- errors


def test_failing_cell_names_original_file_line_and_error(runs: dict[str, ExecutedChapter]
                                                         ) -> None:
    ch = runs["broken"]
    assert len(ch.problems) == 1
    prob = ch.problems[0]
    assert prob.file == (BOOK / "snippets" / "failing.qmd").resolve()
    assert prob.line == 5  # `y = x / 0`, inside the included file
    assert prob.message.endswith("ZeroDivisionError: division by zero")
    assert prob.severity == "error"
    assert 'print("after the failure")\n```\n\n:::' in ch.markdown  # later cell: not run
    assert "cell-output-stdout" not in ch.markdown


def test_syntax_error_points_at_its_line(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "syn.qmd"
    chapter.write_text("# S\n\n```{python}\n#| echo: true\nok = 1\nbad = (1 +\n```\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert [(p.file, p.line) for p in ch.problems] == [(chapter.resolve(), 6)]
    assert "SyntaxError" in ch.problems[0].message


# ---------------------------------------------------------------------------- freeze cache


def test_cache_hit_starts_no_kernel_and_gives_identical_output(
        runs: dict[str, ExecutedChapter], project: Project, cache: Path) -> None:
    start = time.perf_counter()
    again = execute_chapter(BOOK / "figures.qmd", project, cache)
    elapsed = time.perf_counter() - start
    assert again.executed is False
    assert elapsed < 0.2  # a kernel start alone takes ~0.5 s
    first = runs["figures"]
    assert (again.markdown, again.line_map, again.resources) == (
        first.markdown, first.line_map, first.resources)
    assert all(p.is_file() for p in again.resources.values())


def test_a_failing_cell_is_frozen_and_reported_the_same_without_a_kernel(
        runs: dict[str, ExecutedChapter], project: Project, cache: Path) -> None:
    assert runs["broken"].problems
    start = time.perf_counter()
    again = execute_chapter(BOOK / "broken.qmd", project, cache)
    assert time.perf_counter() - start < 0.2  # a kernel start alone takes ~0.5 s
    assert again.executed is False
    assert [str(p) for p in again.problems] == [str(p) for p in runs["broken"].problems]
    assert again.markdown == runs["broken"].markdown


def test_fixing_the_failing_code_misses_the_frozen_failure(tmp_path: Path, project: Project
                                                           ) -> None:
    chapter = tmp_path / "fix.qmd"
    chapter.write_text("# F\n\n```{python}\nx = 1 / 0\n```\n\nValue: `{python} x`\n")
    cache = tmp_path / "cache"
    first = execute_chapter(chapter, project, cache)
    assert first.executed is True
    assert [(p.line, p.message) for p in first.problems] == [
        (4, "code cell failed: ZeroDivisionError: division by zero")]
    assert execute_chapter(chapter, project, cache).executed is False
    chapter.write_text(chapter.read_text().replace("1 / 0", "1 / 4"))
    fixed = execute_chapter(chapter, project, cache)
    assert fixed.executed is True and fixed.problems == []
    assert "Value: 0.25" in fixed.markdown


def test_prose_edit_hits_cache_code_edit_misses(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "c.qmd"
    source = textwrap.dedent("""\
        # Cache

        Some prose.

        ```{python}
        value = 6 * 7
        print(value)
        ```

        The value is `{python} value`.
        """)
    chapter.write_text(source)
    cache = tmp_path / "cache"
    first = execute_chapter(chapter, project, cache)
    assert first.executed is True and "The value is 42." in first.markdown

    second = execute_chapter(chapter, project, cache)
    assert second.executed is False and second.markdown == first.markdown

    chapter.write_text(source.replace("Some prose.", "Entirely new prose,\nover two lines."))
    prose = execute_chapter(chapter, project, cache)
    assert prose.executed is False
    assert "over two lines." in prose.markdown and "The value is 42." in prose.markdown
    n = prose.markdown.splitlines().index("print(value)") + 1
    assert source_location(prose, n) == (chapter.resolve(), 8)  # lines moved, map follows

    chapter.write_text(source.replace("6 * 7", "6 * 8"))
    code = execute_chapter(chapter, project, cache)
    assert code.executed is True and "The value is 48." in code.markdown
    assert not list(cache.glob("tmp-*"))  # no half-written entries left behind


settings_prose = settings(max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
# markdown-ish pieces (fences, attributes, shortcode braces) that never spell "{python}"
piece = st.sampled_from(["```", "~~~", "`", "{", "}", "{r}", "#|", ":::", "$", "|", "x", "word",
                         " ", "  ", "é", "{{<", ">}}", "#", "---", "py", "thon", "\t"])
# ... and never open an executable cell (```{r} now runs R, ```{x} is an unknown engine)
_CELL_OPEN = re.compile(r"^\s*(`{3,}|~{3,})\s*\{")
prose_line = st.lists(piece, max_size=8).map("".join).filter(
    lambda s: "python" not in s and not _CELL_OPEN.match(s))


@settings_prose
@given(st.lists(prose_line, max_size=12))
def test_chapters_without_python_pass_through_unchanged(project: Project, lines: list[str]
                                                        ) -> None:
    """No kernel, no cache, no change: whatever the markdown looks like, if it has no code."""
    text = "\n".join(["# Prose", *lines]) + "\n"
    with tempfile.TemporaryDirectory() as d:
        chapter = Path(d) / "p.qmd"
        chapter.write_text(text, encoding="utf-8")
        ch = execute_chapter(chapter, project, Path(d) / "cache")
        assert ch.executed is False
        assert all(p.message.startswith("include") for p in ch.problems)
        assert ch.markdown == text
        assert ch.line_map == [(chapter.resolve(), i) for i in range(1, len(lines) + 2)]
        assert not (Path(d) / "cache").exists()


def test_cell_inside_a_list_item_keeps_its_indentation(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "list.qmd"
    chapter.write_text("# L\n\n1. First step:\n\n    ```{python}\n    for i in range(2):\n"
                       "        print(i)\n    ```\n\n2. Second step.\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert ch.problems == []
    lists = [e for e in pandoc_blocks(ch.markdown) if e["t"] == "OrderedList"]
    assert len(lists) == 1  # the cell and its output stay inside item 1
    codes = [e["c"][1] for e in walk(lists[0]) if e["t"] == "CodeBlock"]
    assert codes == ["for i in range(2):\n    print(i)", "0\n1"]


def test_kernel_runs_in_the_chapter_directory_with_the_profile(tmp_path: Path, project: Project) -> None:
    sub = tmp_path / "deep"
    sub.mkdir()
    (sub / "data.txt").write_text("from disk")
    chapter = sub / "cwd.qmd"
    chapter.write_text("# C\n\nRead: `{python} open('data.txt').read()`.\n\n"
                       "Profile: `{python} __import__('os').environ['QUARTO_PROFILE']`.\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert "Read: from disk." in ch.markdown
    assert "Profile: main." in ch.markdown  # code can branch on the volume, as under Quarto
    shutil.rmtree(sub)


# ---------------------------------------------------------------------------- kernel trouble


def test_kernel_death_is_reported_quickly_at_the_cell(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "die.qmd"
    chapter.write_text("# D\n\n```{python}\nimport os\nos._exit(3)\n```\n\nAfter: `{python} 1`\n")
    start = time.perf_counter()
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert time.perf_counter() - start < 15
    assert [(p.line, p.message) for p in ch.problems] == [
        (3, "code cell failed: KernelDied: the Python kernel died while running this code")]
    assert "After: `{python} 1`" in ch.markdown  # nothing ran after the death
    # a dead kernel may be the machine's fault: not frozen, the next build tries again
    assert execute_chapter(chapter, project, tmp_path / "cache").executed is True


def test_runaway_cell_times_out(tmp_path: Path, project: Project,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLSYS_CELL_TIMEOUT", "1.5")
    chapter = tmp_path / "slow.qmd"
    chapter.write_text("# S\n\n```{python}\nimport time\ntime.sleep(30)\n```\n")
    start = time.perf_counter()
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert time.perf_counter() - start < 10
    assert len(ch.problems) == 1 and "TimeoutError: did not finish in 1.5 s" in \
        ch.problems[0].message


def test_listing_label_and_caption_go_on_the_code_block(tmp_path: Path, project: Project
                                                        ) -> None:
    chapter = tmp_path / "lst.qmd"
    chapter.write_text('# L\n\n```{python}\n#| label: lst-sum\n#| lst-cap: "Adding up"\n'
                       "print(sum([1, 2]))\n```\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    blocks = [e for e in walk(pandoc_blocks(ch.markdown)) if e["t"] == "CodeBlock"]
    ident, classes, kv = blocks[0]["c"][0]
    assert (ident, classes, kv) == ("lst-sum", ["python", "cell-code"], [["lst-cap", "Adding up"]])
    assert blocks[1]["c"][1] == "3"


def test_toolchain_report_finds_the_installed_tools() -> None:
    from mlsys.doctor import toolchain_report

    rows = {name: (version, hint) for name, version, hint in toolchain_report()}
    assert {"pandoc", "python kernel", "pagefind", "typst", "R + knitr", "chromium"} <= set(rows)
    assert rows["pandoc"][0] == pypandoc.get_pandoc_version()
    assert rows["python kernel"][0] and rows["python kernel"][0].startswith("ipykernel ")
    assert all(hint for _, hint in rows.values())
    if not Path("/usr/bin/chromium").exists():
        assert rows["chromium"][0] is None


def test_project_chapter_and_cell_options_merge_in_that_order(tmp_path: Path, project: Project
                                                              ) -> None:
    import dataclasses

    quiet = dataclasses.replace(project, config={**project.config,
                                                 "execute": {"echo": False, "warning": True}})
    chapter = tmp_path / "merge.qmd"
    chapter.write_text(textwrap.dedent("""\
        ---
        execute:
          warning: false
        ---

        ```{python}
        import warnings
        warnings.warn("hidden by the chapter")
        print("project hides this code")
        ```

        ```{python}
        #| echo: true
        print("cell shows this code")
        ```

        ```{python #attr-cell echo=true output=false}
        print("fence attributes work too")
        ```
        """))
    ch = execute_chapter(chapter, quiet, tmp_path / "cache")
    md = ch.markdown
    assert "project hides this code" in md and 'print("project hides this code")' not in md
    assert "hidden by the chapter" not in md
    assert 'print("cell shows this code")' in md
    attr = block_after(md, "::: {#attr-cell .cell}")
    assert 'print("fence attributes work too")' in attr and "cell-output" not in attr


def test_unknown_kernel_is_a_problem_not_a_crash(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "k.qmd"
    chapter.write_text("---\njupyter: no-such-kernel\n---\n\nValue `{python} 1`.\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert len(ch.problems) == 1
    assert "cannot start Jupyter kernel 'no-such-kernel'" in ch.problems[0].message
    assert ch.problems[0].file == chapter.resolve()
    assert "Value `{python} 1`." in ch.markdown


def test_invalid_cell_options_name_their_line(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "opts.qmd"
    chapter.write_text("# O\n\n```{python}\n#| echo: false\n#| fig-cap: [unclosed\nx = 1\n```\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert [(p.file, p.line) for p in ch.problems] == [(chapter.resolve(), 5)]
    assert ch.problems[0].message.startswith("invalid cell option")


def test_several_figures_in_one_labelled_cell_form_one_figure(tmp_path: Path, project: Project
                                                              ) -> None:
    chapter = tmp_path / "multi.qmd"
    chapter.write_text(textwrap.dedent("""\
        # M

        ```{python}
        #| label: fig-pair
        #| fig-cap: "Two panels"
        #| echo: false
        import matplotlib.pyplot as plt
        for k in (1, 2):
            plt.figure()
            plt.plot([0, k])
            plt.show()
        ```
        """))
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert ch.problems == []
    assert sorted(ch.resources) == ["figures/multi/fig-pair-1.svg", "figures/multi/fig-pair-2.svg"]
    divs = [e for e in walk(pandoc_blocks(ch.markdown)) if e["t"] == "Div"
            and e["c"][0][0] == "fig-pair"]
    assert len(divs) == 1
    inner = walk(divs[0]["c"][1])
    assert sum(e["t"] == "Image" for e in inner) == 2
    assert divs[0]["c"][1][-1]["t"] == "Para"  # the caption closes the div, as Quarto expects
    first, second = (ch.resources[h].read_text() for h in sorted(ch.resources))
    assert first != second


def test_layout_options_and_escaped_cells(tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "layout.qmd"
    chapter.write_text(textwrap.dedent("""\
        # Layout

        ```{python}
        #| column: margin
        #| classes: wide tight
        #| code-fold: true
        #| code-summary: "Show the code"
        print("in the margin")
        ```

        To write about a cell, escape it:

        ```{{python}}
        #| echo: false
        1 + 1
        ```
        """))
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert ch.problems == []
    blocks = pandoc_blocks(ch.markdown)
    div = next(e for e in blocks if e["t"] == "Div")
    assert div["c"][0][1] == ["cell", "wide", "tight", "column-margin"]
    code = next(e for e in walk(div) if e["t"] == "CodeBlock")
    assert code["c"][0][2] == [["code-fold", "true"], ["code-summary", "Show the code"]]
    shown = [e["c"][1] for e in blocks if e["t"] == "CodeBlock"]
    assert shown == ["```{python}\n#| echo: false\n1 + 1\n```"]  # shown verbatim, never run
    assert "\n2\n" not in ch.markdown


def test_files_listed_in_execute_depends_invalidate_the_cache(tmp_path: Path, project: Project
                                                              ) -> None:
    import dataclasses

    data = tmp_path / "data"
    data.mkdir()
    (data / "speed.txt").write_text("1")
    book = tmp_path / "book"
    book.mkdir()
    dep = dataclasses.replace(project, root=book, config={
        **project.config, "mlsys": {"execute-depends": ["../data/*.txt"]}})
    chapter = book / "ch.qmd"
    chapter.write_text("# D\n\nSpeed `{python} open('../data/speed.txt').read()`.\n")
    cache = tmp_path / "cache"
    assert "Speed 1." in execute_chapter(chapter, dep, cache).markdown
    assert execute_chapter(chapter, dep, cache).executed is False
    (data / "speed.txt").write_text("2")
    again = execute_chapter(chapter, dep, cache)
    assert again.executed is True and "Speed 2." in again.markdown


def test_figure_size_follows_quarto_defaults_and_front_matter(
        runs: dict[str, ExecutedChapter], tmp_path: Path, project: Project) -> None:
    assert "Default size: [7.0, 5.0] inches." in runs["figures"].markdown
    chapter = tmp_path / "size.qmd"
    chapter.write_text("---\nfig-width: 4\nfig-height: 2.5\n---\n\n```{python}\n"
                       "import matplotlib\n```\n\nSize `{python} "
                       "list(matplotlib.rcParams['figure.figsize'])`.\n")
    ch = execute_chapter(chapter, project, tmp_path / "cache")
    assert "Size [4.0, 2.5]." in ch.markdown
    chapter.write_text(chapter.read_text().replace("fig-width: 4", "fig-width: wide"))
    bad = execute_chapter(chapter, project, tmp_path / "cache")
    assert [p.message for p in bad.problems] == [
        "fig-width must be a positive number of inches, got 'wide'"]


def test_the_same_chapter_twice_at_once_leaves_one_whole_cache_entry(
        tmp_path: Path, project: Project) -> None:
    chapter = tmp_path / "race.qmd"
    chapter.write_text("# R\n\n```{python}\nprint(sum(range(10)))\n```\n")
    cache = tmp_path / "cache"
    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(lambda _: execute_chapter(chapter, project, cache), range(2))
    assert a.markdown == b.markdown and "\n45\n" in a.markdown
    entries = [p for p in cache.rglob("results.json")]
    assert len(entries) == 1 and not list(cache.glob("tmp-*"))
    assert execute_chapter(chapter, project, cache).executed is False


def test_a_frozen_missing_file_failure_reruns_once_the_file_exists(tmp_path: Path,
                                                                    project: Project) -> None:
    chapter = tmp_path / "data.qmd"
    chapter.write_text("# D\n\n```{python}\ntext = open('numbers.txt').read()\n```\n\n"
                       "Read: `{python} text.strip()`\n")
    cache = tmp_path / "cache"
    first = execute_chapter(chapter, project, cache)
    assert "FileNotFoundError" in first.problems[0].message
    assert execute_chapter(chapter, project, cache).executed is False  # still frozen
    (tmp_path / "numbers.txt").write_text("42\n")
    fixed = execute_chapter(chapter, project, cache)  # the code did not change; the file did
    assert fixed.executed is True and fixed.problems == []
    assert "Read: 42" in fixed.markdown
