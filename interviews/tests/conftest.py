"""Fixtures of the interview tests: Debian's Chromium (same flags as tools/tests) and the
fixture repository built into a site and served from 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FIXTURE = Path(__file__).parent / "fixtures" / "repo"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for one test module; skips with a hint when it is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the fixture repository's interview pages and serve the site; yields its URL."""
    from mlsys.build import SiteBuilder

    root = tmp_path_factory.mktemp("iv") / "repo"
    shutil.copytree(FIXTURE, root)
    result = SiteBuilder(root, root / "_site", search=False).build()
    # links out of the part (../../book, ../../labs) have no target in this small repository;
    # every other link and anchor must resolve
    assert [str(p) for p in result.problems if "to ../../" not in str(p)] == []
    handler = functools.partial(_Quiet, directory=str(root / "_site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/interviews/"
    finally:
        server.shutdown()
