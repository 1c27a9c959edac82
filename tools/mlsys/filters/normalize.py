"""Bring the several spellings of a labelled element to one shape before indexing.

Pandoc leaves some Quarto label syntax as text (`$$...$$ {#eq-x}`, older `: Caption {#tbl-x}`)
and makes a figure only from an image with a caption. Normalising once means the indexer
and the renderer see the same tree and so always agree on numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .pandoc_ast import Node, attr, plain, walk

_LABEL = re.compile(r"^\{#([A-Za-z][\w:.-]*)((?:\s+[^}]*)?)\}$")


def _equations(inlines: list[Node]) -> list[Node]:
    out: list[Node] = []
    i = 0
    while i < len(inlines):
        node = inlines[i]
        if node["t"] == "Math" and node["c"][0]["t"] == "DisplayMath":
            j = i + 1
            while j < len(inlines) and inlines[j]["t"] in ("Space", "SoftBreak"):
                j += 1
            if j < len(inlines) and inlines[j]["t"] == "Str":
                m = _LABEL.match(inlines[j]["c"])
                if m and m.group(1).startswith("eq-"):
                    out.append({"t": "Span", "c": [attr(m.group(1), ["equation"]), [node]]})
                    i = j + 1
                    continue
        out.append(node)
        i += 1
    return out


def _caption_label(caption_blocks: list[Node]) -> str | None:
    """Strip a trailing `{#tbl-x}` from a caption's last block and return the id."""
    if not caption_blocks or caption_blocks[-1]["t"] not in ("Plain", "Para"):
        return None
    inlines = caption_blocks[-1]["c"]
    if inlines and inlines[-1]["t"] == "Str":
        m = _LABEL.match(inlines[-1]["c"])
        if m:
            del inlines[-1]
            while inlines and inlines[-1]["t"] in ("Space", "SoftBreak"):
                del inlines[-1]
            return m.group(1)
    return None


def _name_subfigures(div_node: Node) -> None:
    """Give unlabelled images of a multi-image figure div ids, so they number as (a), (b).

    Quarto letters every panel of such a figure; a code cell that draws several plots emits
    exactly this shape. The made-up ids (`fig-x--1`) cannot clash with an author's labels
    in practice and give the indexer and the renderer one thing to agree on.
    """
    parent = div_node["c"][0][0]
    content = div_node["c"][1]
    panels = []
    for i, b in enumerate(content):
        if b["t"] == "Figure" and not b["c"][0][0]:
            panels.append(i)
        elif (b["t"] in ("Para", "Plain") and len(b["c"]) == 1 and b["c"][0]["t"] == "Image"
              and not b["c"][0]["c"][0][0]):
            panels.append(i)
    if len(panels) < 2:
        return
    for n, i in enumerate(panels, start=1):
        b = content[i]
        if b["t"] == "Figure":
            b["c"][0][0] = f"{parent}--{n}"
        else:
            image = b["c"][0]
            caption = list(image["c"][1])
            content[i] = {"t": "Figure", "c": [attr(f"{parent}--{n}"),
                                               [None, [plain(caption)] if caption else []],
                                               [plain([image])]]}


def normalize(blocks: list[Node], float_keys: frozenset[str]) -> list[Node]:
    """Rewrite labelled equations, table captions and lone labelled images in place."""

    def is_float_id(id_: str) -> bool:
        return "-" in id_ and id_.split("-", 1)[0] in float_keys

    def fn(node: Node) -> Node | list[Node] | None:
        t = node["t"]
        if t in ("Para", "Plain"):
            return _paragraph(node, is_float_id)
        if t == "Div" and is_float_id(node["c"][0][0]):
            _name_subfigures(node)
            return None
        if t == "Table":
            label = _caption_label(node["c"][1][1])
            if label and not node["c"][0][0]:
                node["c"][0][0] = label
            return None
        if t == "Figure" and not node["c"][0][0]:
            _figure_id_from_image(node, is_float_id)
        return None

    return walk(blocks, fn, frozenset({"Para", "Plain", "Table", "Figure", "Div"}))


def _paragraph(node: Node, is_float_id: Callable[[str], bool]) -> Node | None:
    """Number the equations of a paragraph; a lone labelled image becomes a figure."""
    inl = node["c"]
    if any(x["t"] == "Math" for x in inl):
        node["c"] = _equations(inl)
    inl = node["c"]
    if len(inl) == 1 and inl[0]["t"] == "Image" and is_float_id(inl[0]["c"][0][0]):
        image = inl[0]
        fig_id = image["c"][0][0]
        image["c"][0][0] = ""
        caption = list(image["c"][1])
        return {
            "t": "Figure",
            "c": [attr(fig_id), [None, [plain(caption)] if caption else []],
                  [plain([image])]],
        }
    return None


def _figure_id_from_image(node: Node, is_float_id: Callable[[str], bool]) -> None:
    """An id written on the image of an implicit figure belongs to the figure."""
    for b in node["c"][2]:
        if b["t"] == "Plain" and len(b["c"]) == 1 and b["c"][0]["t"] == "Image":
            img_id = b["c"][0]["c"][0][0]
            if img_id and is_float_id(img_id):
                node["c"][0][0] = img_id
                b["c"][0]["c"][0][0] = ""
