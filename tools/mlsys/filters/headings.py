"""Section numbers, the chapter title and the page's table of contents.

Numbers come from the pass-one index (looked up by id), never recomputed here, so a heading
and every reference to it always show the same number.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..xref import Target
from .pandoc_ast import Node, iter_elements, span, text_inlines


@dataclass
class TocItem:
    level: int
    id: str


def number_headings(
    blocks: list[Node], title_node: Node | None, local: dict[str, Target]
) -> tuple[list[Node], list[Node] | None, list[TocItem]]:
    """Remove the title H1, prefix numbered headings, and list the page's toc headings.

    Returns (body blocks, title inlines or None, toc items). Headings anywhere count (inside
    a tabset div too), except callout titles, which pass one does not index; `.unlisted`
    ones stay out of the toc but keep their number.
    """
    title_inlines = None
    body: list[Node] = []
    for b in blocks:
        if b is title_node:
            title_inlines = b["c"][2]
            continue
        body.append(b)
    toc: list[TocItem] = []
    for node in iter_elements(body, frozenset({"Header"})):
        level, a, inl = node["c"]
        target = local.get(a[0])
        if target is None or target.key != "sec" or target.chapter_level:
            continue
        if target.number is not None:
            node["c"][2] = [span(text_inlines(target.number), ["header-section-number"]),
                            {"t": "Space"}, *inl]
        if "unlisted" not in a[1]:
            toc.append(TocItem(max(level, 2), a[0]))
    return body, title_inlines, toc


def title_block(inlines: list[Node]) -> list[Node]:
    """Sentinel-wrapped title, so one pandoc call renders title and body together."""
    return [
        {"t": "RawBlock", "c": ["html", "<!--mlsys-title-->"]},
        {"t": "Plain", "c": inlines},
        {"t": "RawBlock", "c": ["html", "<!--/mlsys-title-->"]},
    ]

