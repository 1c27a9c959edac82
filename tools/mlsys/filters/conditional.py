"""Format-conditional content: keep what HTML readers should see, drop print-only material.

Quarto's `.content-visible` / `.content-hidden` take `when-format`, `unless-format` and
`when-profile` / `unless-profile`; raw LaTeX (`\\index`, `\\newpage`, `{=latex}` blocks) has no
meaning in a web page, while `{=html}` passes through.
"""

from __future__ import annotations

from .pandoc_ast import Node, attr_get, walk

# Names under which Quarto's when-format matches an HTML output.
HTML_FORMATS = frozenset({"html", "html4", "html5", "revealjs", "dashboard", "epub"})
KEEP_RAW = frozenset({"html", "html4", "html5"})


def _matches_html(value: str) -> bool:
    names = [v.strip().split("+")[0].split("-")[0] for v in value.replace(",", " ").split()]
    return any(name in HTML_FORMATS for name in names)


def _matches_profile(value: str, profiles: frozenset[str]) -> bool:
    return any(v.strip() in profiles for v in value.replace(",", " ").split())


def _condition_holds(a: list, profiles: frozenset[str]) -> bool:
    """True when every when-/unless- condition on the element holds for this HTML build."""
    when_fmt, unless_fmt = attr_get(a, "when-format"), attr_get(a, "unless-format")
    when_prof, unless_prof = attr_get(a, "when-profile"), attr_get(a, "unless-profile")
    if when_fmt is not None and not _matches_html(when_fmt):
        return False
    if unless_fmt is not None and _matches_html(unless_fmt):
        return False
    if when_prof is not None and not _matches_profile(when_prof, profiles):
        return False
    return not (unless_prof is not None and _matches_profile(unless_prof, profiles))


def apply_conditional(blocks: list[Node], profiles: frozenset[str] = frozenset()) -> list[Node]:
    """Drop hidden content and non-HTML raw material, unwrapping the visible wrappers."""

    def fn(node: Node) -> Node | list[Node] | None:
        t = node["t"]
        if t in ("Div", "Span"):
            a, content = node["c"]
            classes = a[1]
            if "content-visible" in classes:
                return content if _condition_holds(a, profiles) else []
            if "content-hidden" in classes:
                return [] if _condition_holds(a, profiles) else content
            return None
        if t in ("RawBlock", "RawInline"):
            return None if node["c"][0].lower() in KEEP_RAW else []
        return None

    return walk(blocks, fn, frozenset({"Div", "Span", "RawBlock", "RawInline"}))
