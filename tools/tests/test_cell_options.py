"""Cell and format options act on what a reader sees, or are warned about at their line.

One small book is rendered with `mlsys render` (the real Jupyter kernel and the real R), and
each test reads the HTML a reader gets: the figure's alignment class, the image's size, one
merged code block, the order of figures and text. Chapters:

* `py.qmd`: Python cells (fig-align, out-width, fig-asp, code-line-numbers, code-overflow),
  with chapter-wide `fig-align` and `code-overflow` from its front matter;
* `knit.qmd`: R cells under the project's `knitr: opts_chunk:` (comment, collapse) and the
  cell-level knitr options (fig-show, results, out.width on the fence);
* `bad.qmd`: options the engine does not act on, each of which must be a warning.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main
from mlsys.execute import execute_chapter
from mlsys.project import load_project

HAVE_R = shutil.which("Rscript") is not None
needs_r = pytest.mark.skipif(not HAVE_R, reason="R is not installed (Debian r-base-core "
                             "r-cran-knitr r-cran-jsonlite)")

CONFIG = """\
project:
  type: book
book:
  title: Options
  chapters:
    - index.qmd
    - py.qmd
    - knit.qmd
knitr:
  opts_chunk:
    comment: "#>"
"""

PY = """\
---
title: Python cells
fig-align: right
format:
  html:
    code-overflow: wrap
---

```{python}
#| label: fig-left
#| fig-cap: "Drawn on the left"
#| fig-align: left
#| out-width: 60%
import matplotlib.pyplot as plt
plt.plot([1, 2, 3])
plt.show()
```

```{python}
#| echo: false
plt.plot([3, 2, 1])
plt.show()
```

```{python}
#| fig-width: 6
#| fig-asp: 0.5
#| out-height: 240px
fig = plt.figure()
print("size", [float(x) for x in fig.get_size_inches()])
plt.plot([1, 2])
plt.show()
```

```{python}
#| code-line-numbers: true
total = 0
for n in range(3):
    total += n
print(total)
```

An image from a file, not from code, takes the chapter's alignment too:

![A drawn figure](drawn.svg)

A code block that is not run:

```python
print("shown, never run")
```
"""

KNIT = """\
# Knitr options

```{r}
#| collapse: true
1 + 2
10 * 10
```

```{r}
2 + 3
```

```{r}
#| fig-show: hold
plot(1:3)
cat("printed after the plot was drawn\\n")
```

```{r}
#| fig-show: hide
plot(1:3)
cat("no figure here\\n")
```

```{r}
#| results: hold
cat("first\\n")
message("a message between")
cat("second\\n")
```

```{r}
#| results: asis
cat("Some **bold** words.\\n")
```

```{r, out.width="300px", fig.align="center"}
plot(3:1)
```
"""

BAD = """\
---
title: Unsupported
echo: false
format:
  html:
    code-copy: false
knitr:
  opts_chunk:
    prompt: true
---

```{python}
#| tidy: true
#| fig-show: animate
1 + 1
```

```{r}
#| out-width: "\\\\linewidth"
1
```
"""


def render(root: Path, *flags: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["render", str(root), "--out", str(root / "_site"),
                                       "-q", *flags], catch_exceptions=False)
    return result.exit_code, result.output


def book(root: Path, chapters: dict[str, str], config: str = CONFIG) -> Path:
    root.mkdir(parents=True)
    (root / "_quarto.yml").write_text(config)
    (root / "index.qmd").write_text("# Options\n\nCells and their options.\n")
    for name, text in chapters.items():
        (root / name).write_text(textwrap.dedent(text))
    (root / "drawn.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" '
                                    'height="20"><rect width="40" height="20"/></svg>\n')
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chapters = {"py.qmd": PY, "knit.qmd": KNIT} if HAVE_R else {"py.qmd": PY}
    config = CONFIG if HAVE_R else CONFIG.replace("    - knit.qmd\n", "")
    root = book(tmp_path_factory.mktemp("opts") / "book", chapters, config)
    code, out = render(root)
    assert code == 0, out
    assert "warning" not in out, out  # every option used here is acted on
    return root


def page(site: Path, name: str) -> str:
    html = (site / "_site" / name).read_text()
    return html[html.index("<main"):html.index("</main>")]


def cells(html: str) -> list[str]:
    """Each cell's HTML (the `div.cell` up to the next cell)."""
    return html.split('<div class="cell">')[1:]


