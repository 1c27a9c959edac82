"""Callouts: Quarto's five kinds plus the project's own classes from `mlsys: callouts:`.

Emitted as plain HTML (`<div>` or, when collapsible, `<details>`), so nested collapsed
callouts — a quiz whose answers hide in an inner callout — open on demand with no script.
"""

from __future__ import annotations

import re
from typing import Any

from ..xref import Target
from .icons import icon_html
from .pandoc_ast import (
    Node,
    Pass,
    attr_get,
    div,
    esc,
    plain,
    raw_block,
    raw_inline,
    span,
    text_inlines,
    walk_passes,
)

# Quarto's kinds: their default titles, and our SVG drawings (see icons.py) as their icons.
BUILTIN = {
    "note": ("Note", "info"),
    "tip": ("Tip", "lightbulb"),
    "warning": ("Warning", "warning"),
    "caution": ("Caution", "caution"),
    "important": ("Important", "important"),
}


def callout_type(classes: list[str]) -> str | None:
    for c in classes:
        if c.startswith("callout-") and len(c) > len("callout-"):
            return c[len("callout-"):]
    return None


def _default(ctype: str, project: dict[str, Any]) -> tuple[str, str]:
    """(title, icon) of a callout kind; the icon names one of our SVGs or is literal text."""
    conf = project.get(ctype)
    if isinstance(conf, dict):
        return str(conf.get("title") or ctype.replace("-", " ").capitalize()), str(
            conf.get("icon") or "")
    return BUILTIN.get(ctype, (ctype.replace("-", " ").capitalize(), "•"))


def callout_pass(project: dict[str, Any], local: dict[str, Target]) -> Pass:
    """Replace every `.callout-*` div by its HTML structure, innermost first."""

    def fn(node: Node) -> list[Node] | None:
        if node["t"] != "Div":
            return None
        a, content = node["c"]
        ctype = callout_type(a[1])
        if ctype is None:
            return None
        if _drawn_by_filter(content, ctype):  # a second box around it would frame it twice
            kept = [c for c in a[1] if c != "callout" and not c.startswith("callout-")]
            return [div(content, kept, a[0])]
        default_title, icon = _default(ctype, project)
        title_attr = attr_get(a, "title")
        title: list[Node]
        if title_attr is not None:
            title = text_inlines(title_attr)
        elif content and content[0]["t"] == "Header":
            title = content[0]["c"][2]
            content = content[1:]
        else:
            title = []
        target = local.get(a[0])
        if target is not None and target.number is not None:
            head = text_inlines(f"{target.prefix} {target.number}")
            title = head + ([{"t": "Str", "c": ":"}, {"t": "Space"}, *title] if title else [])
        elif not title:
            title = text_inlines(default_title)
        return _structure(a, ctype, title, icon, content)

    return frozenset({"Div"}), fn


def _drawn_by_filter(content: list[Node], ctype: str) -> bool:
    """True when a Lua filter has already drawn this callout: its content opens with raw HTML
    (a block, or the first inline of a paragraph) whose element carries `callout-<type>`, as
    custom-block extensions emit a `<details class="callout-x ...">` of their own."""
    first = content[0] if content else None
    if first is not None and first["t"] in ("Para", "Plain") and first["c"]:
        first = first["c"][0]
    if first is None or first["t"] not in ("RawBlock", "RawInline") or \
            first["c"][0] != "html":
        return False
    m = re.match(r"\s*<(?:details|div|section|aside)\b[^>]*\bclass=[\"']([^\"']*)",
                 first["c"][1])
    return bool(m) and f"callout-{ctype}" in m.group(1).split()


def _structure(a: list, ctype: str, title: list[Node], icon: str,
               content: list[Node]) -> list[Node]:
    """Quarto's callout elements: `callout callout-style-* callout-<type> callout-titled`
    around a `callout-header` (icon container, title container) and a
    `callout-body-container callout-body`; collapsible ones are `<details>` (no script)."""
    show_icon = (attr_get(a, "icon") or "true").lower() != "false"
    appearance = attr_get(a, "appearance") or "default"
    collapse = (attr_get(a, "collapse") or "").lower()
    extra = [c for c in a[1] if not c.startswith("callout-") and c != "callout"]
    titled = appearance != "minimal" or collapse in ("true", "false")
    classes = " ".join(["callout", f"callout-style-{appearance}", f"callout-{ctype}",
                        *(["callout-titled"] if titled else []), *extra])
    id_html = f' id="{esc(a[0])}"' if a[0] else ""
    icon_inl = [span([span([raw_inline(icon_html(icon))], ["callout-icon"])],
                     ["callout-icon-container"], kv={"aria-hidden": "true"}),
                {"t": "Space"}] if show_icon and icon else []
    header = [*icon_inl, span(title, ["callout-title-container", "flex-fill", "callout-title"])]
    body = div(content, ["callout-body-container", "callout-body"])
    if collapse in ("true", "false"):
        open_attr = " open" if collapse == "false" else ""
        return [
            raw_block(f'<details class="{esc(classes)}"{id_html}{open_attr}>'),
            raw_block('<summary class="callout-header">'),
            plain(header),
            raw_block("</summary>"),
            body,
            raw_block("</details>"),
        ]
    return [
        raw_block(f'<div class="{esc(classes)}"{id_html}>'),
        *([div([plain(header)], ["callout-header", "d-flex", "align-content-center"])]
          if titled else []),
        body,
        raw_block("</div>"),
    ]


def callout_css(project: dict[str, Any]) -> str:
    """CSS for the project's own callout classes: each gets its configured colour."""
    rules = []
    for name, conf in sorted(project.items()):
        if not isinstance(conf, dict):
            continue
        color = str(conf.get("color") or "#6b7280")
        safe = "".join(ch for ch in str(name) if ch.isalnum() or ch in "-_")
        if not safe or any(ch in color for ch in ";{}<>"):
            continue
        rules.append(f".callout-{safe} {{ --callout-color: {color}; }}")
    return "\n".join(rules) + ("\n" if rules else "")


def render_callouts(blocks: list[Node], project: dict[str, Any],
                    local: dict[str, Target]) -> list[Node]:
    return walk_passes(blocks, [callout_pass(project, local)])
