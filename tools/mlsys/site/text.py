"""Text helpers of the site writer: relative roots, plain text and page descriptions, labels."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

import jinja2

from mlsys.model import Page

from .config import TEMPLATES_DIR


def _env() -> jinja2.Environment:
    """The template environment, built once: loading and compiling templates is the costly part."""
    global _ENV
    if _ENV is None:
        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=True,
            trim_blocks=False,
            undefined=jinja2.StrictUndefined,
            # compiled templates kept across processes (per user, keyed by template source):
            # compiling them was ~40 ms of every cold `mlsys build`
            bytecode_cache=jinja2.FileSystemBytecodeCache(),
        )
    return _ENV


_ENV: jinja2.Environment | None = None


_TAG_RE = re.compile(r"<[^>]+>")
_WS_RE = re.compile(r"\s+")
_LINK_RE = re.compile(r'(?:href|src)="([^"]*)"')
_ID_RE = re.compile(r'\sid="([^"]+)"')
_EXTERNAL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, mailto:, data:, ...
_PARA_RE = re.compile(r"<p\b[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)
_HTML_TAG_SPLIT = re.compile(r"(<[^>]+>)")
# An element that nests: div/details/aside/section (the blocks a callout or note is made of).
_OPEN_CLOSE_RE = re.compile(r"<(/?)(?:div|details|aside|section)\b", re.IGNORECASE)
_ASIDE_CLASS_RE = re.compile(
    r'\bclass="[^"]*\b(?:callout|column-margin|aside|footnotes|sidenote)\b', re.IGNORECASE)
_SKIP_BLOCKS_RE = re.compile(
    r"<(script|style|pre|math|svg|figure|table)\b.*?</\1>", re.DOTALL | re.IGNORECASE
)


def relative_root(path: str) -> str:
    """The page-relative prefix from a site path like "book/vol1/x.html" back to the root."""
    return "../" * path.count("/")


def plain_text(fragment: str) -> str:
    """Strip tags and collapse whitespace: titles and descriptions must be plain text."""
    return _WS_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", fragment))).strip()


def _without_asides(body: str) -> str:
    """`body` without callouts, margin notes and footnotes: a chapter often opens with a
    "Learning objectives" callout whose boilerplate must not become its description."""
    out: list[str] = []
    skip = 0  # depth of elements open inside a skipped block
    for piece in _HTML_TAG_SPLIT.split(body):
        m = _OPEN_CLOSE_RE.match(piece)
        if m and piece.endswith("/>"):
            m = None
        if skip:
            if m:
                skip += -1 if m.group(1) else 1
            continue
        if m and not m.group(1) and _ASIDE_CLASS_RE.search(piece):
            skip = 1
            continue
        out.append(piece)
    return "".join(out)


def _opening_prose(body: str) -> str:
    """The page's first paragraphs as plain text, up to the first one that introduces a list
    (ends with a colon): what follows it is a list, so the description stops there, its colon
    turned into an ellipsis. A short lead-in with nothing before it ("You will learn:") is
    skipped instead, since alone it says nothing."""
    texts: list[str] = []
    for para in _PARA_RE.findall(body):
        text = plain_text(para)
        if not text.endswith(":"):
            texts.append(text)
        elif texts or len(text) >= 80:
            texts.append(text[:-1].rstrip() + "…")
            break
    return " ".join(t for t in texts if t)


def describe(page: Page, limit: int = 160) -> str | None:
    """A page's meta description: its own, else the start of its prose, cut at a word.

    Prose means paragraphs outside callouts and asides (a chapter's "Learning objectives"
    callout is boilerplate), read up to the first lead-in to a list (see `_opening_prose`)."""
    if page.description:
        return page.description
    body = _SKIP_BLOCKS_RE.sub(" ", _without_asides(page.body_html))
    text = _opening_prose(body) or plain_text(body)
    if not text:
        return None
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:…") + "…"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _chapter_label(page: Page) -> str | None:
    """"Chapter 3" / "Appendix A" for a search hit; None for unnumbered pages."""
    if not page.number:
        return None
    return f"{'Appendix' if page.kind == 'appendix' else 'Chapter'} {page.number}"


def _nav_label(number: str | None, title: str) -> str:
    return f"{number} {title}" if number else title


def _page_meta(page: Page) -> dict[str, Any]:
    return {"href": page.href, "title": page.title, "number": page.number, "part": page.part}
