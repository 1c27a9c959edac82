"""TikZ figures drawn as SVG (fixture `tikz_book`): preamble, numbering, cache, errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mlsys.figtheme import MARKER
from mlsys.filters import tikz
from mlsys.model import BuildError, RenderedBook
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "tikz_book"
needs_latex = pytest.mark.skipif(
    not tikz.latex_available(),
    reason="latex and dvisvgm are missing (apt-get install " + tikz.PACKAGES + ")")


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    return root


def _page(book: RenderedBook) -> str:
    return next(p.body_html for p in book.pages if p.href == "diagrams.html")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RenderedBook]:
    if not tikz.latex_available():
        pytest.skip("latex and dvisvgm are missing (apt-get install " + tikz.PACKAGES + ")")
    root = _copy(tmp_path_factory.mktemp("tikz"))
    return root, render_book(root, cache_dir=root / ".cache")


@needs_latex
def test_every_picture_is_an_svg_figure(built: tuple[Path, RenderedBook]) -> None:
    _, book = built
    assert book.problems == []
    page = _page(book)
    assert "tikzpicture" not in page and "\\draw" not in page  # no LaTeX source shown
    # the `tikz` class (dark-mode styling) beside Quarto's `img-fluid`
    images = re.findall(r'<img src="(_tikz/[0-9a-f]+\.svg)" class="img-fluid tikz[ "]', page)
    assert len(images) == 4
    for href in images:
        svg = book.resources[href].read_text()
        assert svg.startswith("<?xml") and "<path" in svg
        assert MARKER in svg  # the dark-mode style every figure of the site gets


@needs_latex
def test_numbering_captions_and_references(built: tuple[Path, RenderedBook]) -> None:
    page = _page(built[1])
    for fid, number, caption in [
            ("fig-pipeline", "1.1", "A pipeline drawn with the project’s macros."),
            ("fig-shapes", "1.2", "Shapes from a library named in header-includes."),
            ("fig-stack", "1.3", "A software stack."),
            ("fig-loop", "1.4", "A loop, labelled by comment options.")]:
        assert f'<a href="#{fid}" class="quarto-xref">Figure {number}</a>' in page
        figure = page[page.index(f'<div id="{fid}" class="quarto-float'):]
        figure = figure[:figure.index("</figure>")]
        assert '<img src="_tikz/' in figure
        assert f"Figure {number}:</span> {caption}" in figure


@needs_latex
def test_preamble_colour_reaches_the_drawing(built: tuple[Path, RenderedBook]) -> None:
    """`\\definecolor{accent}{HTML}{2A9D8F}` from include-in-header is used by the macro."""
    _, book = built
    page = _page(book)
    first = re.search(r'<div id="fig-pipeline".*?<img src="(_tikz/[^"]+)"', page, re.S)
    assert first is not None
    assert "#2a9d8f" in book.resources[first.group(1)].read_text().lower()


@needs_latex
def test_warm_build_and_other_edits_run_no_latex(built: tuple[Path, RenderedBook],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root, first = built

    real_run = subprocess.run

    def no_latex(cmd: list[str], *args: Any, **kwargs: Any) -> Any:
        if Path(cmd[0]).name in ("latex", "dvisvgm"):
            raise AssertionError("LaTeX ran for a picture that did not change")
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", no_latex)
    again = render_book(root, cache_dir=root / ".cache")
    assert _page(again) == _page(first)
    chapter = root / "diagrams.qmd"
    chapter.write_text(chapter.read_text().replace("The loop is", "The closing loop is"))
    edited = _page(render_book(root, cache_dir=root / ".cache"))
    assert "The closing loop is" in edited and edited.count('class="img-fluid tikz') == 4


@needs_latex
def test_latex_error_is_at_the_chapter_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    chapter = root / "diagrams.qmd"
    text = chapter.read_text().replace("\\node[draw, diamond, fill=accent!20] {Decide};",
                                       "\\node[draw, diamond] {\\nosuchmacro Decide};")
    chapter.write_text(text)
    line = text.splitlines().index("\\node[draw, diamond] {\\nosuchmacro Decide};") + 1
    with pytest.raises(BuildError) as info:
        render_book(root, cache_dir=root / ".cache")
    [problem] = info.value.problems
    assert (problem.file, problem.line) == (chapter, line)
    assert "Undefined control sequence" in problem.message


def test_missing_latex_names_the_debian_packages(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(BuildError) as info:
        render_book(root, cache_dir=root / ".cache")
    messages = [p.message for p in info.value.problems]
    assert messages and all("texlive-pictures" in m and "dvisvgm" in m for m in messages)
    assert {p.file for p in info.value.problems} == {root / "diagrams.qmd"}


def test_preamble_keeps_picture_statements_only(tmp_path: Path) -> None:
    pre = tikz.tikz_preamble(FIXTURE, {"format": {"pdf": {
        "include-in-header": "preamble.tex",
        "header-includes": "\\usetikzlibrary{shapes.geometric}"}}}, FIXTURE / "x.qmd", "")
    assert "\\usetikzlibrary{arrows.meta, positioning}" in pre
    assert "\\usetikzlibrary{shapes.geometric}" in pre
    assert "flow/.style={-{Stealth[length=3mm]}, thick}" in pre  # a multi-line \tikzset
    assert "fontspec" not in pre and "setmainfont" not in pre  # another engine's business


def test_doctor_reports_tikz_tools() -> None:
    from mlsys.doctor import toolchain_report

    rows = {name: (version, hint) for name, version, hint in toolchain_report()}
    version, hint = rows["tikz (latex + dvisvgm)"]
    assert "texlive-pictures" in hint and "dvisvgm" in hint
    assert (version is not None) == tikz.latex_available()


@needs_latex
def test_dark_mode_draws_light_lines_on_the_dark_page(built: tuple[Path, RenderedBook],
                                                      tmp_path: Path, browser: Any) -> None:
    """In the site, a TikZ figure follows the theme: black lines turn light on dark pages."""
    import io

    from mlsys.site import BookSection, NavLink, NavMenu, SiteConfig, SiteWriter
    from PIL import Image

    config = SiteConfig(title="T", description="d", menus=[
        NavMenu("Read", [NavLink("Book", "book/index.html", "x")])])
    out = tmp_path / "_site"
    with SiteWriter(out, config) as writer:
        writer.add_book(BookSection("vol1", built[1], prefix="book/", label="Book"))
        writer.add_landing([])
    levels = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": 1000, "height": 800}, color_scheme=scheme)
        page.goto((out / "book" / "diagrams.html").as_uri())
        shot = page.locator("#fig-stack img").screenshot()
        page.close()
        pixels = Image.open(io.BytesIO(shot)).convert("L").tobytes()
        levels[scheme] = (min(pixels), max(pixels), sum(pixels) / len(pixels))
    assert levels["light"][0] < 60 and levels["light"][2] > 200  # dark ink on white
    assert levels["dark"][1] > 180 and levels["dark"][2] < 70  # light ink on the dark page


@needs_latex
def test_book_exports_get_the_same_svgs(built: tuple[Path, RenderedBook]) -> None:
    """`mlsys build book --to pdf|epub` starts from prepare_book: pictures are images there."""
    from mlsys.filters.pandoc_ast import iter_elements
    from mlsys.pipeline import prepare_book

    root, book = built
    for target in ("pdf", "epub"):
        prepared = prepare_book(root, target=target, cache_dir=root / ".cache")
        chapter = next(c for c in prepared.chapters if c.ref.path.name == "diagrams.qmd")
        images = [n["c"][2][0] for n in iter_elements(chapter.ast["blocks"],
                                                      frozenset({"Image"}))]
        assert len(images) == 4 and all(i.startswith("_tikz/") for i in images)
        assert {chapter.generated[i] for i in images} == {
            book.resources[i] for i in images}  # drawn once, for the site and the exports


@needs_latex
def test_inline_tikz_in_text_is_an_inline_svg(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    chapter = root / "diagrams.qmd"
    chapter.write_text(chapter.read_text() + (
        "\n\nA dot \\tikz{\\fill (0,0) circle (2pt);} marks a node, and a red bar "
        "\\tikz[baseline=-0.5ex]{\\draw[red, thick] (0,0) -- (1em,0);} marks an edge.\n\n"
        "\\tikz{\\draw (0,0) rectangle (1,0.5);}\n\n"
        "Settings such as \\tikzset{every node/.style={draw}} are not pictures.\n"))
    book = render_book(root, cache_dir=root / ".cache")
    assert book.problems == []
    page = _page(book)
    para = re.search(r"<p>A dot (<img [^>]+>) marks a node, and a red bar (<img [^>]+>) "
                     r"marks an edge\.</p>", page)
    assert para is not None, "the inline pictures sit inside the sentence"
    srcs = []
    for tag in para.groups():
        assert re.search(r'class="[^"]*\btikz-inline\b', tag)
        srcs.append(re.search(r'src="(_tikz/[0-9a-f]+\.svg)"', tag).group(1))  # type: ignore[union-attr]
    dot, bar = (book.resources[s].read_text() for s in srcs)
    assert "<path" in dot and MARKER in dot  # drawn, with the dark-mode style
    assert "#f00" in bar.lower() or "#ff0000" in bar.lower() or "red" in bar.lower()
    # a paragraph holding only \tikz{...}: a block picture (not wrapped in a tikzpicture)
    assert re.search(r'<p><img src="_tikz/[0-9a-f]+\.svg" class="img-fluid tikz" '
                     r'alt="TikZ diagram" /></p>\s*<p>Settings such as', page)
    assert "\\tikz" not in page and "tikzset" not in page  # no LaTeX source shown


@needs_latex
def test_inline_tikz_without_braces_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    chapter = root / "diagrams.qmd"
    text = chapter.read_text() + "\n\nA circle \\tikz \\draw (0,0) circle (1ex); here.\n"
    chapter.write_text(text)
    book = render_book(root, cache_dir=root / ".cache")
    [problem] = book.problems
    assert problem.severity == "warning"
    assert "write \\tikz{...}" in problem.message
    assert (problem.file, problem.line) == (chapter, len(text.splitlines()))
