"""Shared data model of the book pipeline.

These types are the seams between the stages (project -> execute -> parse/xref/render -> site),
so each stage can be built and tested alone. Keep them plain data: no behaviour beyond
formatting, so any stage can construct them in a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import MlsysError

Severity = Literal["error", "warning"]
PageKind = Literal["index", "chapter", "appendix", "references", "page"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the sources, located so an author can jump to it."""

    severity: Severity
    message: str
    file: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.severity}: {self.message}"


class BuildError(MlsysError):
    """Raised when a build cannot go on; carries every problem found so far."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class TocEntry:
    """A heading of a page, for the per-page table of contents."""

    level: int  # 2 for "##", 3 for "###", ...
    id: str
    title_html: str  # includes the section number, e.g. '<span class="header-section-number">2.3</span> Memory'


@dataclass
class Page:
    """One rendered page of a book: an HTML fragment plus what the site needs around it."""

    source: Path | None  # the .qmd it came from (None for generated pages)
    href: str  # output path relative to the book's root URL, e.g. "vol1/introduction.html"
    title: str  # plain text, for <title> and navigation
    title_html: str  # the page heading as HTML, with its number
    number: str | None  # "2", "A", or None when unnumbered
    part: str | None  # title of the part this page belongs to
    kind: PageKind
    body_html: str  # the page body, without the <h1> title
    toc: list[TocEntry] = field(default_factory=list)
    description: str | None = None
    subtitle: str | None = None  # front matter `subtitle:` of the chapter
    author: str | None = None  # front matter `author:` of the chapter (names joined by ", ")


@dataclass
class SidebarPart:
    """A group in the sidebar: a part title (or None for top-level pages) and its pages' hrefs."""

    title: str | None
    hrefs: list[str]
    kind: Literal["part", "appendices", "top"] = "top"


@dataclass
class RenderedBook:
    """Everything the site writer needs from one rendered Quarto book project."""

    root: Path  # the project directory (holds _quarto.yml)
    title: str
    subtitle: str | None
    author: str | None
    description: str | None
    pages: list[Page]  # in reading order
    sidebar: list[SidebarPart]
    css: str = ""  # project-specific CSS, e.g. the project's callout classes
    resources: dict[str, Path] = field(default_factory=dict)  # output href -> file to copy
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ExportedLab:
    """One lab as the labs exporter hands it to the site: its catalogue entry, the exported
    page (`href`, relative to the labs folder) and that page's body (empty once it is written).
    `chapter_href` is the chapter's page, relative to the labs folder too."""

    name: str
    title: str
    chapter: str
    description: str
    href: str
    chapter_href: str
    body: str = ""

    def to_json(self) -> dict[str, str]:
        """The manifest's record of the lab (the body is on disk already)."""
        return {"name": self.name, "title": self.title, "chapter": self.chapter,
                "description": self.description, "href": self.href,
                "chapter_href": self.chapter_href}

    @staticmethod
    def from_json(d: dict[str, Any]) -> ExportedLab:
        """A manifest record back (a missing field reads as empty, as older manifests lack some)."""
        return ExportedLab(*(str(d.get(k) or "") for k in (
            "name", "title", "chapter", "description", "href", "chapter_href")))
