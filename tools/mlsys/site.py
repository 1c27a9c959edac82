"""Write rendered books into a static site: templates, navigation, assets, search, atomic swap.

The site writer is the last stage of the pipeline. It never renders Markdown itself: it wraps
the HTML fragments of a `RenderedBook` in our templates and adds what a reader needs around
them (sidebar, breadcrumbs, previous/next, table of contents, search).

Two promises shape this module:

* Atomic output. Everything is written into a staging folder beside the target, which starts
  as a hard-linked copy of the previous site; only at the end is it swapped in by rename. A build
  that fails part-way leaves the previous site exactly as it was.
* No redone work. A manifest of the previous build records a hash of every file written; a
  page whose HTML did not change is not rewritten, and the search index (pagefind, the slowest
  step) is only rebuilt when some page changed.

Every link is page-relative ("../../assets/site.css"), so a site works from any base path.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from mlsys.figtheme import theme_svg
from mlsys.model import BuildError, Page, Problem, RenderedBook, SidebarPart

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
ASSETS_DIR = PACKAGE_DIR / "assets"
MANIFEST_NAME = ".mlsys-manifest.json"
MANIFEST_VERSION = 2
# Shipped assets copied into <site>/assets/. components.* belong to the render stage; a site
# still builds (unstyled components) if they are absent.
SITE_ASSETS = ("site.css", "site.js", "favicon.svg", "components.css", "components.js")


class SiteError(Exception):
    """A site cannot be written (bad configuration, pagefind failure); the message says why."""


# --------------------------------------------------------------------------- configuration


@dataclass
class NavLink:
    """One entry of a navbar menu; href is relative to the site root."""

    title: str
    href: str
    blurb: str | None = None


@dataclass
class NavMenu:
    """A navbar menu (Read, Build, Teach) listing parts of the curriculum."""

    title: str
    links: list[NavLink] = field(default_factory=list)


@dataclass
class SiteConfig:
    """What is shared by every page of a site."""

    title: str
    description: str | None = None
    menus: list[NavMenu] = field(default_factory=list)
    home_href: str = "index.html"  # relative to the site root
    site_url: str | None = None  # absolute URL of the deployed site, for sitemap/og:url
    search: bool = True
    lang: str = "en"


@dataclass
class BookSection:
    """Where one rendered book sits in a site.

    key: the manifest id of this section ("vol1"); prefix: the folder of the book's root URL
    inside the site ("book/", or "" for a site that is just this book); label: the breadcrumb
    name of the book ("Volume I: One machine"). partial: the book holds only re-rendered
    chapters; pages it lacks keep their previous HTML and their navigation entries are taken
    from the previous build's manifest.
    """

    key: str
    book: RenderedBook
    prefix: str = ""
    label: str | None = None
    partial: bool = False


@dataclass
class ElsewherePart:
    """A part of the curriculum this build links into but does not write (tinytorch, labs).

    A fresh checkout that builds only the book has none of those pages on disk, yet the links
    are right. Rather than trusting any such link, the writer asks the part's own config:
    `pages()` lists the part's page paths relative to `prefix` ("08_convolutions/lesson.html",
    "compression.html"), or raises ValueError saying why the part cannot be read.
    """

    prefix: str  # the part's folder in the site, "labs/"
    title: str
    pages: Callable[[], set[str]]


@dataclass
class SiteReport:
    """What a site build did, for progress messages and benchmarks."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    search_seconds: float | None = None  # None when the index was reused
    search_deferred: bool = False  # pages changed but indexing was left to the caller
    problems: list[Problem] = field(default_factory=list)  # broken links found
    total_seconds: float = 0.0


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- the writer


