"""The PDF writer: the assembled volume -> pandoc's Typst writer -> our template -> typst.

No LaTeX anywhere: pandoc writes Typst markup (it converts the TeX math itself), our own
template (`template.typ`) lays out the book, and the `typst` wheel compiles it with the fonts
it embeds. Anything Typst cannot use (an image it cannot decode, a font it does not have)
stops the export with the source file and line of the culprit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..filters.pandoc_ast import Node
from ..model import Problem
from ..parse import PandocError, digest, pandoc_version, read_cache, run_pandoc, write_cache
from ..pipeline import PreparedBook
from .assemble import Callout, Style, assemble
from .errors import ExportError

IMAGE_TYPES = frozenset({".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"})
_LABEL = re.compile(r"label `<([^>]+)>`")
_UNKNOWN_FONT = re.compile(r"unknown font famil(?:y|ies):?\s*(.+)", re.IGNORECASE)


def _raw(text: str) -> Node:
    return {"t": "RawBlock", "c": ["typst", text]}


def _raw_inline(text: str) -> Node:
    return {"t": "RawInline", "c": ["typst", text]}


def typst_string(text: str) -> str:
    """`text` as a Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _callout(c: Callout) -> list[Node]:
    body = [_raw(f"#callout(kind: {typst_string(c.kind)}, color: rgb({typst_string(c.color)}))["),
            {"t": "Para", "c": [{"t": "Strong", "c": c.title}]}, *c.body, _raw("]")]
    return [{"t": "Div", "c": [[c.id, [], []], body]}] if c.id else body


def _equation(eid: str, number: str, math: Node) -> list[Node]:
    return [{"t": "Span", "c": [[eid, [], []], [
        _raw_inline(f"#equation-line({typst_string(number)}, ["), math, _raw_inline("])")]]}]


STYLE = Style(
    raw="typst",
    callout=_callout,
    equation=_equation,
    index_term=lambda term: [_raw_inline(f"#index-term({typst_string(term)})")],
    chapter_start=lambda label: [_raw(f"#chapter-start({typst_string(label)})")],
    part=lambda label, title: [_raw(f"#part-page({typst_string(label)}, "
                                    f"{typst_string(title)})")],
    back_matter=lambda terms: [_raw("#pagebreak(weak: true)\n#heading(level: 1)[Index]\n"
                                    "#book-index()")] if terms else [],
)


def typst_source(book: PreparedBook) -> tuple[str, list[Problem],
                                              list[tuple[Path, Path, int | None]]]:
    """The whole volume as one Typst document (template + body), with what was left out."""
    assembled = assemble(book, STYLE)
    _check_images(assembled.images)
    meta = assembled.ast["meta"]
    if book.bibliography:
        meta["bibliography"] = {"t": "MetaList", "c": [
            {"t": "MetaString", "c": str(p)} for p in book.bibliography]}
        meta["link-citations"] = {"t": "MetaBool", "c": True}
    args = ["-f", "json", "-t", "typst", "--wrap=preserve"]
    if book.bibliography:
        args.append("--citeproc")
    body = _pandoc_typst(args, json.dumps(assembled.ast), book)
    project = book.project
    font = main_font(project.config)
    head = (files("mlsys.bookexport").joinpath("template.typ").read_text(encoding="utf-8")
            + f"\n#show: book.with(title: {typst_string(project.title)}, "
            f"subtitle: {typst_string(project.subtitle or '')}, "
            f"author: {typst_string(project.author or '')}"
            + (f", font: {typst_string(font)}" if font else "") + ")\n\n")
    return head + body, assembled.problems, assembled.images


