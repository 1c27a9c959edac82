"""Pass two: one chapter's AST plus the book's cross-reference table -> an HTML fragment.

The transforms run in a fixed order (headings, callouts, floats, references, citations,
links), each one module under `filters/`; pandoc then writes HTML once per chapter, with
citeproc and MathML, so math and bibliographies look exactly as pandoc makes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .filters.callouts import callout_pass
from .filters.citations import (
    citation_pass,
    has_citations,
    has_refs_div,
    nocite_meta,
    references_section,
)
from .filters.floats import float_pass
from .filters.headings import number_headings, title_block
from .filters.htmlpost import link_reference_locators, math_for_search
from .filters.links import LinkResult, link_pass
from .filters.pandoc_ast import walk_passes
from .filters.tabsets import tabset_pass
from .filters.theorems import theorem_pass
from .filters.xrefs import MissingRef, xref_pass
from .model import TocEntry
from .parse import run_pandoc
from .xref import ChapterIndex, XrefConfig, XrefTable, first_title

RENDER_VERSION = "10"
_TITLE = re.compile(r"<!--mlsys-title-->\s*(.*?)\s*<!--/mlsys-title-->\s*", re.DOTALL)
_HEADING = re.compile(r"<h([1-6])([^>]*)>(.*?)</h\1>", re.DOTALL)
_ID = re.compile(r'\bid="([^"]*)"')
_SECTION_HEADING = re.compile(r'<section id="([^"]*)"[^>]*>\s*<h([1-6])[^>]*>(.*?)</h\2>',
                              re.DOTALL)

# The start of the warning for a reference to no known target (`pipeline` recognises it).
UNRESOLVED = "unresolved cross-reference @"


@dataclass
class Issue:
    """A problem found while rendering, with text to look for in the source to locate it."""

    severity: str
    message: str
    needle: str | None = None


@dataclass
class ChapterContext:
    """Everything about the book that one chapter's rendering depends on."""

    page_href: str
    source_dir: Path
    config: XrefConfig
    table: XrefTable
    index: ChapterIndex
    callouts: dict[str, Any] = field(default_factory=dict)
    bibliography: list[Path] = field(default_factory=list)
    bib_keys: frozenset[str] = frozenset()
    nocite: list[str] = field(default_factory=list)
    generated: dict[str, Path] = field(default_factory=dict)
    pages: dict[Path, str] = field(default_factory=dict)
    front_title: str | None = None


@dataclass
class RenderedChapter:
    body_html: str
    title_html: str | None
    toc: list[TocEntry]
    issues: list[Issue]
    resources: dict[str, Path]
    # image files that were missing: the cached page is stale once any of them appears
    missing: list[Path] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "body_html": self.body_html, "title_html": self.title_html,
            "toc": [asdict(t) for t in self.toc], "issues": [asdict(i) for i in self.issues],
            "resources": {k: str(v) for k, v in self.resources.items()},
            "missing": [str(p) for p in self.missing],
        }

    @staticmethod
    def from_json(d: dict[str, Any]) -> RenderedChapter:
        return RenderedChapter(
            d["body_html"], d["title_html"], [TocEntry(**t) for t in d["toc"]],
            [Issue(**i) for i in d["issues"]],
            {k: Path(v) for k, v in d["resources"].items()},
            [Path(p) for p in d.get("missing", [])],
        )


def render_chapter(ast: dict[str, Any], ctx: ChapterContext) -> RenderedChapter:
    """Apply every HTML transform to `ast` and write it with pandoc.

    The AST is consumed (transformed in place): callers pass a freshly parsed or freshly
    read tree, and skipping a deep copy saves a large share of the Python time per chapter.
    """
    blocks = ast["blocks"]
    # This chapter's own targets: they number its headings, captions and equations.
    local = {t.id: t for t in ctx.index.targets if t.href == ctx.page_href}

    title_node = None if ctx.front_title else first_title(blocks)
    blocks, title_inlines, toc_items = number_headings(blocks, title_node, local)
    issues, links = _transform(blocks, local, ctx)
    use_citeproc = _prepare_meta(ast, blocks, title_inlines, ctx)

    args = ["-f", "json", "-t", "html5", "--mathml", "--wrap=none"]
    if use_citeproc:
        args.append("--citeproc")
    out = math_for_search(link_reference_locators(
        run_pandoc(args, json.dumps(ast), cwd=ctx.source_dir)))
    title_html, out = _take_title(out)
    return RenderedChapter(out, title_html, _chapter_toc(out, toc_items, ctx), issues,
                           links.resources, list(dict.fromkeys(links.missing_paths)))


