"""One volume as one pandoc document: part pages, chapters in order, the index at the back.

Both writers start here. Each chapter's executed AST goes through the shared print passes
(`passes.py`) and through the writer's own hooks (`Style`): how a callout, a numbered
equation, an index term, a chapter opening and a part page look in that format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..filters.callouts import callout_type
from ..filters.citations import citation_pass
from ..filters.headings import number_headings
from ..filters.pandoc_ast import Node, attr_get, text_inlines, walk, walk_passes
from ..filters.xrefs import MissingRef, xref_pass
from ..model import Problem
from ..pipeline import ExportChapter, PreparedBook
from ..xref import Target, first_title
from . import passes
from .passes import Found

ANSWERS = "Answers to the self-checks"


@dataclass(frozen=True)
class Callout:
    """A callout as the writers see it: kind, colour, title inlines, body, label."""

    kind: str
    color: str
    title: list[Node]
    body: list[Node]
    id: str


@dataclass(frozen=True)
class Style:
    """What differs between the PDF and the EPUB, as small functions returning blocks."""

    raw: str  # the raw format kept ("typst" or "html")
    callout: Callable[[Callout], list[Node]]
    equation: Callable[[str, str, Node], list[Node]]  # id, number, Math node -> inlines
    index_term: Callable[[str], list[Node]]
    chapter_start: Callable[[str], list[Node]]  # "Chapter 3" (or "") -> blocks
    part: Callable[[str, str], list[Node]]  # "Part I", title -> blocks
    back_matter: Callable[[int], list[Node]]  # given the number of index terms


@dataclass
class Assembled:
    """The volume's document, the images it embeds and what the export leaves out."""

    ast: dict[str, Any]
    images: list[tuple[Path, Path, int | None]]  # (file, source .qmd, line)
    problems: list[Problem]


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def assemble(book: PreparedBook, style: Style) -> Assembled:
    """Every chapter of `book`, transformed for one format, joined in reading order."""
    blocks: list[Node] = []
    problems: list[Problem] = []
    images: list[tuple[Path, Path, int | None]] = []
    chapter_ids = {c.ref.href.rsplit("/", 1)[-1]: _chapter_id(c) for c in book.chapters}
    part, parts, terms = None, 0, 0
    for chapter in book.chapters:
        if chapter.ref.part != part and chapter.ref.part:
            if chapter.ref.kind == "appendix":
                blocks += style.part("", chapter.ref.part)
            else:
                parts += 1
                blocks += style.part(f"Part {_roman(parts)}", chapter.ref.part)
        part = chapter.ref.part
        found = Found()
        blocks += chapter_blocks(chapter, book, style, found)
        for notice in found.notices:
            file, line = chapter.locate(notice.needle)
            problems.append(Problem("warning", notice.message, file, line))
        terms += found.index_terms
        for path, written in found.images:
            images.append((path, *chapter.locate(written)))
    if book.cited and not any(b["t"] == "Div" and b["c"][0][0] == "refs" for b in blocks):
        blocks += [*style.chapter_start(""),
                   {"t": "Header", "c": [1, ["bibliography", ["unnumbered"], []],
                                         text_inlines("References")]},
                   {"t": "Div", "c": [["refs", [], []], []]}]
    blocks += style.back_matter(terms)
    found = Found()
    passes.local_links(blocks, chapter_ids, _unique_ids(blocks, book.cited), found)
    problems += [Problem("warning", n.message) for n in found.notices]
    api = book.chapters[0].ast.get("pandoc-api-version") if book.chapters else [1, 23, 1]
    return Assembled({"pandoc-api-version": api, "meta": {}, "blocks": blocks}, images,
                     problems)


def _chapter_id(chapter: ExportChapter) -> str:
    return chapter.index.title_id or "chapter-" + Path(chapter.ref.href).stem


