"""Navigation around a page: sidebar, breadcrumbs, previous/next, and the labs index grouping."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mlsys.model import ExportedLab, Page, SidebarPart

from .config import ASSETS_DIR, BookSection
from .text import _chapter_label, _nav_label, describe, relative_root


def group_labs(items: list[ExportedLab], books: dict[str, str], here: str
               ) -> list[dict[str, Any]]:
    """Labs grouped by volume, then chapter, in catalogue order (which follows the course).

    A lab's volume is the book that has its chapter's page (chapter_href resolved from `here`,
    the index's folder); a chapter of no known book goes under "Other labs".
    The chapter heading is the catalogue's own text ("Vol I, Ch. 8 Training")."""
    out: list[dict[str, Any]] = []
    by_volume: dict[str, dict[str, Any]] = {}
    for it in items:
        href = it.chapter_href
        site_path = os.path.normpath(here + href.partition("#")[0]).replace(os.sep, "/")
        volume = books.get(site_path, "Other labs") if href else "Other labs"
        if volume not in by_volume:
            by_volume[volume] = {"title": volume, "chapters": []}
            out.append(by_volume[volume])
        chapters = by_volume[volume]["chapters"]
        name = it.chapter or "Labs"
        if not chapters or chapters[-1]["title"] != name:
            chapters.append({"title": name, "href": href or None, "labs": []})
        chapters[-1]["labs"].append({"name": it.name, "title": it.title or it.name,
                                     "href": it.href, "description": it.description or None})
    return out


class _Navigation:
    """What a page's template needs around its body: sidebar, breadcrumbs, previous/next."""

    def _common(self, path: str) -> dict[str, Any]:
        return {
            "site": self.config,
            "root": relative_root(path),
            "lang": self.config.lang,
            "canonical": self._absolute(path),
            "extra_css": [],
            "has_sidebar": False,
            "body_class": "",
            "og_type": "website",
            "components_css": (ASSETS_DIR / "components.css").exists(),
            "components_js": (ASSETS_DIR / "components.js").exists(),
        }

    def _absolute(self, path: str) -> str | None:
        if not self.config.site_url:
            return None
        return self.config.site_url.rstrip("/") + "/" + path

    def _page_context(
        self,
        section: BookSection,
        page: Page,
        path: str,
        prefix: str,
        order: list[str],
        meta: dict[str, dict[str, Any]],
        index: int,
        css_rel: str | None,
        sidebar_parts: list[SidebarPart],
    ) -> dict[str, Any]:
        book = section.book
        root = relative_root(path)
        link = _Linker(prefix, root, path.rsplit("/", 1)[0] + "/" if "/" in path else "")
        sidebar = _sidebar(sidebar_parts, order, meta, page, link)

        def neighbour(j: int) -> dict[str, str] | None:
            if 0 <= j < len(order):
                m = meta[order[j]]
                return {"href": link(order[j]), "label": _nav_label(m["number"], m["title"])}
            return None

        book_home = link(order[0]) if order else root + prefix
        crumbs = self._breadcrumbs(section, page, order, meta, link, book_home, prefix, root)
        title = page.title
        head_title = f"{title} · {book.title}" if title != book.title else title
        ctx = self._common(path)
        ctx.update(
            {
                "book": book,
                "page": page,
                "book_home": book_home,
                "sidebar": sidebar,
                "breadcrumbs": crumbs,
                "prev": neighbour(index - 1),
                "next": neighbour(index + 1),
                "toc": page.toc,
                "head_title": head_title,
                "og_title": title,
                "og_type": "article" if page.kind in ("chapter", "appendix") else "website",
                "description": describe(page) or book.description,
                "search_part": section.label or book.title,
                "search_chapter": _chapter_label(page),
                "has_sidebar": True,
                "body_class": f"page-{page.kind}",
                "extra_css": [root + css_rel] if css_rel else [],
            }
        )
        return ctx

    def _breadcrumbs(self, section: BookSection, page: Page, order: list[str],
                     meta: dict[str, dict[str, Any]], link: _Linker, book_home: str,
                     prefix: str, root: str) -> list[dict[str, str | None]]:
        """Site home (when the book is one part of a site), book, part, page."""
        crumbs: list[dict[str, str | None]] = []
        if self.config.home_href and (prefix or section.label):
            crumbs.append({"label": self.config.title, "href": root + self.config.home_href})
        book_label = section.label or section.book.title
        crumbs.append({"label": book_label, "href": book_home if page.href != order[0] else None})
        if page.part:
            part_first = next((h for h in order if meta[h].get("part") == page.part), None)
            crumbs.append(
                {
                    "label": page.part,
                    "href": link(part_first) if part_first and part_first != page.href else None,
                }
            )
        if page.href != order[0]:
            crumbs.append({"label": _nav_label(page.number, page.title), "href": None})
        return crumbs


@dataclass(frozen=True)
class _Linker:
    """Links from one page: relative to it, since both ends are site paths."""

    prefix: str
    root: str
    here_dir: str

    def __call__(self, href: str) -> str:
        # Relative to this page; both are site paths, so go via the root.
        target = self.prefix + href
        if target.startswith(self.here_dir) and self.here_dir:
            return target[len(self.here_dir) :]
        return self.root + target


@dataclass(frozen=True)
class SidebarEntry:
    """One page in the sidebar of a book page."""

    href: str
    title: str
    number: str | None
    current: bool


@dataclass(frozen=True)
class SidebarGroup:
    """A part of the book in the sidebar (or, with `title` None, the whole reading order)."""

    title: str | None
    kind: str
    entries: tuple[SidebarEntry, ...]
    open: bool = True


def _sidebar(parts: list[SidebarPart], order: list[str], meta: dict[str, dict[str, Any]],
             page: Page, link: _Linker) -> list[SidebarGroup]:
    def entries(hrefs: list[str]) -> tuple[SidebarEntry, ...]:
        return tuple(SidebarEntry(link(h), meta[h]["title"], meta[h]["number"], h == page.href)
                     for h in hrefs if h in meta)

    sidebar = [SidebarGroup(part.title, part.kind, items) for part in parts
               if (items := entries(part.hrefs))]
    if not sidebar:  # a book without sidebar structure: list pages in reading order
        sidebar = [SidebarGroup(None, "top", entries(order))]
    return sidebar