# ----------------------------------------------------------------------------- fig-align


def test_fig_align_left_on_a_cell_puts_its_figure_on_the_left(site: Path) -> None:
    html = page(site, "py.html")
    assert '<div id="fig-left" class="quarto-float quarto-figure quarto-figure-left' in html
    assert "data-fig-align" not in html  # consumed, not left on the image


def test_fig_align_in_front_matter_reaches_a_lone_image(site: Path) -> None:
    lone = cells(page(site, "py.html"))[1]  # no caption: an image alone in a paragraph
    assert re.search(r'<div class="quarto-figure quarto-figure-right">\s*<p><img ', lone)


def test_fig_align_center_on_a_knitr_fence_is_the_centred_figure_class(site: Path) -> None:
    if not HAVE_R:
        pytest.skip("R is not installed")
    last = cells(page(site, "knit.html"))[-1]
    assert '<div class="quarto-figure quarto-figure-center">' in last


def test_fig_align_in_front_matter_reaches_a_markdown_figure(site: Path) -> None:
    html = page(site, "py.html")
    drawn = html[:html.index('src="drawn.svg"')].rsplit("<div", 2)
    assert 'class="quarto-figure quarto-figure-right"' in "".join(drawn[-2:])


# --------------------------------------------------------------------- out-width / height


def test_out_width_is_the_images_width_style(site: Path) -> None:
    first = cells(page(site, "py.html"))[0]
    img = re.search(r"<img [^>]*>", first).group(0)  # type: ignore[union-attr]
    assert 'style="width:60.0%"' in img
    assert "height=" not in img  # only the width given: the height follows the image


def test_out_height_in_pixels_and_knitr_out_width_in_pixels(site: Path) -> None:
    third = cells(page(site, "py.html"))[2]
    assert re.search(r'<img [^>]*height="240"', third)
    if HAVE_R:
        last = cells(page(site, "knit.html"))[-1]
        assert re.search(r'<img [^>]*width="300"', last)


# ---------------------------------------------------------------------------------- fig-asp


def test_fig_asp_makes_the_python_figure_height_width_times_asp(site: Path) -> None:
    third = cells(page(site, "py.html"))[2]
    assert "size [6.0, 3.0]" in third  # what matplotlib was told: 6 in x 0.5


# ---------------------------------------------------------------- code blocks: numbers, wrap


def test_code_line_numbers_numbers_the_cells_lines(site: Path) -> None:
    fourth = cells(page(site, "py.html"))[3]
    assert re.search(r'<pre class="sourceCode numberSource python number-lines', fourth)
    assert cells(page(site, "py.html"))[0].count("numberSource") == 0


def test_code_overflow_wrap_from_the_html_format_reaches_every_cell(site: Path) -> None:
    for cell in cells(page(site, "py.html")):
        if "sourceCode" in cell:
            assert re.search(r'<pre class="sourceCode[^"]* code-overflow-wrap', cell), cell
    plain = cells(page(site, "py.html"))[-1].split("never run", 1)[0].rsplit("<pre", 1)[1]
    assert plain.startswith(' class="sourceCode python code-overflow-wrap"')  # not a cell
    css = next((site / "_site").rglob("components*.css")).read_text()
    assert "pre.code-overflow-wrap" in css and "white-space: pre-wrap" in css


# ------------------------------------------------------------------------- knitr: R cells


def r_cells(site: Path) -> list[str]:
    if not HAVE_R:
        pytest.skip("R is not installed")
    return cells(page(site, "knit.html"))


