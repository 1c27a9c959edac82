"""Markdown inside attributes: `fig-cap="..."`, `lst-cap`, `tbl-cap`, callout `title="..."`.

Quarto reads these strings as Markdown (so a caption may hold math, code, emphasis or a
citation). Pandoc leaves them as plain strings, so we parse them all in ONE extra pandoc call
per chapter, and only when some string actually contains Markdown syntax, then move each
result to where the float and callout filters look for a caption or title: the last
paragraph of the float, or the first heading of the callout.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .pandoc_ast import Node, attr, attr_pop, iter_elements, text_inlines

MARKUP = re.compile(r"[*_`$\\\[\]@<&~^]")

ParseFn = Callable[[str], list[list[Node]]]


def _wants(node: Node, float_keys: frozenset[str]) -> str | None:
    """The attribute of `node` holding Markdown text, if any."""
    t = node["t"]
    if t not in ("Div", "CodeBlock"):
        return None
    a = node["c"][0]
    key = a[0].split("-", 1)[0] if "-" in a[0] else ""
    if t == "Div" and any(c.startswith("callout-") for c in a[1]):
        return "title"
    if key in float_keys and (t == "Div" or key == "lst"):
        return f"{key}-cap"
    return None


def lift_attribute_markdown(blocks: list[Node], float_keys: frozenset[str],
                            parse: ParseFn) -> None:
    """Turn caption/title attributes into real inlines, in place."""
    found: list[tuple[Node, str, str]] = []
    for node in iter_elements(blocks, frozenset({"Div", "CodeBlock"})):
        name = _wants(node, float_keys)
        if name is None:
            continue
        value = next((v for k, v in node["c"][0][2] if k == name), None)
        if value is not None:
            found.append((node, name, value))
    if not found:
        return
    needs = [value for _, _, value in found if MARKUP.search(value)]
    parsed = dict(zip(needs, parse(needs), strict=True)) if needs else {}
    for node, name, value in found:
        inlines = parsed.get(value) or text_inlines(value)
        attr_pop(node["c"][0], name)
        if name == "title":
            node["c"][1].insert(0, {"t": "Header", "c": [3, attr(), inlines]})
        elif node["t"] == "CodeBlock":
            a = node["c"][0]
            code = {"t": "CodeBlock", "c": [attr("", a[1], dict(a[2])), node["c"][1]]}
            node["t"] = "Div"
            node["c"] = [attr(a[0]), [code, {"t": "Para", "c": inlines}]]
        else:
            node["c"][1].append({"t": "Para", "c": inlines})
