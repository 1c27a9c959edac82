"""Navigation around a page: sidebar, breadcrumbs, previous/next, and the labs index grouping."""

from __future__ import annotations

import os
from typing import Any

from mlsys.model import Page, SidebarPart

from .config import ASSETS_DIR, BookSection
from .text import _chapter_label, _nav_label, describe, relative_root


def group_labs(items: list[dict[str, Any]], books: dict[str, str], here: str
               ) -> list[dict[str, Any]]:
    """Labs grouped by volume, then chapter, in catalogue order (which follows the course).

    A lab's volume is the book that has its chapter's page (chapter_href resolved from `here`,
    the index's folder); a chapter of no known book goes under "Other labs".
    The chapter heading is the catalogue's own text ("Vol I, Ch. 8 Training")."""
    out: list[dict[str, Any]] = []
    by_volume: dict[str, dict[str, Any]] = {}
    for it in items:
        href = str(it.get("chapter_href") or "")
        site_path = os.path.normpath(here + href.partition("#")[0]).replace(os.sep, "/")
        volume = books.get(site_path, "Other labs") if href else "Other labs"
        if volume not in by_volume:
            by_volume[volume] = {"title": volume, "chapters": []}
            out.append(by_volume[volume])
        chapters = by_volume[volume]["chapters"]
        name = str(it.get("chapter") or "Labs")
        if not chapters or chapters[-1]["title"] != name:
            chapters.append({"title": name, "href": href or None, "labs": []})
        chapters[-1]["labs"].append({
            "name": it.get("name", ""), "title": it.get("title") or it.get("name", ""),
            "href": it.get("href", ""), "description": it.get("description")})
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
        here_dir = path.rsplit("/", 1)[0] + "/" if "/" in path else ""

        def link(href: str) -> str:
            # Relative to this page; both are site paths, so go via the root.
            target = prefix + href
            if target.startswith(here_dir) and here_dir:
                return target[len(here_dir) :]
            return root + target

        sidebar = []
        for part in sidebar_parts:
            items = [
                {
                    "href": link(h),
                    "title": meta[h]["title"],
                    "number": meta[h]["number"],
                    "current": h == page.href,
                }
                for h in part.hrefs
                if h in meta
            ]
            if items:
                sidebar.append({"title": part.title, "kind": part.kind, "entries": items, "open": True})
        if not sidebar:  # a book without sidebar structure: list pages in reading order
            sidebar = [
                {
                    "title": None,
                    "kind": "top",
                    "open": True,
                    "entries": [
                        {
                            "href": link(h),
                            "title": meta[h]["title"],
                            "number": meta[h]["number"],
                            "current": h == page.href,
                        }
                        for h in order
                    ],
                }
            ]

        def neighbour(j: int) -> dict[str, str] | None:
            if 0 <= j < len(order):
                m = meta[order[j]]
                return {"href": link(order[j]), "label": _nav_label(m["number"], m["title"])}
            return None

        book_home = link(order[0]) if order else root + prefix
        crumbs: list[dict[str, str | None]] = []
        if self.config.home_href and (prefix or section.label):
            crumbs.append({"label": self.config.title, "href": root + self.config.home_href})
        book_label = section.label or book.title
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