def chapter_blocks(chapter: ExportChapter, book: PreparedBook, style: Style,
                   found: Found) -> list[Node]:
    """One chapter's blocks for print: numbered title and sections, the passes applied."""
    ref, index, ast = chapter.ref, chapter.index, chapter.ast
    local = {t.id: t for t in index.targets if t.href == ref.href}
    front = index.meta.get("title") if isinstance(index.meta.get("title"), str) else None
    title_node = None if front else first_title(ast["blocks"])
    body, title_inlines, _toc = number_headings(ast["blocks"], title_node, local)
    title = title_inlines or text_inlines(front or ref.title)
    cid = _chapter_id(chapter)
    passes.flatten_tabsets(body)
    body += passes.quiz_answers(body, f"answers-{Path(ref.href).stem}", ANSWERS)
    passes.margin_notes(body)
    passes.bake_captions(body, local, book.config)
    missing: list[MissingRef] = []
    unknown_cites: list[str] = []
    walk_passes(body, [xref_pass(book.table, book.config, ref.href, missing),
                       citation_pass(book.bib_keys, unknown_cites)])
    for m in dict.fromkeys(missing):
        found.notices.append(passes.Notice(f"unresolved cross-reference @{m.cid}", "@" + m.cid))
    for key in dict.fromkeys(unknown_cites):
        found.notices.append(passes.Notice(f"citation key not found: @{key}", "@" + key))
    walk(body, lambda n: _same_page_link(n, cid), frozenset({"Link"}))
    walk(body, lambda n: _equation(n, local, style), frozenset({"Span"}))
    walk(body, lambda n: _callout(n, local, book.project.callouts, style),
         frozenset({"Div"}))
    passes.raw_blocks(body, style.raw, style.index_term, found)
    passes.resolve_images(body, ref.path.parent, chapter.generated, found)
    label = {"chapter": "Chapter", "appendix": "Appendix"}.get(ref.kind, "")
    number = ref.number or ""
    heading = [*([{"t": "Str", "c": number}, {"t": "Space"}] if number else []), *title]
    return [*style.chapter_start(f"{label} {number}" if label and number else ""),
            {"t": "Header", "c": [1, [cid, ["chapter"], []], heading]}, *body]


def _same_page_link(node: Node, chapter_id: str) -> None:
    if node["c"][2][0] == "#":
        node["c"][2][0] = "#" + chapter_id


def _equation(node: Node, local: dict[str, Target], style: Style) -> list[Node] | None:
    a, content = node["c"]
    target = local.get(a[0])
    if "equation" not in a[1] or target is None or target.number is None:
        return None
    math = next((x for x in content if x["t"] == "Math"), None)
    return style.equation(a[0], target.number, math) if math else None


def _callout(node: Node, local: dict[str, Target], project: dict[str, Any],
             style: Style) -> list[Node] | None:
    a, content = node["c"]
    kind = callout_type(a[1])
    if kind is None:
        return None
    conf = project.get(kind) if isinstance(project.get(kind), dict) else {}
    title_attr = attr_get(a, "title")
    if title_attr is not None:
        title = text_inlines(title_attr)
    elif content and content[0]["t"] == "Header":
        title, content = content[0]["c"][2], content[1:]
    else:
        title = text_inlines(str(conf.get("title") or kind.replace("-", " ").capitalize()))
    target = local.get(a[0])
    if target is not None and target.number is not None:
        title = [*text_inlines(f"{target.prefix} {target.number}:"), {"t": "Space"}, *title]
    color = str(conf.get("color") or _BUILTIN_COLOURS.get(kind, "#5a6b7d"))
    return style.callout(Callout(kind, color, title, content, a[0]))


_BUILTIN_COLOURS = {"note": "#2f6fb3", "tip": "#2f9b6a", "warning": "#c28a00",
                    "caution": "#c2410c", "important": "#b32f2f"}


def _unique_ids(blocks: list[Node], cited: list[str]) -> set[str]:
    """Anchors a link may target: ids that occur exactly once, plus citeproc's entries."""
    counts: Counter[str] = Counter()
    for lst in passes._all_lists(blocks):
        for x in lst:
            if isinstance(x, dict) and x.get("t") in _WITH_ATTR:
                a = x["c"][1] if x["t"] == "Header" else x["c"][0]
                if a and a[0]:
                    counts[a[0]] += 1
    return {i for i, n in counts.items() if n == 1} | {f"ref-{k}" for k in cited}


_WITH_ATTR = frozenset({"Header", "Div", "Span", "Figure", "Table", "CodeBlock"})
