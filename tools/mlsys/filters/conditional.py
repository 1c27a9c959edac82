"""Format-conditional content: keep what this output's readers should see, drop the rest.

Quarto's `.content-visible` / `.content-hidden` (on divs, spans and code blocks) take
`when-format` / `unless-format`, `when-profile` / `unless-profile` and `when-meta` /
`unless-meta`. A format name matches through Quarto's aliases: `html` covers every HTML
output including EPUB and slides, `html:js` only those that run scripts (pages, slides; not
EPUB), `epub` only EPUB, `pdf` and `latex` the paper formats. Raw LaTeX (`\\index`,
`\\newpage`, `{=latex}` blocks) has no meaning in a web page, while `{=html}` passes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .pandoc_ast import Node, attr_get, walk

KEEP_RAW = frozenset({"html", "html4", "html5"})
# What each of our outputs is, in Quarto's format names, and the raw formats it keeps.
# Raw TeX stays in the book exports so `\index{}` reaches the index; the exporter drops the
# rest of it (and raw HTML in the PDF) with a warning at its line, so nothing vanishes.
TARGETS = {
    "html": ("html", KEEP_RAW),
    "pdf": ("pdf", KEEP_RAW | {"typst", "tex", "latex"}),
    "epub": ("epub", KEEP_RAW | {"tex", "latex"}),
}
# Quarto's aliases: the outputs (of ours) a `when-format` name matches.
ALIASES = {
    "html": {"html", "epub"}, "html4": {"html", "epub"}, "html5": {"html", "epub"},
    "html:js": {"html"}, "revealjs": set(), "dashboard": {"html"},
    "epub": {"epub"}, "epub2": {"epub"}, "epub3": {"epub"},
    "pdf": {"pdf"}, "latex": {"pdf"}, "typst": {"pdf"}, "beamer": set(),
}
CONDITIONAL = frozenset({"content-visible", "content-hidden"})
CONDITION_KEYS = ("when-format", "unless-format", "when-profile", "unless-profile",
                  "when-meta", "unless-meta")


def _format_matches(value: str, output: str) -> bool:
    """Does any name in `value` ("html:js", "epub, pdf", "html+smart") cover `output`?"""
    for name in value.replace(",", " ").split():
        base = name.split("+")[0]
        base = base if base in ALIASES else base.split("-")[0]
        if output in ALIASES.get(base, set()):
            return True
    return False


def _matches_profile(value: str, profiles: frozenset[str]) -> bool:
    return any(v.strip() in profiles for v in value.replace(",", " ").split())


def _meta_true(value: str, meta: Mapping[str, Any]) -> bool:
    """`when-meta="a.b"`: the metadata value at that dotted path is true."""
    node: Any = meta
    for part in value.strip().split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    if isinstance(node, str):
        return node.strip().lower() not in ("", "false", "no", "0")
    return bool(node)


def _condition_holds(a: list, profiles: frozenset[str], output: str = "html",
                     meta: Mapping[str, Any] | None = None) -> bool:
    """True when every when-/unless- condition on the element holds for this build."""
    meta = meta or {}
    tests = (
        ("when-format", lambda v: _format_matches(v, output), True),
        ("unless-format", lambda v: _format_matches(v, output), False),
        ("when-profile", lambda v: _matches_profile(v, profiles), True),
        ("unless-profile", lambda v: _matches_profile(v, profiles), False),
        ("when-meta", lambda v: _meta_true(v, meta), True),
        ("unless-meta", lambda v: _meta_true(v, meta), False),
    )
    for key, test, wanted in tests:
        value = attr_get(a, key)
        if value is not None and test(value) != wanted:
            return False
    return True


def _strip_conditions(a: list) -> None:
    a[1] = [c for c in a[1] if c not in CONDITIONAL]
    a[2] = [kv for kv in a[2] if kv[0] not in CONDITION_KEYS]


def apply_conditional(blocks: list[Node], profiles: frozenset[str] = frozenset(),
                      target: str = "html", meta: Mapping[str, Any] | None = None
                      ) -> list[Node]:
    """Drop hidden content and other formats' raw material, unwrapping the visible wrappers.

    `target` is "html" for the website, or "pdf"/"epub" for the book exports; `meta` is
    the document's metadata (project config under the chapter's front matter).
    """
    output, keep_raw = TARGETS[target]

    def fn(node: Node) -> Node | list[Node] | None:
        t = node["t"]
        if t in ("Div", "Span", "CodeBlock"):
            a = node["c"][0]
            classes = a[1]
            if not CONDITIONAL.intersection(classes):
                return None
            shown = _condition_holds(a, profiles, output, meta)
            if "content-hidden" in classes:
                shown = not shown
            if not shown:
                return []
            if t == "CodeBlock":  # the block itself is the content: keep it, minus the marks
                _strip_conditions(a)
                return None
            return node["c"][1]
        if t in ("RawBlock", "RawInline"):
            return None if node["c"][0].lower() in keep_raw else []
        return None

    return walk(blocks, fn, frozenset({"Div", "Span", "CodeBlock", "RawBlock", "RawInline"}))
