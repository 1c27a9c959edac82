"""Small helpers over pandoc's JSON AST, shared by the filters.

The AST is kept as plain JSON (dicts and lists) rather than wrapped in classes: pandoc's
format is the contract, and plain data is cheap to hash, cache and copy.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from typing import Any

Node = dict[str, Any]
Attr = list[Any]  # [id, [classes], [[key, value], ...]]

WalkFn = Callable[[Node], Node | list[Node] | None]

# Elements with no child elements: never descended into (most of a document is these).
LEAVES = frozenset({"Str", "Space", "SoftBreak", "LineBreak", "Math", "Code", "RawInline",
                    "RawBlock", "CodeBlock", "HorizontalRule"})


def walk(node: Any, fn: WalkFn, types: frozenset[str] | None = None) -> Any:
    """Bottom-up, in-place rewrite: `fn` sees every element after its children.

    `fn` returns None to keep the element, a node to replace it, or a list to splice in
    (an empty list deletes it). Bottom-up order means a filter never has to re-walk what it
    produced. `types` limits which elements `fn` is called for; a list is only rebuilt
    when something in it changed, since most walks change almost nothing.
    """
    if isinstance(node, dict):
        if "t" in node:
            content = node.get("c")
            if node["t"] not in LEAVES and isinstance(content, list | dict):
                walk(content, fn, types)
        else:  # e.g. a citation record: its prefix and suffix hold inlines
            for value in node.values():
                if isinstance(value, list | dict):
                    walk(value, fn, types)
        return node
    if not isinstance(node, list):
        return node
    out: list[Any] | None = None
    for i, item in enumerate(node):
        if isinstance(item, dict):
            t = item.get("t")
            if t is None:
                walk(item, fn, types)
            else:
                if t not in LEAVES:
                    content = item.get("c")
                    if isinstance(content, list | dict):
                        walk(content, fn, types)
                if types is None or t in types:
                    result = fn(item)
                    if result is not None:
                        if out is None:
                            out = node[:i]
                        if isinstance(result, list):
                            out.extend(result)
                        else:
                            out.append(result)
                        continue
        elif isinstance(item, list):
            walk(item, fn, types)
        if out is not None:
            out.append(item)
    if out is not None:
        node[:] = out
    return node


def iter_elements(node: Any) -> Iterator[Node]:
    """Every element in document order (pre-order), for read-only scans."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "t" in item:
                yield item
                content = item.get("c")
                if item["t"] not in LEAVES and isinstance(content, list | dict):
                    stack.append(content)
            else:
                stack.extend(reversed([v for v in item.values() if isinstance(v, list | dict)]))


def stringify(node: Any) -> str:
    """Plain text of inlines or blocks (for titles, alt text and search of labels)."""
    parts: list[str] = []

    def go(item: Any) -> None:
        if isinstance(item, list):
            for sub in item:
                go(sub)
            return
        if not isinstance(item, dict) or "t" not in item:
            return
        t = item["t"]
        c = item.get("c")
        if t == "Str":
            parts.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif t in ("Code", "Math"):
            parts.append(c[1])
        elif t == "RawInline":
            return
        elif t == "Quoted":
            q = '"' if c[0]["t"] == "DoubleQuote" else "'"
            parts.append(q)
            go(c[1])
            parts.append(q)
        elif t == "Note":
            return
        elif t in ("Para", "Plain", "Header"):
            go(c if t != "Header" else c[2])
            parts.append(" ")
        elif isinstance(c, list):
            for sub in c:
                if isinstance(sub, list) or (isinstance(sub, dict) and "t" in sub):
                    go(sub)

    go(node)
    return " ".join("".join(parts).split())


def attr(id_: str = "", classes: list[str] | None = None, kv: dict[str, str] | None = None) -> Attr:
    return [id_, list(classes or []), [[k, v] for k, v in (kv or {}).items()]]


def attr_get(a: Attr, key: str) -> str | None:
    for k, v in a[2]:
        if k == key:
            return v
    return None


def attr_pop(a: Attr, key: str) -> str | None:
    """Remove `key` from an attribute's key-values and return its value."""
    for i, (k, v) in enumerate(a[2]):
        if k == key:
            del a[2][i]
            return v
    return None


def text_inlines(text: str) -> list[Node]:
    """Plain text as inlines (words and spaces), so pandoc escapes it when writing HTML."""
    out: list[Node] = []
    for i, word in enumerate(text.split()):
        if i:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def span(inlines: list[Node], classes: list[str], id_: str = "", kv: dict | None = None) -> Node:
    return {"t": "Span", "c": [attr(id_, classes, kv), inlines]}


def div(blocks: list[Node], classes: list[str], id_: str = "", kv: dict | None = None) -> Node:
    return {"t": "Div", "c": [attr(id_, classes, kv), blocks]}


def raw_block(text: str) -> Node:
    return {"t": "RawBlock", "c": ["html", text]}


def raw_inline(text: str) -> Node:
    return {"t": "RawInline", "c": ["html", text]}


def plain(inlines: list[Node]) -> Node:
    return {"t": "Plain", "c": inlines}


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def block_attr(node: Node) -> Attr | None:
    """The Attr of an element that has one (Div, Span, Header, Figure, Table, CodeBlock...)."""
    t, c = node["t"], node.get("c")
    if t in ("Div", "Span", "Figure", "Table", "CodeBlock", "Code", "Image", "Link"):
        return c[0]
    if t == "Header":
        return c[1]
    return None


def meta_value(m: Any) -> Any:
    """A pandoc metadata value as plain Python (strings, bools, lists, dicts)."""
    if not isinstance(m, dict):
        return m
    t, c = m.get("t"), m.get("c")
    if t == "MetaString":
        return c
    if t == "MetaBool":
        return bool(c)
    if t in ("MetaInlines", "MetaBlocks"):
        return stringify(c)
    if t == "MetaList":
        return [meta_value(x) for x in c]
    if t == "MetaMap":
        return {k: meta_value(v) for k, v in c.items()}
    return None
