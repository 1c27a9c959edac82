"""Every kind of page the site writer produces, each wrapped in the site templates."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from mlsys.model import ExportedLab, Page, SidebarPart

from .config import ASSETS_DIR, BookSection
from .navigation import group_labs
from .text import _env, _page_meta


class _Pages:
    """The pages of the site: books, the landing page, simple pages, the labs index, 404, sitemap."""

    def add_book(self, section: BookSection) -> list[str]:
        """Write every page of a rendered book; returns the site paths of the pages written."""
        book, prefix = section.book, section.prefix
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        rendered = {p.href: p for p in book.pages}
        order, meta, sidebar_parts = self._navigation_of(section, rendered)
        css_rel = None
        if book.css.strip():
            data = book.css.encode("utf-8")
            # One file per section, not per content: two volumes sharing a file would let one
            # volume's rebuild delete the stylesheet the other still links.
            css_rel = f"assets/project-{section.key}.css"
            self.write_bytes(css_rel, data, section.key)

        written: list[str] = []
        produced: list[str] = [css_rel] if css_rel else []
        for i, href in enumerate(order):
            if href not in rendered:
                produced.append(prefix + href)  # kept from the previous build
                continue
            page = rendered[href]
            path = prefix + href
            ctx = self._page_context(section, page, path, prefix, order, meta, i, css_rel,
                                     sidebar_parts)
            if page.source is not None:
                self._sources[path] = page.source
            if self.write_text(path, _env().get_template("page.html").render(ctx), section.key):
                written.append(path)
            produced.append(path)
        for href, src in book.resources.items():
            rel = prefix + href.lstrip("/")
            self.copy_resource(rel, Path(src), section.key)
            produced.append(rel)
        if section.partial:
            produced += [r for r, m in self.files.items() if section.key in m["owners"]]
        self.forget_section(section.key, produced)
        self.sections[section.key] = {
            "title": book.title,
            "subtitle": book.subtitle,
            "label": section.label,
            "prefix": prefix,
            "sidebar": [
                {"title": s.title, "kind": s.kind, "hrefs": list(s.hrefs)} for s in sidebar_parts
            ],
            "pages": [meta[h] for h in order],
        }
        return written

    def _navigation_of(self, section: BookSection, rendered: dict[str, Page]
                       ) -> tuple[list[str], dict[str, dict[str, Any]], list[SidebarPart]]:
        """Reading order, page facts and sidebar parts of a book about to be written."""
        book = section.book
        old_section = self.sections.get(section.key) or {}
        if not (section.partial and old_section.get("pages")):
            return ([p.href for p in book.pages],
                    {h: _page_meta(p) for h, p in rendered.items()}, book.sidebar)
        # Only some chapters were re-rendered: reading order, titles and the sidebar of the
        # rest come from the previous build, so navigation stays whole.
        order = [p["href"] for p in old_section["pages"]]
        order += [h for h in rendered if h not in order]
        meta = {p["href"]: p for p in old_section["pages"]}
        meta.update({h: _page_meta(p) for h, p in rendered.items()})
        sidebar_parts = [
            SidebarPart(s["title"], list(s["hrefs"]), s["kind"])
            for s in old_section.get("sidebar", [])
        ] or book.sidebar
        return order, meta, sidebar_parts

    def add_landing(self, groups: list[dict[str, Any]], path: str = "index.html") -> bool:
        """The site's front page: a map of the curriculum (menus of cards, see landing.html)."""
        ctx = self._common(path)
        ctx.update(
            {
                "groups": groups,
                "head_title": self.config.title,
                "og_title": self.config.title,
                "description": self.config.description,
            }
        )
        html_text = _env().get_template("landing.html").render(ctx)
        return self.write_text(path, html_text, "_landing")

    def add_simple_page(
        self, path: str, title: str, body_html: str, section: str, description: str | None = None
    ) -> bool:
        """A generated page in the site frame (e.g. the index of the labs)."""
        ctx = self._common(path)
        ctx.update(
            {
                "heading": title,
                "body_html": body_html,
                "head_title": f"{title} · {self.config.title}",
                "og_title": title,
                "description": description,
            }
        )
        return self.write_text(path, _env().get_template("simple.html").render(ctx), section)

    def add_labs_index(
        self, path: str, title: str, blurb: str | None, items: list[ExportedLab],
        books: dict[str, str], section: str,
    ) -> bool:
        """The labs' index in the site frame (navbar, dark mode, search), grouped by volume and
        chapter. items: what the labs exporter returns (name, title, chapter, chapter_href,
        description, href; hrefs relative to the index's folder). books: the site path of each
        chapter page of the curriculum ("book/vol1/training.html") -> its book's title."""
        ctx = self._common(path)
        here = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        ctx.update({
            "heading": title,
            "blurb": blurb,
            "volumes": group_labs(items, books, here),
            "example": items[0].name if items else "NAME",
            "head_title": f"{title} · {self.config.title}",
            "og_title": title,
            "description": blurb,
        })
        return self.write_text(path, _env().get_template("labs.html").render(ctx), section)

    def _write_404(self) -> None:
        # Served at any depth, so nothing can be linked relatively: the stylesheet, script and
        # icon are inlined, and site links start from the deployed URL when it is known (the
        # page's script then points them at the root the reader last visited, if any).
        css = (ASSETS_DIR / "site.css").read_text("utf-8")
        js = (ASSETS_DIR / "site.js").read_text("utf-8").replace("</", "<\\/")
        icon = base64.b64encode((ASSETS_DIR / "favicon.svg").read_bytes()).decode("ascii")
        root = (self.config.site_url or "/").rstrip("/") + "/"
        ctx = {"site": self.config, "lang": self.config.lang, "inline_css": css,
               "inline_js": js, "root": root, "favicon": f"data:image/svg+xml;base64,{icon}"}
        self.write_text("404.html", _env().get_template("404.html").render(ctx), "_site")

    def _write_sitemap(self) -> None:
        """sitemap.xml, whose `<loc>`s must be absolute URLs (sitemaps.org): written only when
        curriculum.yml sets `site-url`. Without it there is no sitemap (and a stale one from
        an earlier build with a `site-url` is removed), since no absolute address is known."""
        if not self.config.site_url:
            if self.files.pop("sitemap.xml", None) is not None:
                (self.stage / "sitemap.xml").unlink(missing_ok=True)
                self.report.removed.append("sitemap.xml")
            return
        pages = sorted(
            rel for rel in self.files if rel.endswith(".html") and rel != "404.html"
        )
        lines = ['<?xml version="1.0" encoding="UTF-8"?>']
        lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        for rel in pages:
            lines.append(f"  <url><loc>{html.escape(self._absolute(rel) or rel)}</loc></url>")
        lines.append("</urlset>")
        self.write_text("sitemap.xml", "\n".join(lines) + "\n", "_site")
