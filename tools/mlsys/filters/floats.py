"""Numbered floats: figures, subfigures, tables, listings, custom kinds, and equations.

Each float gets its "Figure 3.2:" caption prefix from the pass-one index. Tables and
listings carry captions above (where readers look first), figures and custom kinds below.
The HTML is Quarto's: `div.quarto-float` (carrying the id) around
`figure.quarto-float.quarto-float-<key>` (`quarto-subfloat-<key>` for a panel) with a
`figcaption.quarto-float-caption`, images `img-fluid`, tables `table`, so CSS and scripts
written for Quarto's pages apply to ours.
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
VIDEO = (".mp4", ".webm", ".ogv", ".ogg", ".mov", ".m4v")


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


def _caption_blocks(inlines: list[Node], key: str, fid: str, top: bool, sub: bool) -> list[Node]:
    kind = "subfloat" if sub else "float"
    where = "top" if top else "bottom"
    cls = f"quarto-float-caption-{where} quarto-{kind}-caption quarto-{kind}-{key}"
    return [
        raw_block(f'<figcaption class="{esc(cls)}" id="{esc(fid)}-caption">'),
        plain(inlines),
        raw_block("</figcaption>"),
    ]


def _layout_div(a: list, body: list[Node]) -> Node:
    ncol = attr_pop(a, "layout-ncol")
    nrow = attr_pop(a, "layout-nrow")
    kv = {}
    classes = ["float-body"]
    if ncol and ncol.isdigit():
        classes += ["float-layout", "quarto-layout-panel"]
        kv["style"] = f"--layout-ncol: {int(ncol)}"
    elif nrow and nrow.isdigit():
        classes += ["float-layout", "quarto-layout-panel"]
        kv["style"] = f"--layout-ncol: {max(1, (len(body) + int(nrow) - 1) // int(nrow))}"
    return div(body, classes, kv=kv)


def _caption_inlines(caption: list) -> list[Node]:
    """The inlines of a pandoc caption's first paragraph (captions are `[short, blocks]`)."""
    return caption[1][0]["c"] if caption[1] and caption[1][0]["t"] in ("Plain", "Para") else []


ALIGN = frozenset({"left", "center", "right"})


def _align(images: list[Node]) -> str | None:
    """`fig-align` of a figure's images (taken off them): left, center or right, else None
    (Quarto's `default`, which is centred in HTML)."""
    found = None
    for img in images:
        value = (attr_pop(img["c"][0], "fig-align") or "").lower()
        found = value if value in ALIGN else found
    return found


def _figure(node: Node, local: dict[str, Target], config: XrefConfig) -> list[Node] | None:
    a, caption, body = node["c"]
    images = []
    for b in body:  # Quarto's class for an image that is a figure's content
        for inl in b["c"] if b["t"] in ("Plain", "Para") else []:
            img = inl["c"][1][0] if inl["t"] == "Link" and len(inl["c"][1]) == 1 else inl
            if img["t"] == "Image" and "figure-img" not in img["c"][0][1]:
                img["c"][0][1].append("figure-img")
            images += [img] if img["t"] == "Image" else []
    align = _align(images)
    target = local.get(a[0])
    if target is None:
        return [div([node], ["quarto-figure", f"quarto-figure-{align}"])] if align else None
    inl = _caption_inlines(caption)
    sub = "(" in (target.number or "")
    return _wrap(a[0], target.key, _prefix(target, config) + inl, body, list(a[1]), sub=sub,
                 align=align or "center")


def _aligned_image(node: Node, local: dict[str, Target], config: XrefConfig) -> Node | None:
    """An image alone in its paragraph, with no caption, aligned by `fig-align`."""
    inl = node["c"]
    if len(inl) != 1 or inl[0]["t"] != "Image":
        return None
    align = _align(inl)
    return div([node], ["quarto-figure", f"quarto-figure-{align}"]) if align else None


def _table(node: Node, local: dict[str, Target], config: XrefConfig) -> list[Node] | None:
    a = node["c"][0]
    if "table" not in a[1]:
        a[1].append("table")  # Quarto's class for every table
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
        # Quarto's HTML form: `span#eq-x > span.math.display`, the number as `\tag{n}` at
        # the end of the TeX (what MathJax draws). Pandoc's MathML keeps the tag in the TeX
        # annotation but does not draw it, so the number is also shown beside the math.
        target = local[a[0]]
        for node_ in content:
            if node_["t"] == "Math" and node_["c"][0]["t"] == "DisplayMath":
                node_["c"][1] = node_["c"][1].rstrip() + f" \\tag{{{target.number}}}"
        number = span([{"t": "Str", "c": f"({target.number})"}], ["eq-number"])
        return span([span(content, ["math", "display"]), number], ["display-equation"],
                    id_=a[0])
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
    if node["c"][2][0].lower().endswith(VIDEO):  # pandoc writes these as <video>
        return None
    if "img-fluid" not in node["c"][0][1]:
        node["c"][0][1].insert(0, "img-fluid")
    return None


_HANDLERS = {"Image": _image, "Figure": _figure, "Table": _table, "Span": _equation,
             "CodeBlock": _listing, "Div": _float_div, "Para": _aligned_image}


def float_pass(local: dict[str, Target], config: XrefConfig) -> Pass:
    """Prefix captions with numbers and wrap labelled divs and listings as figures."""

    def fn(node: Node) -> Node | list[Node] | None:
        handler = _HANDLERS.get(node["t"])
        return None if handler is None else handler(node, local, config)

    return frozenset(_HANDLERS), fn


def _wrap(fid: str, key: str, caption: list[Node], body: list[Node],
          classes: list[str], sub: bool = False, align: str = "center") -> list[Node]:
    """Quarto's float: an anchored div with the id, a figure of the kind, its caption.

    The outer `div.quarto-float` stays a real pandoc Div (not raw HTML), so a Lua filter
    listed after `quarto` finds floats the way filters written for Quarto do: a Div with the
    id and the `quarto-float` class.
    """
    outer = ["quarto-float", "quarto-figure", f"quarto-figure-{align}", "anchored", *classes]
    inner = f"quarto-float quarto-{'subfloat' if sub else 'float'}-{key} figure"
    top = key in CAPTION_ON_TOP
    cap = _caption_blocks(caption, key, fid, top, sub) if caption else []
    return [div([
        raw_block(f'<figure class="{esc(inner)}">'),
        *(cap if top else []),
        *body,
        *([] if top else cap),
        raw_block("</figure>"),
    ], list(dict.fromkeys(outer)), id_=fid)]


def render_floats(blocks: list[Node], local: dict[str, Target], config: XrefConfig) -> list[Node]:
    return walk_passes(blocks, [float_pass(local, config)])
