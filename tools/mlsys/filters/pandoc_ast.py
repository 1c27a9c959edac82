"""Small helpers over pandoc's JSON AST, shared by the filters.

The AST is kept as plain JSON (dicts and lists) rather than wrapped in classes: pandoc's
format is the contract, and plain data is cheap to hash, cache and copy.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

Node = dict[str, Any]
Attr = list[Any]  # [id, [classes], [[key, value], ...]]

WalkFn = Callable[[Node], Node | list[Node] | None]

# Elements with no child elements: never descended into (most of a document is these).
LEAVES = frozenset({"Str", "Space", "SoftBreak", "LineBreak", "Math", "Code", "RawInline",
                    "RawBlock", "CodeBlock", "HorizontalRule"})


Pass = tuple[frozenset[str] | None, WalkFn]  # (element types it wants, or None for all; fn)


def walk(node: Any, fn: WalkFn, types: frozenset[str] | None = None) -> Any:
    """Bottom-up, in-place rewrite: `fn` sees every element after its children.

    `fn` returns None to keep the element, a node to replace it, or a list to splice in
    (an empty list deletes it). Bottom-up order means a filter never has to re-walk what it
    produced. `types` limits which elements `fn` is called for.
    """
    return walk_passes(node, [(types, fn)])


def walk_passes(node: Any, passes: list[Pass]) -> Any:
    """One bottom-up walk applying several filters: each element meets them in order.

    What one pass returns is handed to the later passes (never to earlier ones), so running
    filters A then B in one walk equals walking with A and then with B whenever B does not
    look at ancestors A has yet to rewrite. One walk instead of one per filter is most of
    the Python time saved per chapter. A list is only rebuilt when something in it changed.
    """
    wanted: frozenset[str] | None = frozenset()
    for types, _fn in passes:
        wanted = None if types is None or wanted is None else wanted | types
    _walk(node, passes, wanted)
    return node


def _apply(item: Node, passes: list[Pass]) -> list[Node] | None:
    current: list[Any] = [item]
    changed = False
    for types, fn in passes:
        nxt: list[Any] = []
        for n in current:
            if isinstance(n, dict) and (types is None or n.get("t") in types):
                result = fn(n)
                if result is not None:
                    changed = True
                    if isinstance(result, list):
                        nxt.extend(result)
                    else:
                        nxt.append(result)
                    continue
            nxt.append(n)
        current = nxt
    return current if changed else None


# The hot loop of every chapter: kept in one frame on purpose (a call per element costs more
# than the branches), so it is exempt from the complexity limit.
def _walk(node: Any, passes: list[Pass], wanted: frozenset[str] | None) -> None:  # noqa: C901
    if isinstance(node, dict):
        if "t" in node:
            content = node.get("c")
            if node["t"] not in LEAVES and isinstance(content, list | dict):
                _walk(content, passes, wanted)
        else:  # e.g. a citation record: its prefix and suffix hold inlines
            for value in node.values():
                if isinstance(value, list | dict):
                    _walk(value, passes, wanted)
        return
    if not isinstance(node, list):
        return
    out: list[Any] | None = None
    for i, item in enumerate(node):
        if isinstance(item, dict):
            t = item.get("t")
            if t is None:
                _walk(item, passes, wanted)
            else:
                if t not in LEAVES:
                    content = item.get("c")
                    if isinstance(content, list | dict):
                        _walk(content, passes, wanted)
                if wanted is None or t in wanted:
                    result = _apply(item, passes)
                    if result is not None:
                        if out is None:
                            out = node[:i]
                        out.extend(result)
                        continue
        elif isinstance(item, list):
            _walk(item, passes, wanted)
        if out is not None:
            out.append(item)
    if out is not None:
        node[:] = out


def iter_elements(node: Any, types: frozenset[str] | None = None) -> list[Node]:
    """Elements in document order (pre-order), optionally only those of `types`.

    A plain recursive collector: much cheaper than a generator over every Str and Space,
    and read-only scans (indexing, toc, "does this page cite anything?") are hot paths.
    """
    out: list[Node] = []
    append = out.append

    def go(items: list[Any]) -> None:
        for item in items:
            kind = type(item)
            if kind is dict:
                t = item.get("t")
                if t is None:
                    go([v for v in item.values() if type(v) in (list, dict)])
                    continue
                if types is None or t in types:
                    append(item)
                if t not in LEAVES:
                    content = item.get("c")
                    if type(content) is list:
                        go(content)
                    elif type(content) is dict:
                        go([content])
            elif kind is list:
                go(item)

    go(node if isinstance(node, list) else [node])
    return out


def stringify(node: Any) -> str:
    """Plain text of inlines or blocks (for titles, alt text and search of labels)."""
    parts: list[str] = []
    _stringify(node, parts)
    return " ".join("".join(parts).split())


_BREAKS = frozenset({"Space", "SoftBreak", "LineBreak"})
_NO_TEXT = frozenset({"RawInline", "Note"})


def _stringify(item: Any, parts: list[str]) -> None:
    if isinstance(item, list):
        for sub in item:
            _stringify(sub, parts)
        return
    if not isinstance(item, dict) or "t" not in item:
        return
    t = item["t"]
    c = item.get("c")
    if t == "Str":
        parts.append(c)
    elif t in _BREAKS:
        parts.append(" ")
    elif t in ("Code", "Math"):
        parts.append(c[1])
    elif t in _NO_TEXT:
        return
    elif t == "Quoted":
        q = '"' if c[0]["t"] == "DoubleQuote" else "'"
        parts.append(q)
        _stringify(c[1], parts)
        parts.append(q)
    elif t in ("Para", "Plain", "Header"):
        _stringify(c if t != "Header" else c[2], parts)
        parts.append(" ")
    elif isinstance(c, list):
        _stringify([sub for sub in c if isinstance(sub, list)
                    or (isinstance(sub, dict) and "t" in sub)], parts)


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
