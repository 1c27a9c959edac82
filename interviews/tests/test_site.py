"""The interview pages: generated from the data, rendered by our engine, used in Chromium
(filters, reveals, and SM-2 practice whose schedule survives a reload)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from mlsys_interviews import generate
from mlsys_interviews.progress import from_json

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "repo"
SHOTS = Path("/tmp/mlsys-shots")


def test_generate_writes_a_quarto_project_with_a_page_per_question(tmp_path: Path) -> None:
    generate(tmp_path, FIXTURE)
    pages = sorted(p.name for p in (tmp_path / "q").iterdir())
    assert pages == ["fx-kv-cache.qmd", "fx-ridge.qmd", "fx-weights.qmd"]
    cfg = (tmp_path / "_quarto.yml").read_text()
    assert "part: Silicon & accelerators" in cfg and "q/fx-ridge.qmd" in cfg
    page = (tmp_path / "q" / "fx-ridge.qmd").read_text()
    assert "**Estimate** ridge point 153 FLOP/B." in page  # computed, not the template
    assert "{{" not in page
    assert "- Volume I: [Hardware Acceleration](../../book/vol1/hw_acceleration.html)" in page
    assert "- Lab: [Batching](../../labs/serving_batching.html)" in page
    assert "[Profiling](../../tinytorch/14_profiling/lesson.html)" in page
    for asset in ("interviews.js", "practice.js", "interviews.css"):
        assert (tmp_path / asset).stat().st_size > 500


def test_the_real_bank_generates_every_question(tmp_path: Path) -> None:
    generate(tmp_path, REPO)
    files = list((REPO / "interviews" / "questions").glob("*/*.yaml"))
    assert len(list((tmp_path / "q").glob("*.qmd"))) == len(files) >= 26


@pytest.mark.slow
def test_the_real_interview_pages_build_without_a_warning(tmp_path: Path) -> None:
    from mlsys.build import SiteBuilder

    builder = SiteBuilder(REPO, tmp_path / "site", search=False)
    result = builder.build([builder.curriculum.part("interviews")], with_labs=False)
    assert [str(p) for p in result.problems] == []
    pages = list((tmp_path / "site" / "interviews" / "q").glob("*.html"))
    assert len(pages) == len(list((REPO / "interviews" / "questions").glob("*/*.yaml")))


# ------------------------------------------------------------------ in the browser

def _page(browser: Any, url: str, width: int = 1280, day: str | None = None,
          scheme: str = "light") -> Any:
    ctx = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                              accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") or
            r.url.startswith(("data:", "blob:")) else errors.append("left localhost: " + r.url))
    page.errors = errors
    if day:
        page.clock.set_fixed_time(datetime.fromisoformat(day + "T09:00:00"))
    page.goto(url)
    return page


def _visible_cards(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        ".iv-card:not([hidden]) a", "els => els.map(e => e.textContent.trim())")


@pytest.mark.browser
def test_index_filters_by_track_level_and_tag_and_keeps_them_on_reload(
        browser: Any, fixture_site: str) -> None:
    page = _page(browser, fixture_site + "index.html")
    assert len(_visible_cards(page)) == 3 and page.text_content("#iv-count") == "3 questions"
    page.select_option("#iv-filters select[name=track]", "memory")
    assert len(_visible_cards(page)) == 2
    page.select_option("#iv-filters select[name=tag]", "quokka-tag")
    assert _visible_cards(page) == ["Fixture: do 70B weights fit on one GPU?"]
    assert page.text_content("#iv-count") == "1 question"
    assert "track=memory" in page.url and "tag=quokka-tag" in page.url
    page.reload()
    assert _visible_cards(page) == ["Fixture: do 70B weights fit on one GPU?"]
    page.select_option("#iv-filters select[name=level]", "L3")
    assert _visible_cards(page) == [] and page.is_visible("#iv-empty")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "interviews-index.png"), full_page=True)
    assert page.errors == []


@pytest.mark.browser
def test_a_question_page_reveals_the_answer_and_napkin_math_on_demand(
        browser: Any, fixture_site: str) -> None:
    page = _page(browser, fixture_site + "q/fx-ridge.html", scheme="dark")
    answer = page.locator("details.iv-answer")
    assert not answer.locator("text=ridge point 153 FLOP/B").is_visible()
    answer.locator("summary").click()
    assert answer.locator("text=ridge point 153 FLOP/B").is_visible()
    napkin = page.locator("details.iv-napkin")
    napkin.locator("summary").click()
    assert napkin.locator("li", has_text="A100 BF16 peak: 312 TFLOP/s").is_visible()
    assert napkin.locator("code", has_text="mlsysim.hardware(").first.is_visible()
    assert page.locator("a", has_text="Hardware Acceleration").get_attribute("href") == \
        "../../book/vol1/hw_acceleration.html"
    page.screenshot(path=str(SHOTS / "interviews-question-dark.png"), full_page=True)
    page.click(".iv-badges a.iv-tag:text('quokka-tag')")  # a tag opens the filtered index
    page.wait_for_url(re.compile(r"index\.html\?tag=quokka-tag$"))
    assert sorted(_visible_cards(page)) == ["Fixture: do 70B weights fit on one GPU?",
                                            "Fixture: where is the A100’s ridge point?"]
    assert page.errors == []


def _status(page: Any) -> tuple[str, str, str]:
    return (page.text_content("#iv-due"), page.text_content("#iv-new"),
            page.text_content("#iv-left"))


def _saved(page: Any) -> dict:
    return json.loads(page.evaluate("localStorage.getItem('mlsys-interviews-progress')"))


@pytest.mark.browser
def test_practice_reveals_grades_with_sm2_and_a_reload_keeps_the_schedule(
        browser: Any, fixture_site: str, tmp_path: Path) -> None:
    page = _page(browser, fixture_site + "practice.html", width=390, day="2026-01-01")
    assert _status(page) == ("0", "3", "3")
    card = page.locator(".iv-pcard:not([hidden])")
    assert card.count() == 1 and not card.locator(".iv-pans").is_visible()
    assert not page.is_visible("#iv-grade")
    card.locator(".iv-show").click()
    assert card.locator(".iv-pans").is_visible() and page.is_visible("#iv-grade")
    page.click("#iv-grade button[data-grade='5']")
    assert _status(page) == ("0", "2", "2")
    page.locator(".iv-pcard:not([hidden]) .iv-show").click()
    page.keyboard.press("3")  # below 4: asked again at the end of the session
    assert _status(page) == ("0", "1", "2")
    saved = _saved(page)["cards"]
    assert saved["fx-ridge"] == {"ef": 2.6, "reps": 1, "interval": 1, "due": "2026-01-02",
                                 "last": "2026-01-01", "lapses": 0}
    assert saved["fx-kv-cache"]["ef"] == pytest.approx(2.36)
    page.screenshot(path=str(SHOTS / "interviews-practice-390.png"), full_page=True)

    page.reload()
    assert _status(page) == ("0", "1", "1")  # the graded cards are scheduled for tomorrow
    later = _page(browser, fixture_site + "practice.html", day="2026-01-02")
    later.evaluate(f"localStorage.setItem('mlsys-interviews-progress', {json.dumps(json.dumps(_saved(page)))})")
    later.reload()
    assert _status(later) == ("2", "1", "3")
    assert page.errors == [] and later.errors == []


@pytest.mark.browser
def test_practice_exports_and_imports_progress_and_survives_corrupt_storage(
        browser: Any, fixture_site: str, tmp_path: Path) -> None:
    page = _page(browser, fixture_site + "practice.html", day="2026-01-01")
    page.locator(".iv-pcard:not([hidden]) .iv-show").click()
    page.click("#iv-grade button[data-grade='4']")
    with page.expect_download() as dl:
        page.click("#iv-export")
    exported = tmp_path / "progress.json"
    dl.value.save_as(exported)
    data = json.loads(exported.read_text())
    assert data["format"] == "mlsys-interviews-progress" and list(data["cards"]) == ["fx-ridge"]
    card = from_json(exported.read_text()).card("fx-ridge")  # the terminal drill reads it too
    assert (card.reps, card.interval, card.due) == (1, 1, date(2026, 1, 2))

    fresh = _page(browser, fixture_site + "practice.html", day="2026-01-01")
    assert _status(fresh)[1] == "3"
    bad = tmp_path / "bad.json"
    bad.write_text('{"cards": 1}')
    fresh.set_input_files("#iv-import", str(bad))
    fresh.wait_for_function("document.getElementById('iv-message').textContent.length > 0")
    assert "Not imported: bad.json" in fresh.text_content("#iv-message")
    fresh.set_input_files("#iv-import", str(exported))
    fresh.wait_for_function("/Imported/.test(document.getElementById('iv-message').textContent)")
    assert _status(fresh) == ("0", "2", "2") and _saved(fresh) == data

    fresh.evaluate("localStorage.setItem('mlsys-interviews-progress', '{oops')")
    fresh.reload()
    assert re.search("unreadable", fresh.text_content("#iv-message"))
    assert fresh.evaluate("localStorage.getItem('mlsys-interviews-progress.corrupt')") == "{oops"
    assert _status(fresh) == ("0", "3", "3")
    assert page.errors == [] and fresh.errors == []


@pytest.mark.browser
def test_the_browser_schedule_matches_the_python_sm2_over_several_reviews(
        browser: Any, fixture_site: str) -> None:
    from mlsys_interviews.sm2 import Card, review

    page = _page(browser, fixture_site + "practice.html", day="2026-01-01")
    page.select_option("#iv-pfilters select[name=level]", "L3")  # only fx-ridge
    card, day = Card(), date(2026, 1, 1)
    for grade in (5, 5, 4, 3, 1, 4):
        page.locator(".iv-pcard:not([hidden]) .iv-show").click()
        page.click(f"#iv-grade button[data-grade='{grade}']")
        card = review(card, grade, day)
        saved = _saved(page)["cards"]["fx-ridge"]
        assert (saved["reps"], saved["interval"], saved["due"]) == (
            card.reps, card.interval, card.due.isoformat()), grade
        assert saved["ef"] == pytest.approx(card.ef, abs=1e-4)
        day = card.due
        page.clock.set_fixed_time(datetime.fromisoformat(day.isoformat() + "T09:00:00"))
        page.reload()
        page.select_option("#iv-pfilters select[name=level]", "L3")
        assert _status(page)[0] == "1"
    assert page.errors == []
