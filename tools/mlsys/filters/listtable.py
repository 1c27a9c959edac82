"""`.list-table` divs: a table written as a bullet list of rows, each a bullet list of cells.

Quarto's list tables read a div whose optional first paragraph is the caption, followed by
one bullet list; `header-rows` (default 1), `header-cols`, `widths` ("30,70") and `aligns`
("l,c,r") shape the table, and the div's id (`#tbl-x`) makes it a numbered table. Cells may
hold any blocks, which is the point of the form.
"""

from __future__ import annotations

import re

from .pandoc_ast import Node, Pass, attr_pop

ALIGN = {"l": "AlignLeft", "c": "AlignCenter", "r": "AlignRight", "d": "AlignDefault"}
_EMPTY = ["", [], []]


def _rows(node: Node) -> list[list[list[Node]]] | None:
    """Each row's cells (as blocks), or None when the list is not a list of lists."""
    rows = []
    for item in node["c"]:
        if len(item) != 1 or item[0]["t"] != "BulletList":
            return None
        rows.append(item[0]["c"])
    return rows


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.strip().isdigit() else default


def _colspecs(a: list, ncols: int) -> list[list[dict]]:
    widths = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", attr_pop(a, "widths") or "")]
    aligns = [x.strip()[:1].lower() for x in re.split(r"[,\s]+", attr_pop(a, "aligns") or "")
              if x.strip()]
    specs = []
    for i in range(ncols):
        align = ALIGN.get(aligns[i] if i < len(aligns) else "d", "AlignDefault")
        width = ({"t": "ColWidth", "c": widths[i] / sum(widths)}
                 if len(widths) == ncols and sum(widths) > 0 else {"t": "ColWidthDefault"})
        specs.append([{"t": align}, width])
    return specs


def list_table(div_node: Node) -> Node | None:
    """The pandoc Table a `.list-table` div spells, or None when it is not that shape."""
    a, content = div_node["c"]
    caption: list[Node] = []
    if len(content) == 2 and content[0]["t"] in ("Para", "Plain"):
        caption = [{"t": "Plain", "c": content[0]["c"]}]
        content = content[1:]
    if len(content) != 1 or content[0]["t"] != "BulletList":
        return None
    rows = _rows(content[0])
    if not rows:
        return None
    ncols = max(len(r) for r in rows)
    head_n = min(_int(attr_pop(a, "header-rows"), 1), len(rows))
    head_cols = _int(attr_pop(a, "header-cols"), 0)
    specs = _colspecs(a, ncols)

    def row(cells: list[list[Node]]) -> list:
        padded = cells + [[] for _ in range(ncols - len(cells))]
        return [_EMPTY, [[_EMPTY, {"t": "AlignDefault"}, 1, 1, blocks] for blocks in padded]]

    table_attr = [a[0], [c for c in a[1] if c != "list-table"], a[2]]
    head = [_EMPTY, [row(r) for r in rows[:head_n]]]
    body = [_EMPTY, head_cols, [], [row(r) for r in rows[head_n:]]]
    return {"t": "Table", "c": [table_attr, [None, caption], specs, head, [body], [_EMPTY, []]]}


def unread_list_table_pass(found: list[str]) -> Pass:
    """Note each `.list-table` div the parser could not read (it stays a list on the page),
    so the build warns instead of showing nested bullets silently."""

    def fn(node: Node) -> None:
        if "list-table" in node["c"][0][1]:
            found.append(node["c"][0][0])
        return None

    return frozenset({"Div"}), fn