def test_collapse_merges_code_and_output_into_one_block(site: Path) -> None:
    first = r_cells(site)[0]
    assert first.count("<pre") == 1 and "cell-output" not in first
    text = re.sub(r"<[^>]+>", "", first)
    assert re.search(r"1 \+ 2\s*10 \* 10\s*#&gt; \[1\] 3\s*#&gt; \[1\] 100", text)


def test_comment_from_knitr_opts_chunk_prefixes_text_output(site: Path) -> None:
    second = r_cells(site)[1]
    assert re.search(r'cell-output-stdout">\s*<pre><code>#&gt; \[1\] 5</code>', second)


def test_fig_show_hold_puts_figures_after_the_text(site: Path) -> None:
    outputs = r_cells(site)[2].split("</code></pre></div>", 1)[1]  # after the code
    assert outputs.index("#&gt; printed after the plot") < outputs.index("<img ")


def test_fig_show_hide_shows_no_figure(site: Path) -> None:
    hide = r_cells(site)[3]
    assert "#&gt; no figure here" in hide and "<img " not in hide
    assert not any("cell-4-" in p.name for p in (site / "_site").rglob("*.svg"))


def test_results_hold_gathers_printed_text_after_the_messages(site: Path) -> None:
    held = r_cells(site)[4]
    assert re.search(r"<pre><code>#&gt; first\n#&gt; second</code>", held)
    assert held.index("a message between") < held.index("#&gt; first")  # text flushed last


def test_results_asis_is_markdown_not_an_output_block(site: Path) -> None:
    asis = r_cells(site)[5]
    assert "<strong>bold</strong>" in asis and "cell-output" not in asis


# ------------------------------------------------------------------- cache, and warnings


def test_warm_build_reuses_results_and_keeps_every_option(site: Path, tmp_path: Path) -> None:
    project = load_project(site)
    first = execute_chapter(site / "py.qmd", project, tmp_path / "cache")
    again = execute_chapter(site / "py.qmd", project, tmp_path / "cache")
    assert first.executed and not again.executed  # no kernel the second time
    assert again.markdown == first.markdown and "out-height" not in again.markdown
    assert 'height=240px fig-align="right"' in again.markdown


def test_options_the_engine_does_not_act_on_are_warnings_at_their_lines(
        tmp_path: Path) -> None:
    config = textwrap.dedent("""\
        project:
          type: book
        book:
          title: Options
          chapters:
            - index.qmd
            - bad.qmd
        execute:
          freeze: false
          kernel-timeout: 3
        knitr:
          opts_chunk:
            tidy: true
        """)
    root = book(tmp_path / "book", {"bad.qmd": BAD if HAVE_R else BAD.split("```{r}")[0]},
                config)
    code, out = render(root)
    assert code == 0
    bad = root / "bad.qmd"
    expected = [
        f"{bad}:3: warning: document option 'echo' is not supported",
        f"{bad}:6: warning: document option 'format.html.code-copy: false' is not supported: "
        "this engine always shows a copy button on code",
        f"{bad}:7: warning: knitr opts_chunk option 'prompt' is not supported",
        f"{bad}:13: warning: cell option 'tidy' is not supported by this engine",
        f"{bad}:14: warning: cell option 'fig-show' must be one of asis, hold, hide, got "
        "'animate'",
        "warning: project option 'execute.freeze: false' is not supported: this engine "
        "always reuses the results of unchanged code",
        "warning: project option 'execute.kernel-timeout' is not supported",
        "warning: project knitr opts_chunk option 'tidy' is not supported",
    ]
    if HAVE_R:
        expected.append(f"{bad}:19: warning: cell option 'out-width' must be a number of "
                        "pixels, a percentage or a CSS length")
    for message in expected:
        assert message in out, (message, out)
    strict, out = render(root, "--strict")
    assert strict != 0 and "tidy" in out
