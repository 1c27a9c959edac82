"""The search stage: pagefind, run on the staged site."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from .config import SiteError


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


class _Search:
    """The search index (pagefind), rebuilt only when some page changed."""

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
