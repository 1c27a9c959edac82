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
from urllib.parse import unquote

from .pandoc_ast import Node, Pass, walk_passes

PAGE_SUFFIXES = (".qmd", ".md", ".ipynb", ".rmd")
_RAW_URL = re.compile(r"""\b(?:src|href|poster)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass
class LinkResult:
    resources: dict[str, Path] = field(default_factory=dict)
    missing_images: list[str] = field(default_factory=list)
    unknown_pages: list[str] = field(default_factory=list)  # .qmd links outside the book


def _is_local(url: str) -> bool:
    return bool(url) and not (
        url.startswith(("#", "/", "data:", "mailto:")) or "://" in url or url.startswith("//"))


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
