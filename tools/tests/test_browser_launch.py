"""The shared `browser` fixture (conftest.py): the browser tests run Debian's Chromium (the
browser a reader of this repository has, not Playwright's download) with our flags."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser]


def test_the_shared_browser_is_debian_chromium_with_our_flags(browser: object) -> None:
    page = browser.new_page()
    page.goto("chrome://version")
    rows = dict(line.split("\t", 1) for line in page.inner_text("body").splitlines()
                if "\t" in line)
    page.close()
    assert "Debian" in rows["Chromium"], rows["Chromium"]
    command = rows["Command Line"].split()
    assert command[0] == "/usr/lib/chromium/chromium"  # what /usr/bin/chromium starts
    # Playwright adds most quiet-network flags itself; --disable-gpu is ours alone.
    for flag in ("--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"):
        assert flag in command, flag
