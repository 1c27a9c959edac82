"""A lab in the website, opened in headless Chromium: it answers its controls with mlsysim's numbers.

The site is built by the real `SiteBuilder` from a copy of the committed lab (its `EXPLORE` is
evaluated by mlsysim at build time) and served from 127.0.0.1. Set `MLSYS_SHOTS=DIR` to keep
the screenshots (1366 and 390 px, light and dark) for a look.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlsysim
import pytest

import labkit as kit

LABS = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LAB = "serving_slo"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def make_repo(root: Path, names: list[str]) -> None:
    """A curriculum with only the labs part, holding the named committed labs."""
    folder = root / "labs"
    folder.mkdir(parents=True)
    for f in (f"{n}.py" for n in names):
        shutil.copy(LABS / f, folder)
    entries = (LABS / "labs.yaml").read_text().split("  - name: ")
    (folder / "labs.yaml").write_text("labs:\n" + "".join(
        "  - name: " + e for e in entries[1:] if e.split("\n", 1)[0].strip() in names))
    (root / "curriculum.yml").write_text(
        'title: "Test curriculum"\nparts:\n  - id: labs\n    title: "Labs"\n    kind: labs\n'
        "    path: labs\n    url: labs/\n    nav: Teach\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from mlsys.build import SiteBuilder

    root = tmp_path_factory.mktemp("repo")
    make_repo(root, [LAB])
    SiteBuilder(root, search=False).build()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root / "_site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def expected(model: str, rate: float, max_batch: int) -> Any:
    return mlsysim.simulate_serving(model, "H100-SXM", rate, 300, max_batch=max_batch,
                                    slo_ttft_s=0.5, slo_tpot_s=0.05, seed=0)


def test_lab_page_is_small_in_the_site_frame_and_loads_nothing_from_elsewhere(site, chromium):
    sizes: dict[str, int] = {}
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())))
    page.goto(f"{site}/labs/{LAB}.html", wait_until="networkidle")
    assert all(u.startswith(site) for u in sizes), sorted(sizes)
    total = sum(sizes.values())
    assert total < 500_000, f"{total} bytes in {len(sizes)} requests"
    assert page.locator("header .navbar, nav").first.is_visible()  # the site's navbar
    assert page.locator("h1").first.inner_text() == "Serving under an SLO"
    assert "mlsys labs run serving_slo" in page.locator(".lab-live").inner_text()
    page.close()


def test_moving_a_control_shows_what_mlsysim_computes_for_that_setting(site, chromium):
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{site}/labs/{LAB}.html")
    p99 = page.locator('[data-output="ttft_p99"]')
    before = expected("Llama-3-8B", 20, 8)
    assert p99.inner_text() == mlsysim.format_quantity(before.ttft_p99_s, "s")
    page.select_option('select[data-input="max_batch"]', label="128")
    after = expected("Llama-3-8B", 20, 128)
    assert p99.inner_text() == mlsysim.format_quantity(after.ttft_p99_s, "s")
    assert p99.inner_text() != mlsysim.format_quantity(before.ttft_p99_s, "s")
    slo = page.locator('[data-output="slo"]').inner_text()
    assert slo == mlsysim.format_quantity(100 * after.slo_attainment, "%")
    verdict = page.locator(".ex-verdict")
    assert ("ok" in verdict.get_attribute("class")) == (after.slo_attainment >= 0.99)
    page.select_option('select[data-input="rate"]', label="1 req/s")
    light = expected("Llama-3-8B", 1, 128)
    assert p99.inner_text() == mlsysim.format_quantity(light.ttft_p99_s, "s")
    assert page.locator(".ex-plot svg path.ex-line").count() == 2  # p50 and p99 redrawn
    page.close()


def test_prediction_is_committed_before_the_answer_is_revealed(site, chromium):
    page = chromium.new_page()
    page.goto(f"{site}/labs/{LAB}.html")
    reveal = page.locator(".ex-reveal")
    commit = page.locator(".ex-commit")
    assert reveal.is_hidden() and commit.is_disabled()
    page.get_by_label("10x").check()
    commit.click()
    assert reveal.is_visible()
    a, b = expected("Llama-3-8B", 2, 8), expected("Llama-3-8B", 5, 8)
    assert mlsysim.format_quantity(b.ttft_p99_s, "s") in reveal.inner_text()
    assert page.get_by_label("10x").is_disabled()  # a committed prediction stays committed
    assert a.ttft_p99_s < b.ttft_p99_s
    page.close()


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_explorable_fits_the_screen_in_both_themes(site, chromium, width, scheme, tmp_path):
    page = chromium.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page.goto(f"{site}/labs/{LAB}.html", wait_until="networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    for select in page.locator("select[data-input]").all():
        box = select.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    shots = Path(os.environ.get("MLSYS_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{LAB}-{width}-{scheme}.png"), full_page=True)
    page.close()


@pytest.fixture(scope="module")
def all_labs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Every committed lab exported (standalone pages) and served from 127.0.0.1."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from mlsys.labs import export_labs

    out = tmp_path_factory.mktemp("labs")
    export_labs(out, LABS)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", out
    server.shutdown()


def test_every_lab_answers_each_control_with_its_precomputed_numbers(all_labs, chromium):
    import json

    site, out = all_labs
    names = sorted(p.stem for p in out.glob("*.json"))
    assert names == sorted(lab.name for lab in kit.catalog())  # every catalogued lab
    for name in names:
        data = json.loads((out / f"{name}.json").read_text())
        page = chromium.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))  # noqa: B023
        page.goto(f"{site}/{name}.html")
        setting = [spec["default"] for spec in data["inputs"]]
        for i, spec in enumerate(data["inputs"]):
            setting[i] = len(spec["labels"]) - 1  # move this control to its last value
            page.select_option(f'select[data-input="{spec["name"]}"]', index=setting[i])
            index = 0
            for s, v in zip(data["inputs"], setting, strict=True):
                index = index * len(s["labels"]) + v
            point = data["points"][index]
            shown = [page.locator(f'[data-output="{o["name"]}"]').inner_text()
                     for o in data["outputs"]]
            assert shown == point["t"], (name, spec["name"])
            assert page.locator(".ex-verdict").inner_text() == point["why"], name
        assert page.locator(".ex-plot svg").count() == 1, name
        assert errors == [], (name, errors)
        page.close()