class SiteWriter:
    """Builds a site into a staging folder, then swaps it in (see the module docstring).

    Use as a context manager: leaving the block normally commits; an exception discards the
    staging folder and re-raises, so the previous site stays untouched.
    """

    def __init__(self, out_dir: Path, config: SiteConfig, *, defer_search: bool = False,
                 strict: bool = False) -> None:
        self.out = Path(out_dir).resolve()
        self.defer_search = defer_search
        self.strict = strict  # broken links fail the build (before the swap)
        self._sources: dict[str, Path] = {}  # site path of a page -> the .qmd it came from
        # Parts not written by this build whose pages links may point at (see ElsewherePart).
        self.elsewhere: list[ElsewherePart] = []
        self._elsewhere_pages: dict[int, set[str] | str] = {}
        self._source_lines: dict[Path, list[str]] = {}  # for the line of a broken link
        self.config = config
        self.report = SiteReport()
        self._t0 = time.perf_counter()
        self.stage = self.out.parent / f".{self.out.name}.staging-{os.getpid()}"
        self.old: dict[str, Any] = self._read_manifest()
        # relpath -> {"hash", "owners"}: the sections that produce the file. Two volumes may
        # share one (an image, a stylesheet); it is deleted only when no section wants it.
        self.files: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, Any] = dict(self.old.get("sections", {}))
        self._html_changed = False

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> SiteWriter:
        self.begin()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()

    def begin(self) -> None:
        """Create the staging folder as a cheap hard-linked copy of the current site."""
        if self.out.exists() and not (self.out / MANIFEST_NAME).exists() and (
            not self.out.is_dir() or any(self.out.iterdir())
        ):
            raise SiteError(
                f"{self.out} exists and was not written by mlsys (no {MANIFEST_NAME}); "
                "remove it or choose another output folder"
            )
        if self.stage.exists():
            shutil.rmtree(self.stage)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        if self.out.is_dir():
            shutil.copytree(self.out, self.stage, copy_function=_link_or_copy, symlinks=True)
        else:
            self.stage.mkdir(parents=True)
        # Files of the previous build are kept unless a section that owned them is rewritten.
        self.files = {k: {"hash": v["hash"], "owners": list(v["owners"])}
                      for k, v in self.old.get("files", {}).items()}

    def abort(self) -> None:
        """Throw the staging folder away; the previous site was never touched."""
        shutil.rmtree(self.stage, ignore_errors=True)

    def commit(self) -> SiteReport:
        """Write shared files, index for search, write the manifest and swap the site in."""
        try:
            self._write_assets()
            self._write_404()
            self._write_sitemap()
            self.report.problems = self.check_links()
            if self.strict and self.report.problems:
                raise BuildError(self.report.problems)
            self._run_search()
            manifest = {
                "version": MANIFEST_VERSION,
                "files": self.files,
                "sections": self.sections,
                "search": self.config.search and (self.stage / "pagefind").is_dir(),
            }
            target = self.stage / MANIFEST_NAME
            if target.exists():
                target.unlink()  # a hard link to the live manifest: never write through it
            target.write_text(json.dumps(manifest, indent=1), "utf-8")
            self._swap()
        except BaseException:
            self.abort()
            raise
        self.report.total_seconds = time.perf_counter() - self._t0
        return self.report

    def _swap(self) -> None:
        trash = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        if trash.exists():
            shutil.rmtree(trash)
        if self.out.exists():
            os.rename(self.out, trash)
        os.rename(self.stage, self.out)
        shutil.rmtree(trash, ignore_errors=True)

    # -- files -------------------------------------------------------------------------------

    def _read_manifest(self) -> dict[str, Any]:
        return read_manifest(self.out)

    def write_bytes(self, rel: str, data: bytes, section: str) -> bool:
        """Write one file unless the previous build wrote the same bytes; True if written."""
        digest = _sha(data)
        target = self.stage / rel
        prev = self.files.get(rel)
        self._record(rel, digest, section)
        if prev and prev.get("hash") == digest and target.exists():
            self.report.unchanged += 1
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            target.unlink()  # it may be a hard link shared with the live site
        target.write_bytes(data)
        self.report.written.append(rel)
        if rel.endswith(".html"):
            self._html_changed = True
        return True

    def _record(self, rel: str, digest: str, section: str) -> None:
        prev = self.files.get(rel)
        owners = list(prev["owners"]) if prev else []
        if section not in owners:
            owners.append(section)
        self.files[rel] = {"hash": digest, "owners": owners}

    def write_text(self, rel: str, text: str, section: str) -> bool:
        return self.write_bytes(rel, text.encode("utf-8"), section)

    def copy_file(self, rel: str, src: Path, section: str) -> bool:
        """Copy a resource (image, data file); keyed by size and mtime to avoid hashing."""
        try:
            st = src.stat()
        except OSError as exc:
            raise SiteError(f"{src}: resource listed for {rel} cannot be read ({exc})") from exc
        key = f"stat:{st.st_size}:{st.st_mtime_ns}"
        target = self.stage / rel
        prev = self.files.get(rel)
        self._record(rel, key, section)
        if prev and prev.get("hash") == key and target.exists():
            self.report.unchanged += 1
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        shutil.copy2(src, target)
        self.report.written.append(rel)
        return True

    def copy_resource(self, rel: str, src: Path, section: str) -> bool:
        """Copy a book's resource; an SVG figure gets its dark-mode colours (see `figtheme`)."""
        if src.suffix.lower() != ".svg":
            return self.copy_file(rel, src, section)
        try:
            text = src.read_text("utf-8", errors="replace")
        except OSError as exc:
            raise SiteError(f"{src}: resource listed for {rel} cannot be read ({exc})") from exc
        return self.write_text(rel, theme_svg(text), section)

    def forget_section(self, section: str, keep: Iterable[str]) -> None:
        """Delete files a section wrote last time but not this time (a removed chapter)."""
        keep = set(keep)
        for rel, meta in list(self.files.items()):
            if section in meta["owners"] and rel not in keep:
                meta["owners"].remove(section)
                if meta["owners"]:
                    continue  # another section still produces it
                del self.files[rel]
                path = self.stage / rel
                if path.exists():
                    path.unlink()
                self.report.removed.append(rel)
                if rel.endswith(".html"):
                    self._html_changed = True

    def claim_tree(self, folder: str, section: str) -> list[str]:
        """Record files an exporter wrote itself under `folder` as belonging to `section`."""
        base = self.stage / folder
        rels = []
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            rel = path.relative_to(self.stage).as_posix()
            data = path.read_bytes()
            digest = _sha(data)
            prev = self.files.get(rel)
            if not prev or prev.get("hash") != digest:
                self.report.written.append(rel)
                if rel.endswith(".html"):
                    self._html_changed = True
            else:
                self.report.unchanged += 1
            self._record(rel, digest, section)
            rels.append(rel)
        return rels

    def fresh_folder(self, folder: str) -> Path:
        """An empty folder in the staging site for an exporter that writes files itself.

        It is emptied rather than reused because its files are hard links to the live site:
        writing into them in place would change the live site before the swap.
        """
        path = self.stage / folder
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    # -- pages -------------------------------------------------------------------------------

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

    def add_book(self, section: BookSection) -> list[str]:
        """Write every page of a rendered book; returns the site paths of the pages written."""
        book, prefix = section.book, section.prefix
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        old_section = self.sections.get(section.key) or {}
        rendered = {p.href: p for p in book.pages}
        sidebar_parts = book.sidebar
        if section.partial and old_section.get("pages"):
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
        else:
            order = [p.href for p in book.pages]
            meta = {h: _page_meta(p) for h, p in rendered.items()}

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
        self, path: str, title: str, blurb: str | None, items: list[dict[str, Any]],
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
            "example": items[0]["name"] if items else "NAME",
            "head_title": f"{title} · {self.config.title}",
            "og_title": title,
            "description": blurb,
        })
        return self.write_text(path, _env().get_template("labs.html").render(ctx), section)

    # -- checks ------------------------------------------------------------------------------

    def check_links(self) -> list[Problem]:
        """Warn about links from the pages written in this build to files or anchors that the
        site does not have (a renamed chapter or label). A link into a part of the curriculum
        this build does not write is checked against that part's config instead."""
        problems: list[Problem] = []
        ids: dict[Path, set[str]] = {}
        stage = self.stage.resolve()
        for rel in self.report.written:
            if not rel.endswith(".html") or rel == "404.html":
                continue
            page = self.stage / rel
            text = page.read_text("utf-8")
            seen: set[str] = set()
            for url in _LINK_RE.findall(text):
                if url in seen or _EXTERNAL_RE.match(url) or url.startswith(("/", "#")):
                    continue
                seen.add(url)
                target, _, frag = url.partition("#")
                target = target.split("?", 1)[0]
                if target.endswith("pagefind/") or not target:
                    continue
                dest = (page.parent / html.unescape(target)).resolve()
                if not dest.is_file():
                    verdict = self._check_elsewhere(dest, stage)
                    if verdict is None:
                        problems.append(self._link_problem(rel, f"broken link to {url}", url))
                    elif verdict:
                        problems.append(self._link_problem(
                            rel, f"broken link to {url}: {verdict}", url))
                elif frag and dest.suffix == ".html":
                    if dest not in ids:
                        ids[dest] = set(_ID_RE.findall(dest.read_text("utf-8")))
                    if html.unescape(frag) not in ids[dest]:
                        problems.append(
                            self._link_problem(rel, f"link to a missing anchor: {url}", url))
        return problems

    def _check_elsewhere(self, dest: Path, stage: Path) -> str | None:
        """For a missing file: None when no unbuilt part claims it (a plain broken link), ""
        when one of them has that page, else why none of them has it."""
        try:
            site_path = dest.relative_to(stage).as_posix()
        except ValueError:
            return None  # outside the site altogether
        claims = [(i, p) for i, p in enumerate(self.elsewhere)
                  if site_path.startswith(p.prefix)]
        if not claims:
            return None
        reasons = []
        for i, part in claims:
            if i not in self._elsewhere_pages:
                try:
                    self._elsewhere_pages[i] = part.pages()
                except ValueError as exc:
                    self._elsewhere_pages[i] = str(exc)
            pages = self._elsewhere_pages[i]
            if isinstance(pages, str):
                reasons.append(f"cannot check against {part.title}: {pages}")
            elif site_path[len(part.prefix):] in pages:
                return ""
            else:
                reasons.append(f"{part.title} (not built in this run) has no such page")
        return "; ".join(reasons)

    def _link_problem(self, rel: str, message: str, url: str) -> Problem:
        source = self._sources.get(rel)
        where = "" if source else f"{rel}: "
        return Problem("warning", where + message, source,
                       _source_line(source, url, self._source_lines) if source else None)

    # -- shared files ------------------------------------------------------------------------

    def _write_assets(self) -> None:
        for name in SITE_ASSETS:
            src = ASSETS_DIR / name
            if src.exists():
                self.write_bytes(f"assets/{name}", src.read_bytes(), "_assets")

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

    def _run_search(self) -> None:
        """Index with pagefind, unless no page changed and the previous index is still there."""
        index_dir = self.stage / "pagefind"
        if not self.config.search:
            return
        if not self._html_changed and index_dir.is_dir() and self.old.get("search"):
            return
        if self.defer_search and index_dir.is_dir():
            self.report.search_deferred = True
            return
        t0 = time.perf_counter()
        run_pagefind(self.stage)
        self.report.search_seconds = time.perf_counter() - t0


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


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """The manifest of the site in `out_dir` ({} when absent, unreadable or of another version)."""
    try:
        data = json.loads((Path(out_dir) / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION else {}


def _source_line(source: Path, url: str, cache: dict[Path, list[str]]) -> int | None:
    """The first line of a chapter's source that holds a link's target (the rendered HTML
    has lost the line; the author wrote the same text). None when it came from elsewhere
    (the navbar, an include, a cross-reference)."""
    if source not in cache:
        try:
            cache[source] = source.read_text("utf-8").splitlines()
        except OSError:
            cache[source] = []
    lines = cache[source]
    target = url.partition("#")[0]
    for needle in dict.fromkeys((url, html.unescape(url), target, html.unescape(target))):
        if not needle:
            continue
        for i, line in enumerate(lines, 1):
            if needle in line:
                return i
    return None


def _page_meta(page: Page) -> dict[str, Any]:
    return {"href": page.href, "title": page.title, "number": page.number, "part": page.part}


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def pagefind_command() -> list[str]:
    """How to run pagefind: the binary shipped in the pagefind_bin wheel, else `-m pagefind`."""
    try:
        import pagefind_bin  # type: ignore[import-not-found]

        exe = Path(pagefind_bin.__file__).parent / "pagefind"
        if exe.exists():
            return [str(exe)]
    except ImportError:
        pass
    found = shutil.which("pagefind")
    if found:
        return [found]
    return [sys.executable, "-m", "pagefind"]


def run_pagefind(site_dir: Path) -> None:
    """Build the pagefind index (and its UI bundle) of `site_dir` into site_dir/pagefind."""
    index_dir = site_dir / "pagefind"
    if index_dir.exists():
        shutil.rmtree(index_dir)  # its files may be hard links into the live site
    cmd = [*pagefind_command(), "--site", str(site_dir), "--output-subdir", "pagefind"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SiteError(f"pagefind could not run ({exc}); install it with pip install 'pagefind[bin]'") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise SiteError("pagefind failed to index the site:\n" + "\n".join(tail))
