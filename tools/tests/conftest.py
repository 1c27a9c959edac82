"""Shared fixtures of the tools tests: one place that knows how to start Chromium.

The browser tests (test_browser*.py, test_render_components.py) all drive Debian's Chromium
through Playwright with the same flags. Those flags keep a headless run from reaching the
network on its own (updates, sync, component downloads), so a test that checks "no request
leaves 127.0.0.1" sees only what the page asked for. The fixture lives here, not in an
importable helper, because the suite runs with --import-mode=importlib (test modules cannot
import their neighbours).
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
