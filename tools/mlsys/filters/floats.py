"""Numbered floats: figures, subfigures, tables, listings, custom kinds, and equations.

Each float gets its "Figure 3.2:" caption prefix from the pass-one index. Tables and
listings carry captions above (where readers look first), figures and custom kinds below.
"""

from __future__ import annotations

from ..xref import Target, XrefConfig, node_key
from .pandoc_ast import (
    Node,
    Pass,
    attr_get,
    attr_pop,
    div,
    esc,
    plain,
    raw_block,
    span,
    text_inlines,
    walk_passes,
)

CAPTION_ON_TOP = frozenset({"tbl", "lst"})


def _prefix(target: Target | None, config: XrefConfig) -> list[Node]:
    if target is None or target.number is None:
        return []
    if "(" in target.number:  # a subfloat: "(a)"
        text = target.number[target.number.index("("):]
    else:
        text = f"{config.caption_prefix(target.key)} {target.number}{config.title_delim}"
    return [span(text_inlines(text), ["float-prefix"]), {"t": "Space"}]


def _alt(node: Node) -> None:
    """`fig-alt` is the image's alt text; the caption stays the caption."""
    a = node["c"][0]
    alt = attr_pop(a, "fig-alt")
    if alt is not None:
        node["c"][1] = text_inlines(alt)


def _caption_blocks(inlines: list[Node], key: str) -> list[Node]:
    return [
        raw_block(f'<figcaption class="float-caption float-caption-{esc(key)}">'),
        plain(inlines),
        raw_block("</figcaption>"),
    ]


def _layout_div(a: list, body: list[Node]) -> Node:
    ncol = attr_pop(a, "layout-ncol")
    nrow = attr_pop(a, "layout-nrow")
    kv = {}
    classes = ["float-body"]
    if ncol and ncol.isdigit():
        classes.append("float-layout")
        kv["style"] = f"--layout-ncol: {int(ncol)}"
    elif nrow and nrow.isdigit():
        classes.append("float-layout")
        kv["style"] = f"--layout-ncol: {max(1, (len(body) + int(nrow) - 1) // int(nrow))}"
    return div(body, classes, kv=kv)


def _caption_inlines(caption: list) -> list[Node]:
    """The inlines of a pandoc caption's first paragraph (captions are `[short, blocks]`)."""
    return caption[1][0]["c"] if caption[1] and caption[1][0]["t"] in ("Plain", "Para") else []


def _figure(node: Node, local: dict[str, Target], config: XrefConfig) -> None:
    a, caption, _body = node["c"]
    target = local.get(a[0])
    inl = _caption_inlines(caption)
    if target is not None:
        node["c"][1] = [None, [plain(_prefix(target, config) + inl)]]
        key = target.key
        if key not in a[1]:
            a[1].append(f"float-{key}")
    return None


def _table(node: Node, local: dict[str, Target], config: XrefConfig) -> list[Node] | None:
    a = node["c"][0]
    target = local.get(a[0])
    if target is None:
        return None
    inl = _caption_inlines(node["c"][1])
    if "(" in (target.number or ""):  # a sub-table keeps its own short caption
        node["c"][1] = [None, [plain(_prefix(target, config) + inl)]]
        return None
    # A figure around the table lets the caption span the text, not the table's width.
    node["c"][1] = [None, []]
    tid = a[0]
    a[0] = ""
    return _wrap(tid, "tbl", _prefix(target, config) + inl, [node], [])


def _equation(node: Node, local: dict[str, Target], config: XrefConfig) -> Node | None:
    a, content = node["c"]
    if "equation" in a[1] and a[0] in local:
        target = local[a[0]]
        number = span([{"t": "Str", "c": f"({target.number})"}], ["eq-number"])
        return span([*content, number], ["display-equation"], id_=a[0])
    return None


def _listing(node: Node, local: dict[str, Target], config: XrefConfig) -> list[Node] | None:
    a = node["c"][0]
    target = local.get(a[0])
    if target is None or target.key != "lst":
        return None
    cap = attr_pop(a, "lst-cap") or ""
    fid = a[0]
    a[0] = ""
    return _wrap(fid, "lst", _prefix(target, config) + text_inlines(cap), [node], [])


def _plain_layout(a: list, content: list[Node]) -> Node | None:
    """A layout div with no label: the same grid, keeping its own attributes."""
    if not (attr_get(a, "layout-ncol") or attr_get(a, "layout-nrow")):
        return None
    laid = _layout_div(a, content)
    laid["c"][0][0] = a[0]
    laid["c"][0][1] = [*a[1], *laid["c"][0][1][1:]]
    laid["c"][0][2] = [*laid["c"][0][2], *a[2]]
    return laid


def _div_caption(a: list, content: list[Node], key: str) -> tuple[list[Node], list[Node]]:
    """The caption of a labelled div and the content left once it is taken out."""
    cap_attr = attr_pop(a, f"{key}-cap")
    if cap_attr is not None:
        return text_inlines(cap_attr), content
    if len(content) > 1 and content[-1]["t"] in ("Para", "Plain"):
        return content[-1]["c"], content[:-1]
    if len(content) == 1 and content[0]["t"] in ("Figure", "Table") and \
            node_key(content[0]["c"][0][0]) != key:
        inner = content[0]
        cap = _caption_inlines(inner["c"][1])
        inner["c"][1] = [None, []]
        return cap, content
    return [], content


def _float_div(node: Node, local: dict[str, Target], config: XrefConfig) -> Node | list | None:
    a, content = node["c"]
    target = local.get(a[0])
    if target is None or target.key not in config.floats:
        return _plain_layout(a, content)
    key = target.key
    cap, content = _div_caption(a, content, key)
    return _wrap(a[0], key, _prefix(target, config) + cap, [_layout_div(a, content)],
                 [c for c in a[1]])


def _image(node: Node, local: dict[str, Target], config: XrefConfig) -> None:
    _alt(node)
    return None


_HANDLERS = {"Image": _image, "Figure": _figure, "Table": _table, "Span": _equation,
             "CodeBlock": _listing, "Div": _float_div}


def float_pass(local: dict[str, Target], config: XrefConfig) -> Pass:
    """Prefix captions with numbers and wrap labelled divs and listings as figures."""

    def fn(node: Node) -> Node | list[Node] | None:
        handler = _HANDLERS.get(node["t"])
        return None if handler is None else handler(node, local, config)

    return frozenset(_HANDLERS), fn


def _wrap(fid: str, key: str, caption: list[Node], body: list[Node],
          classes: list[str]) -> list[Node]:
    cls = " ".join(["float", f"float-{key}", *classes])
    cap = _caption_blocks(caption, key) if caption else []
    top = key in CAPTION_ON_TOP
    return [
        raw_block(f'<figure id="{esc(fid)}" class="{esc(cls)}">'),
        *(cap if top else []),
        *body,
        *([] if top else cap),
        raw_block("</figure>"),
    ]


def render_floats(blocks: list[Node], local: dict[str, Target], config: XrefConfig) -> list[Node]:
    return walk_passes(blocks, [float_pass(local, config)])
