"""The site's configuration and report types, and where the shipped templates and assets live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mlsys.errors import MlsysError
from mlsys.model import Problem, RenderedBook

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the mlsys package
TEMPLATES_DIR = PACKAGE_DIR / "templates"
ASSETS_DIR = PACKAGE_DIR / "assets"
MANIFEST_NAME = ".mlsys-manifest.json"
MANIFEST_VERSION = 2
# Shipped assets copied into <site>/assets/. components.* belong to the render stage; a site
# still builds (unstyled components) if they are absent.
SITE_ASSETS = ("site.css", "site.js", "favicon.svg", "components.css", "components.js")


class SiteError(MlsysError):
    """A site cannot be written (bad configuration, pagefind failure); the message says why."""


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
