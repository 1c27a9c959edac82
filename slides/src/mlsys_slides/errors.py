"""The one exception root of the slides package.

Every mistake an author can make (a missing figure, an unknown theme, a LaTeX error, a slide
that runs off its frame) is a `SlidesError` whose message starts with `file:line:` and, where a
slide is involved, names the slide's title, so the CLI and the site build can print it as is.
"""

from __future__ import annotations

from pathlib import Path


class SlidesError(Exception):
    """A problem in a deck or the toolchain, located by file and line when it has one."""

    def __init__(self, message: str, file: Path | None = None, line: int | None = None,
                 slide: str | None = None) -> None:
        self.file, self.line, self.slide, self.detail = file, line, slide, message
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        title = f"slide '{slide}': " if slide else ""
        super().__init__(f"{where}{title}{message}")


class SlideOverflowError(SlidesError):
    """Content that runs off a slide's frame (Beamer overfull boxes or a measured HTML box)."""
