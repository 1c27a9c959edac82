"""The EPUB3 writer: the assembled volume -> pandoc `-t epub3` with MathML and citeproc.

The cover is drawn by Typst (title and subtitle on the book's colours) and rendered to PNG,
so no image tool beyond the `typst` wheel is needed. Callouts become classed sections styled
by `epub.css`; equations keep their number beside the MathML.
"""

from __future__ import annotations

import json
import tempfile
from importlib.resources import files
from pathlib import Path

from ..filters.pandoc_ast import Node, text_inlines, walk
from ..model import Problem
from ..parse import PandocError, digest, pandoc_path, pandoc_version
from ..pipeline import PreparedBook
from .assemble import Callout, Style, assemble
from .errors import ExportError
from .export import write_bytes_atomic
from .pdf import typst_string


def _callout(c: Callout) -> list[Node]:
    head = {"t": "Para", "c": [{"t": "Strong", "c": c.title}]}
    return [{"t": "Div", "c": [[c.id, ["callout", f"callout-{c.kind}"],
                                [["style", f"border-left-color: {c.color}"]]],
                               [head, *c.body]]}]


def _equation(eid: str, number: str, math: Node) -> list[Node]:
    return [{"t": "Span", "c": [[eid, ["equation"], []], [
        math, {"t": "Span", "c": [["", ["eq-number"], []], [{"t": "Str", "c": f"({number})"}]]}]]}]


def _part(label: str, title: str) -> list[Node]:
    text = f"{label}: {title}" if label else title
    return [{"t": "Header", "c": [1, ["", ["part", "unnumbered"], []], text_inlines(text)]}]


STYLE = Style(
    raw="html",
    callout=_callout,
    equation=_equation,
    index_term=lambda term: [],
    chapter_start=lambda label: [],
    part=_part,
    back_matter=lambda terms: [],
)


def _anchor_floats(node: Node) -> Node | None:
    """Move a figure's or table's id onto a wrapping div: pandoc's EPUB writer rewrites
    links into other chapter files only for ids it knows, and it does not know those."""
    a = node["c"][0]
    if not a[0]:
        return None
    fid, a[0] = a[0], ""
    return {"t": "Div", "c": [[fid, [], []], [node]]}


def cover_png(title: str, subtitle: str, author: str) -> bytes:
    """A 1200x1800 cover drawn with Typst."""
    import typst

    doc = f"""
#set page(width: 8in, height: 12in, margin: 0.8in, fill: rgb("#1f3d5c"))
#set text(font: "Libertinus Serif", fill: white)
#v(30%)
#text(size: 44pt, weight: "bold", {typst_string(title)})
#v(14pt)
#line(length: 100%, stroke: 2pt + rgb("#9cc3e6"))
#v(10pt)
#text(size: 22pt, {typst_string(subtitle)})
#v(1fr)
#text(size: 16pt, {typst_string(author)})
"""
    png = typst.compile(doc.encode(), format="png", ppi=150)
    return png[0] if isinstance(png, list) else png  # type: ignore[return-value]


def epub_bytes(book: PreparedBook) -> tuple[bytes, list[Problem]]:
    """The volume as EPUB3 bytes, plus what the export left out.

    Cached by everything that shapes the file (the document, the images' bytes, the
    bibliographies, the stylesheet, pandoc's version), so an unchanged book is not
    rewritten by pandoc.
    """
    assembled = assemble(book, STYLE)
    walk(assembled.ast["blocks"], _anchor_floats, frozenset({"Figure", "Table"}))
    _metadata(book, assembled.ast["meta"])
    missing = [Problem("error", f"image file not found: {p}", src, line)
               for p, src, line in assembled.images if not p.is_file()]
    if missing:
        raise ExportError(missing)
    doc = json.dumps(assembled.ast)
    css = files("mlsys.bookexport").joinpath("epub.css").read_text(encoding="utf-8")
    key = digest("epub", pandoc_version(), doc, css, *(p.read_bytes() for p in book.bibliography),
                 *(p.read_bytes() for p, _src, _line in assembled.images))
    cache = (book.cache_dir or book.project.root / ".mlsys-cache") / "epub" / f"{key}.epub"
    if cache.is_file():
        return cache.read_bytes(), assembled.problems
    data = _pandoc_epub(doc, css, book)
    try:
        write_bytes_atomic(cache, data)
    except OSError:  # no writable cache: only speed is lost
        pass
    return data, assembled.problems


def _metadata(book: PreparedBook, meta: dict) -> None:
    project = book.project
    meta["title"] = {"t": "MetaString", "c": project.title}
    if project.subtitle:
        meta["subtitle"] = {"t": "MetaString", "c": project.subtitle}
    if project.author:
        meta["author"] = {"t": "MetaList", "c": [{"t": "MetaString", "c": project.author}]}
    meta["lang"] = {"t": "MetaString", "c": str(project.config.get("lang") or "en")}
    if book.bibliography:
        meta["bibliography"] = {"t": "MetaList", "c": [
            {"t": "MetaString", "c": str(p)} for p in book.bibliography]}
        meta["link-citations"] = {"t": "MetaBool", "c": True}


def _pandoc_epub(doc: str, css: str, book: PreparedBook) -> bytes:
    import subprocess

    project = book.project
    with tempfile.TemporaryDirectory(prefix="mlsys-epub-") as tmp:
        work = Path(tmp)
        (work / "cover.png").write_bytes(
            cover_png(project.title, project.subtitle or "", project.author or ""))
        (work / "epub.css").write_text(css, encoding="utf-8")
        out = work / "book.epub"
        args = [pandoc_path(), "-f", "json", "-t", "epub3", "--mathml", "--toc",
                "--toc-depth=2", "--split-level=1", f"--epub-cover-image={work / 'cover.png'}",
                f"--css={work / 'epub.css'}", "-o", str(out)]
        if book.bibliography:
            args.append("--citeproc")
        proc = subprocess.run(args, input=doc.encode(), capture_output=True, cwd=project.root)
        if proc.returncode != 0:
            err = PandocError(proc.stderr.decode("utf-8", "replace").strip())
            raise ExportError([Problem("error", f"pandoc cannot write the EPUB: {err}",
                                       project.root)])
        return out.read_bytes()
