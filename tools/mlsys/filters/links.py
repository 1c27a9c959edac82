"""Local files: images and linked files become site resources; `.qmd` links become pages.

A page's output href mirrors its source path, so an image written as `images/x.png` keeps
that relative src and is copied next to the page; anything that would land outside the
site root is moved under `_resources/` instead.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from .pandoc_ast import Node, Pass, walk_passes

PAGE_SUFFIXES = (".qmd", ".md", ".ipynb", ".rmd")
_RAW_URL = re.compile(r"""\b(?:src|href|poster)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass
class LinkResult:
    resources: dict[str, Path] = field(default_factory=dict)
    missing_images: list[str] = field(default_factory=list)
    # where each missing image was looked for: a later build re-renders once one appears
    missing_paths: list[Path] = field(default_factory=list)
    unknown_pages: list[str] = field(default_factory=list)  # .qmd links outside the book


def _is_local(url: str) -> bool:
    return bool(url) and not (
        url.startswith(("#", "/", "data:", "mailto:")) or "://" in url or url.startswith("//"))


# What a reader sees where an image file is missing: a framed box with a crossed picture, so
# the gap is obvious on the page (a data URI, so the site's link check has nothing to flag).
_PLACEHOLDER = "data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="135" viewBox="0 0 240 135">'
    '<rect x="1" y="1" width="238" height="133" fill="#f4f4f4" stroke="#b00020" '
    'stroke-width="2" stroke-dasharray="8 5"/><g fill="none" stroke="#b00020" stroke-width="3">'
    '<rect x="95" y="40" width="50" height="40"/><path d="M95 40l50 40M145 40l-50 40"/></g>'
    '<text x="120" y="105" font-family="sans-serif" font-size="13" text-anchor="middle" '
    'fill="#b00020">image not found</text></svg>', safe="")


def _broken_image(node: Node, url: str) -> None:
    """Turn an Image whose file is missing into the visible placeholder (as Quarto, the page
    still renders; the build reports the file and line)."""
    attr = node["c"][0]
    attr[1] = [*attr[1], "missing-image"]
    attr[2] = [*attr[2], ["data-missing-image", url]]
    if not node["c"][1]:
        node["c"][1] = [{"t": "Str", "c": f"Missing image: {url}"}]
    node["c"][2] = [_PLACEHOLDER, f"image file not found: {url}"]


@dataclass(frozen=True)
class _Linker:
    """What one page's link pass knows: where the page sits and where the files are."""

    result: LinkResult
    page_dir: str
    source_dir: Path
    generated: dict[str, Path]
    pages: dict[Path, str]

    def place(self, url: str, path: Path) -> str:
        """Record `path` as a resource and return the url the page should use for it."""
        href = posixpath.normpath(posixpath.join(self.page_dir, url))
        if href.startswith(".."):
            digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
            href = f"_resources/{digest}/{path.name}"
            url = posixpath.relpath(href, self.page_dir or ".")
        self.result.resources[href] = path
        return url

    def raw(self, node: Node) -> None:
        # local files named by raw HTML (<img src>, <video src>, <a href>) are copied too
        if node["c"][0].lower().startswith("html"):
            for url in _RAW_URL.findall(node["c"][1]):
                if _is_local(url):
                    path = (self.source_dir / unquote(url.split("#")[0])).resolve()
                    if path.is_file():
                        self.place(unquote(url.split("#")[0]), path)

    def image(self, node: Node) -> None:
        url = node["c"][2][0]
        if not _is_local(url):
            return
        clean = unquote(url.split("#")[0].split("?")[0])
        path = self.generated.get(clean) or self.generated.get(url)
        if path is None:
            path = (self.source_dir / clean).resolve()
        if not path.is_file():
            self.result.missing_images.append(url)
            self.result.missing_paths.append(path)
            _broken_image(node, clean)
            return
        node["c"][2][0] = self.place(clean, path)

    def link(self, node: Node) -> None:
        url = node["c"][2][0]
        if not _is_local(url):
            return
        base, _, frag = url.partition("#")
        path = (self.source_dir / unquote(base)).resolve()
        if base.lower().endswith(PAGE_SUFFIXES):
            href = self.pages.get(path)
            if href is not None:
                rel = posixpath.relpath(href, self.page_dir or ".")
                node["c"][2][0] = rel + (f"#{frag}" if frag else "")
            else:
                self.result.unknown_pages.append(url)
        elif path.is_file():
            node["c"][2][0] = self.place(unquote(base), path) + (f"#{frag}" if frag else "")


def link_pass(
    result: LinkResult,
    *,
    page_href: str,
    source_dir: Path,
    generated: dict[str, Path],
    pages: dict[Path, str],
) -> Pass:
    """Collect images and local files to copy, report missing images, retarget page links."""
    linker = _Linker(result, posixpath.dirname(page_href), source_dir, generated, pages)
    handlers = {"RawBlock": linker.raw, "RawInline": linker.raw, "Image": linker.image,
                "Link": linker.link}

    def fn(node: Node) -> None:
        handlers[node["t"]](node)
        return None

    return frozenset(handlers), fn


def rewrite_links(
    blocks: list[Node],
    *,
    page_href: str,
    source_dir: Path,
    generated: dict[str, Path],
    pages: dict[Path, str],
) -> tuple[list[Node], LinkResult]:
    result = LinkResult()
    walk_passes(blocks, [link_pass(result, page_href=page_href, source_dir=source_dir,
                                   generated=generated, pages=pages)])
    return blocks, result
