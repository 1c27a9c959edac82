"""One exported lab opened in headless Chromium, served from 127.0.0.1 like the site."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mlsys.labs import export_labs

LABS = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    root = tmp_path_factory.mktemp("site")
    folder = root / "src" / "labs"
    folder.mkdir(parents=True)
    for f in ("labkit.py", "labs.yaml", "where_time_goes.py"):
        shutil.copy(LABS / f, folder)
    text = (folder / "labs.yaml").read_text()
    entries = text.split("  - name: ")
    (folder / "labs.yaml").write_text("labs:\n" + "".join(
        "  - name: " + e for e in entries[1:] if e.startswith("where_time_goes")))
    export_labs(root / "www" / "labs", folder)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "www")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_exported_lab_loads_everything_from_the_site(site: str) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: failed.append(f"{r.url} {r.status}")
                if r.status >= 400 else None)
        page.goto(f"{site}/labs/where_time_goes.html")
        page.wait_for_load_state("networkidle")
        page.get_by_role("heading", name="Design challenge").wait_for(timeout=30_000)
        body = page.inner_text("body")
        fail_shown = page.get_by_text("FAIL.", exact=False).first.is_visible()
        svg_count = page.locator("svg polyline").count()
        page.goto(f"{site}/labs/index.html")
        index = page.inner_text("body")
        browser.close()
    assert "Where does the time go?" in body
    assert fail_shown, "the default design's failure callout is rendered"
    assert svg_count >= 2, "the roofline plot is drawn (one line per device)"
    assert "Where does the time go?" in index
    assert not failed, failed
    foreign = [u for u in requests if not u.startswith(site) and not u.startswith("data:")]
    assert not foreign, foreign
