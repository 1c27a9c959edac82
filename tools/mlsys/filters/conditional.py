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
# The book exports (see `mlsys.bookexport`): the formats they answer to, the raw they keep.
# Raw TeX stays in both so `\index{}` reaches the index; the exporter drops the rest of it
# (and raw HTML in the PDF) with a warning at its line, so nothing vanishes unannounced.
TARGETS = {
    "html": (HTML_FORMATS, KEEP_RAW),
    "pdf": (frozenset({"pdf", "latex", "typst"}), KEEP_RAW | {"typst", "tex", "latex"}),
    "epub": (frozenset({"epub", "epub3", "html"}), KEEP_RAW | {"tex", "latex"}),
}


def _matches_html(value: str, formats: frozenset[str] = HTML_FORMATS) -> bool:
    names = [v.strip().split("+")[0].split("-")[0] for v in value.replace(",", " ").split()]
    return any(name in formats for name in names)


def _matches_profile(value: str, profiles: frozenset[str]) -> bool:
    return any(v.strip() in profiles for v in value.replace(",", " ").split())


def _condition_holds(a: list, profiles: frozenset[str],
                     formats: frozenset[str] = HTML_FORMATS) -> bool:
    """True when every when-/unless- condition on the element holds for this build."""
    when_fmt, unless_fmt = attr_get(a, "when-format"), attr_get(a, "unless-format")
    when_prof, unless_prof = attr_get(a, "when-profile"), attr_get(a, "unless-profile")
    if when_fmt is not None and not _matches_html(when_fmt, formats):
        return False
    if unless_fmt is not None and _matches_html(unless_fmt, formats):
        return False
    if when_prof is not None and not _matches_profile(when_prof, profiles):
        return False
    return not (unless_prof is not None and _matches_profile(unless_prof, profiles))


def apply_conditional(blocks: list[Node], profiles: frozenset[str] = frozenset(),
                      target: str = "html") -> list[Node]:
    """Drop hidden content and other formats' raw material, unwrapping the visible wrappers.

    `target` is "html" for the website, or "pdf"/"epub" for the book exports.
    """
    formats, keep_raw = TARGETS[target]

    def fn(node: Node) -> Node | list[Node] | None:
        t = node["t"]
        if t in ("Div", "Span"):
            a, content = node["c"]
            classes = a[1]
            if "content-visible" in classes:
                return content if _condition_holds(a, profiles, formats) else []
            if "content-hidden" in classes:
                return [] if _condition_holds(a, profiles, formats) else content
            return None
        if t in ("RawBlock", "RawInline"):
            return None if node["c"][0].lower() in keep_raw else []
        return None

    return walk(blocks, fn, frozenset({"Div", "Span", "RawBlock", "RawInline"}))
