"""Fixtures every part's tests share. pytest loads this file for every test under the
repository root, so each part's browser tests start Chromium the same way without copying
the fixture (test modules cannot import each other under --import-mode=importlib).

The browser is Debian's Chromium (what a reader of this repository has, never a download)
with flags that keep a headless run from reaching the network on its own (updates, sync,
component downloads): a test that checks "no request leaves 127.0.0.1" sees only what the
page asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for one test module (a module-wide browser keeps Playwright's event
    loop from living across unrelated tests that run their own asyncio loops). Skips the
    test when Chromium or Playwright is missing, saying how to get it."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