def _transform(blocks: list, local: dict, ctx: ChapterContext) -> tuple[list[Issue], LinkResult]:
    """Run every filter in ONE bottom-up walk and turn what they missed into issues."""
    missing_refs: list[MissingRef] = []
    missing_cites: list[str] = []
    links = LinkResult()
    # each element meets the passes in this order
    walk_passes(blocks, [
        tabset_pass(re.sub(r"[^\w-]", "-", ctx.page_href)),
        callout_pass(ctx.callouts, local),
        theorem_pass(local, ctx.config),
        float_pass(local, ctx.config),
        xref_pass(ctx.table, ctx.config, ctx.page_href, missing_refs),
        citation_pass(ctx.bib_keys, missing_cites),
        link_pass(links, page_href=ctx.page_href, source_dir=ctx.source_dir,
                  generated=ctx.generated, pages=ctx.pages),
    ])
    issues: list[Issue] = []
    for m in dict.fromkeys(missing_refs):
        issues.append(Issue("warning", f"{UNRESOLVED}{m.cid}", "@" + m.cid))
    for key in dict.fromkeys(missing_cites):
        issues.append(Issue("warning", f"citation key not found in the bibliography: @{key}",
                            "@" + key))
    for url in dict.fromkeys(links.unknown_pages):
        issues.append(Issue("warning", f"link to a page that is not in the book: {url}", url))
    for url in dict.fromkeys(links.missing_images):
        # a warning, as in Quarto: the page shows a placeholder (an error under --strict)
        issues.append(Issue("warning", f"image file not found: {url}", url))
    return issues, links


def _prepare_meta(ast: dict[str, Any], blocks: list, title_inlines: list | None,
                  ctx: ChapterContext) -> bool:
    """Set the metadata pandoc writes with; returns whether citeproc should run."""
    meta = ast.get("meta", {})
    for key in ("title", "subtitle", "bibliography", "nocite", "references"):
        meta.pop(key, None)
    cites = has_citations(blocks)
    refs_div = has_refs_div(blocks)
    if ctx.nocite and refs_div:
        meta["nocite"] = nocite_meta(ctx.nocite)
    use_citeproc = bool(ctx.bibliography) and (cites or (refs_div and ctx.nocite))
    if cites and not refs_div:
        blocks.extend(references_section())
    if use_citeproc:
        meta["bibliography"] = {"t": "MetaList", "c": [
            {"t": "MetaString", "c": str(p)} for p in ctx.bibliography]}
        meta["link-citations"] = {"t": "MetaBool", "c": True}
    if title_inlines:
        blocks[:0] = title_block(title_inlines)
    ast["blocks"] = blocks
    ast["meta"] = meta
    return use_citeproc


def _take_title(out: str) -> tuple[str | None, str]:
    """Cut the title block pandoc wrote out of the body: the page template places it."""
    m = _TITLE.search(out)
    if not m:
        return None, out
    return m.group(1), out[: m.start()] + out[m.end():]


def _chapter_toc(out: str, toc_items: list, ctx: ChapterContext) -> list[TocEntry]:
    """The page's table of contents, with each heading as pandoc wrote it."""
    headings: dict[str, str] = {}
    for h in _HEADING.finditer(out):
        idm = _ID.search(h.group(2))
        if idm:
            headings.setdefault(idm.group(1), h.group(3))
    # pandoc turns a div that starts with a heading into a <section> carrying the id
    for sec in _SECTION_HEADING.finditer(out):
        headings.setdefault(sec.group(1), sec.group(3))
    toc = [TocEntry(item.level, item.id, headings[item.id]) for item in toc_items
           if item.id in headings and item.level <= ctx.config.toc_depth]
    if 'id="chapter-references"' in out:  # the list we appended: readers jump to it too
        toc.append(TocEntry(2, "chapter-references", "References"))
    return toc
