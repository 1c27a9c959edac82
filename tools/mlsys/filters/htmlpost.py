"""Touches on pandoc's HTML that no AST pass can make: links in reference lists, and math
that the search index reads once.

* Reference lists: citeproc prints a URL or DOI written inside a free-text field
  (`howpublished = {\\url{...}}`, `note = {doi:...}`) as plain text. Readers expect to click
  them, so bare `http(s)://` addresses and DOIs inside `.csl-entry` blocks become links
  (DOIs to `https://doi.org/`). Text already inside a link is left alone.
* Math: pandoc's MathML carries the TeX source in an `<annotation>`; a search indexer reads
  both and shows "t+1t+1" in its snippets. The annotation is marked `data-pagefind-ignore`,
  so the index holds the formula once, as the MathML's readable text.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"(<[^>]+>)")
_CSL_OPEN = re.compile(r'<div\b[^>]*\bclass="[^"]*\bcsl-entry\b')
_LOCATOR = re.compile(
    r"(?P<url>https?://[^\s<>\"]+)|(?P<doi_prefix>doi:\s*)?(?P<doi>\b10\.\d{4,9}/[^\s<>\"]+)",
    re.IGNORECASE)
_TRAILING = ".,;:)]}'"
_TEX_ANNOTATION = '<annotation encoding="application/x-tex">'


def _link(match: re.Match[str]) -> str:
    target = match.group("url") or match.group("doi")
    core = target.rstrip(_TRAILING)
    if "(" in core and target[len(core):].startswith(")"):
        core += ")"  # a balanced parenthesis belongs to the address (Wikipedia-style URLs)
    tail = target[len(core):]
    if match.group("url"):
        return f'<a href="{core}" class="ref-link">{core}</a>{tail}'
    prefix = match.group("doi_prefix") or ""
    return f'{prefix}<a href="https://doi.org/{core}" class="ref-link">{core}</a>{tail}'


def link_reference_locators(html: str) -> str:
    """Bare URLs and DOIs inside `.csl-entry` blocks become links (see the module docstring)."""
    if "csl-entry" not in html:
        return html
    out: list[str] = []
    depth = 0  # open <div>s since entering a csl-entry (0: outside one)
    in_link = False
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            low = piece[:5].lower()
            if depth == 0 and _CSL_OPEN.match(piece):
                depth = 1
            elif depth and low.startswith("<div"):
                depth += 1
            elif depth and low.startswith("</div"):
                depth -= 1
            elif low.startswith("<a ") or low == "<a>":
                in_link = True
            elif low.startswith("</a"):
                in_link = False
            out.append(piece)
        elif depth and not in_link and piece:
            out.append(_LOCATOR.sub(_link, piece))
        else:
            out.append(piece)
    return "".join(out)


def math_for_search(html: str) -> str:
    """Mark MathML's TeX annotations so the search index skips them."""
    return html.replace(_TEX_ANNOTATION,
                        '<annotation encoding="application/x-tex" data-pagefind-ignore>')


_CELL_CODE = re.compile(r'<div class="sourceCode" id="([^"]+)"><pre\s+class="sourceCode ([^"]*?)'
                        r' ?\bcell-code\b ?([^"]*)">')


def cell_code_divs(html: str) -> str:
    """Quarto marks a cell's source on the `div.sourceCode` (`cell-code`); pandoc puts our
    class on the `<pre>` inside, so it moves up one element."""
    if "cell-code" not in html:
        return html
    return _CELL_CODE.sub(lambda m: f'<div class="sourceCode cell-code" id="{m.group(1)}">'
                          f'<pre class="sourceCode {" ".join((m.group(2) + " " + m.group(3)).split())}">',
                          html)