def _pandoc_typst(args: list[str], doc: str, book: PreparedBook) -> str:
    """pandoc's Typst for the volume, cached by the document, the bibliographies and pandoc."""
    bibs = [p.read_bytes() for p in book.bibliography]
    key = digest("typst", pandoc_version(), " ".join(args), doc, *bibs)
    cache = book.project.root / ".mlsys-cache" if book.cache_dir is None else book.cache_dir
    cached = read_cache(cache, "typst", key)
    if isinstance(cached, str):
        return cached
    try:
        body = run_pandoc(args, doc, cwd=book.project.root)
    except PandocError as exc:
        raise ExportError([Problem("error", f"pandoc cannot write Typst: {exc}",
                                   book.project.root)]) from None
    write_cache(cache, "typst", key, body)
    return body


def main_font(config: dict[str, Any]) -> str | None:
    """Quarto's `mainfont` (under `format: pdf:` / `typst:`, or top level), if set."""
    fmt = config.get("format") if isinstance(config.get("format"), dict) else {}
    for section in (fmt.get("pdf"), fmt.get("typst"), config):
        if isinstance(section, dict) and isinstance(section.get("mainfont"), str):
            return section["mainfont"]
    return None


def _check_images(images: list[tuple[Path, Path, int | None]]) -> None:
    problems = []
    for path, source, line in images:
        if not path.is_file():
            problems.append(Problem("error", f"image file not found: {path}", source, line))
        elif path.suffix.lower() not in IMAGE_TYPES:
            problems.append(Problem("error", f"Typst cannot embed {path.suffix} images: "
                                    f"{path.name} (use SVG, PNG or JPEG)", source, line))
    if problems:
        raise ExportError(problems)


Locator = Callable[[str], tuple[Path | None, int | None]]


def label_locator(book: PreparedBook) -> Locator:
    """Where a label is referenced in the sources (`@id` or `#id`), for Typst's errors."""
    def locate(label: str) -> tuple[Path | None, int | None]:
        for chapter in book.chapters:
            for needle in ("@" + label, "#" + label):
                file, line = chapter.locate(needle)
                if line is not None:
                    return file, line
        return None, None
    return locate


def compile_pdf(source: str, images: list[tuple[Path, Path, int | None]],
                config_file: Path | None = None, locate: Locator | None = None) -> bytes:
    """Typst source -> PDF bytes; a Typst error names the image, font or label behind it."""
    import typst

    try:
        pdf, warnings = typst.compile_with_warnings(source.encode("utf-8"), root="/",
                                                    format="pdf")
    except typst.TypstError as exc:
        label = _LABEL.search(str(getattr(exc, "message", exc)))
        if label and locate is not None:
            file, line = locate(label.group(1))
            raise ExportError([Problem("error", f"Typst cannot resolve the link to "
                                       f"#{label.group(1)}: {exc}", file, line)]) from None
        raise ExportError([_locate_failure(exc, images)]) from None
    for w in warnings:
        m = _UNKNOWN_FONT.search(str(getattr(w, "message", w)))
        if m:
            raise ExportError([Problem(
                "error", f"font not available to Typst: {m.group(1).strip()} (install it "
                "where Typst finds system fonts, or use one the typst wheel embeds: "
                "Libertinus Serif, New Computer Modern, DejaVu Sans Mono)",
                config_file, _line_of(config_file, "mainfont"))])
    assert isinstance(pdf, bytes)
    return pdf


def _locate_failure(exc: Exception, images: list[tuple[Path, Path, int | None]]) -> Problem:
    """Blame the image Typst could not read (each is tried alone), else report Typst's text."""
    import typst

    text = " ".join(str(getattr(exc, "message", exc)).split())
    for path, source, line in images:
        if str(path) in str(exc) or _fails_alone(typst, path):
            return Problem("error", f"Typst cannot read image {path.name}: {text}", source, line)
    return Problem("error", f"Typst failed: {text}")


def _fails_alone(typst: object, path: Path) -> bool:
    doc = f"#image({typst_string(str(path))}, width: 1cm)".encode()
    try:
        typst.compile(doc, root="/", format="pdf")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - any failure means this image is the culprit
        return True
    return False


def _line_of(path: Path | None, word: str) -> int | None:
    if path is None or not path.is_file():
        return None
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if word in line:
            return i
    return None
