"""Bring the several spellings of a labelled element to one shape before indexing.

Pandoc leaves some Quarto label syntax as text (`$$...$$ {#eq-x}`, older `: Caption {#tbl-x}`)
and makes a figure only from an image with a caption. Normalising once means the indexer
and the renderer see the same tree and so always agree on numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .listtable import list_table
from .pandoc_ast import Node, attr, plain, walk

_LABEL = re.compile(r"^\{#([A-Za-z][\w:.-]*)((?:\s+[^}]*)?)\}$")
_ATTR_WORD = re.compile(r'[\w.:-]+="[^"]*"|[\w.:-]+=\'[^\']*\'|\S+')


def _label_after(inlines: list[Node], j: int) -> tuple[list, int] | None:
    """`{#eq-x .cls key=v}` written after display math: pandoc leaves it as words (Str and
    Space). Return the attribute it spells and the index just past it."""
    while j < len(inlines) and inlines[j]["t"] in ("Space", "SoftBreak"):
        j += 1
    if j >= len(inlines) or inlines[j]["t"] != "Str" or not inlines[j]["c"].startswith("{#"):
        return None
    text = ""
    for k in range(j, min(len(inlines), j + 40)):
        node = inlines[k]
        if node["t"] == "Str":
            text += node["c"]
        elif node["t"] in ("Space", "SoftBreak"):
            text += " "
        else:
            return None
        if text.endswith("}"):
            m = _LABEL.match(text)
            return (parse_attr(m.group(1), m.group(2)), k + 1) if m else None
    return None


def parse_attr(id_: str, rest: str) -> list:
    """The pandoc attribute of `{#id rest}`: `.class` words and `key=value` pairs."""
    classes, kv = [], []
    for m in _ATTR_WORD.finditer(rest or ""):
        word = m.group(0)
        if word.startswith("."):
            classes.append(word[1:])
        elif "=" in word:
            key, value = word.split("=", 1)
            kv.append([key, value.strip('"\'')])
    return [id_, classes, kv]


def _equations(inlines: list[Node]) -> list[Node]:
    out: list[Node] = []
    i = 0
    while i < len(inlines):
        node = inlines[i]
        if node["t"] == "Math" and node["c"][0]["t"] == "DisplayMath":
            found = _label_after(inlines, i + 1)
            if found is not None and found[0][0].startswith("eq-"):
                a, i = found
                a[1] = ["equation", *a[1]]
                out.append({"t": "Span", "c": [a, [node]]})
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
    exactly this shape. The ids are Quarto's (`fig-x-1`, `fig-x-2`), so `@fig-x-1` refers
    to a panel as it does in Quarto.
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
            b["c"][0][0] = f"{parent}-{n}"
        else:
            image = b["c"][0]
            caption = list(image["c"][1])
            content[i] = {"t": "Figure", "c": [attr(f"{parent}-{n}"),
                                               [None, [plain(caption)] if caption else []],
                                               [plain([image])]]}


def _linked_figure(inl: list[Node], is_float_id: Callable[[str], bool]) -> Node | None:
    """`[![Caption](img.png){#fig-x}](url)`: a figure whose image is a link (Quarto's form)."""
    if len(inl) != 1 or inl[0]["t"] != "Link" or len(inl[0]["c"][1]) != 1:
        return None
    image = inl[0]["c"][1][0]
    if image["t"] != "Image" or not is_float_id(image["c"][0][0]):
        return None
    fig_id = image["c"][0][0]
    image["c"][0][0] = ""
    caption = list(image["c"][1])
    return {"t": "Figure", "c": [attr(fig_id), [None, [plain(caption)] if caption else []],
                                 [plain(inl)]]}


def _colwidths(table: Node) -> None:
    """`tbl-colwidths="[75,25]"` on a table: Quarto's relative column widths."""
    a, specs = table["c"][0], table["c"][2]
    value = next((v for k, v in a[2] if k == "tbl-colwidths"), None)
    if value is None:
        return
    nums = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", value)]
    if len(nums) == len(specs) and sum(nums) > 0:
        for spec, n in zip(specs, nums, strict=True):
            spec[1] = {"t": "ColWidth", "c": n / sum(nums)}
        a[2] = [kv for kv in a[2] if kv[0] != "tbl-colwidths"]


def normalize(blocks: list[Node], float_keys: frozenset[str]) -> list[Node]:
    """Rewrite labelled equations, table captions and lone labelled images in place."""

    def is_float_id(id_: str) -> bool:
        return "-" in id_ and id_.split("-", 1)[0] in float_keys

    def fn(node: Node) -> Node | list[Node] | None:
        t = node["t"]
        if t in ("Para", "Plain"):
            return _paragraph(node, is_float_id)
        if t == "Div" and "list-table" in node["c"][0][1]:
            return list_table(node)
        if t == "Div" and is_float_id(node["c"][0][0]):
            _name_subfigures(node)
            return None
        if t == "Table":
            _colwidths(node)
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
    linked = _linked_figure(inl, is_float_id)
    if linked is not None:
        return linked
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
