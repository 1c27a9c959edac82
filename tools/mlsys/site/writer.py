"""The site writer: one class assembled from the rooms of its job (see the package docstring)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .assets import _Assets
from .config import ElsewherePart, SiteConfig, SiteReport
from .links import _Links
from .navigation import _Navigation
from .pages import _Pages
from .search import _Search
from .staging import _Staging


class SiteWriter(_Staging, _Pages, _Navigation, _Links, _Assets, _Search):
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

    def __enter__(self) -> SiteWriter:
        self.begin()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
