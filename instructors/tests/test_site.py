"""The hub on the site (students' view) and the solutions bundle (never on the site)."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest
from mlsys_instructors.problems import find_problem_set, problem_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only the instructors part, built by the real site builder into a fresh folder."""
    from mlsys.build import SiteBuilder

    out = tmp_path_factory.mktemp("site")
    builder = SiteBuilder(ROOT, out, strict=True)
    part = [p for p in builder.curriculum.parts if p.id == "instructors"]
    result = builder.build(part, with_labs=False)
    assert [str(p) for p in result.problems] == []   # every link resolved, even under --strict
    return out


def solution_snippets() -> list[str]:
    """Distinctive text of every worked solution (its first 60 characters)."""
    snippets = []
    for f in problem_files(ROOT):
        ps = find_problem_set(ROOT, f.stem)
        snippets += [x.solution.replace("`", "")[:60] for p in ps.problems for x in p.parts]
    return snippets


def page_text(page: Path) -> str:
    """Visible text, with entities decoded and typographic quotes made plain."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.read_text("utf-8")))
    text = text.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
    return re.sub(r"\s+", " ", text)


def test_hub_has_every_page_the_issue_asks_for(site: Path) -> None:
    hub = site / "instructors"
    for page in ("index", "pedagogy", "rubrics", "ta-handbook", "adoption",
                 "courses/foundations", "courses/foundations-quarter", "courses/at-scale"):
        assert (hub / f"{page}.html").is_file(), page
    for f in problem_files(ROOT):
        assert (hub / "problems" / f"{f.stem}.html").is_file()


def test_course_page_links_each_week_to_real_pages(site: Path) -> None:
    html = (site / "instructors/courses/foundations.html").read_text("utf-8")
    assert html.count('id="week-') == 12
    assert 'href="../../book/vol1/training.html"' in html
    assert 'href="../../labs/training_memory.html"' in html
    assert 'href="../../tinytorch/01_tensor/lesson.html"' in html


def test_ta_handbook_lists_errors_from_tinytorch_tests(site: Path) -> None:
    text = page_text(site / "instructors/ta-handbook.html")
    assert "matmul with misaligned shapes names both shapes" in text
    assert "does not require grad" in text


def test_no_solution_reaches_the_public_site(site: Path) -> None:
    pages = "\n".join(page_text(p) for p in site.rglob("*.html"))
    leaked = [s for s in solution_snippets() if s in pages]
    assert leaked == []
    assert "Answer:" not in pages
    assert not list(site.rglob("*solution*"))


def test_problem_set_page_shows_numbers_from_mlsysim(site: Path) -> None:
    import mlsysim

    text = page_text(site / "instructors/problems/training.html")
    gpu_mem = mlsysim.si(mlsysim.hardware("H100").memory_bytes, "B")
    assert f"H100s with {gpu_mem} of memory" in text
    raw = re.sub(r"<[^>]+>", "", (site / "instructors/problems/training.html").read_text())
    assert "problem_set: vol1/training" in raw            # the submission template


def test_solutions_bundle_holds_every_worked_solution(run, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = run("build", "instructors", "--solutions", "--out", str(out))
    assert result.exit_code == 0, result.output
    pages = "\n".join(page_text(p) for p in (out / "solutions").rglob("*.html"))
    missing = [s for s in solution_snippets() if s not in pages]
    assert missing == []
    with zipfile.ZipFile(out / "instructor-solutions.zip") as zf:
        names = zf.namelist()
        assert "solutions/problems/training.html" in names
        assert "Answer:" in zf.read("solutions/problems/training.html").decode()


def test_solutions_bundle_refuses_to_go_inside_the_site(run) -> None:
    result = run("build", "instructors", "--solutions", "--out", str(ROOT / "_site" / "x"))
    assert result.exit_code == 1
    assert "must not go inside _site/" in result.output


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_course_page_reads_on_a_phone_and_jumps_to_a_week(site: Path, browser, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto((site / "instructors/courses/foundations.html").as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert overflow <= 1                                  # nothing wider than the screen
    page.click("table a[href='#week-3']")
    assert page.evaluate("location.hash") == "#week-3"
    assert page.locator("#week-3").is_visible()
    page.close()


def test_build_instructors_command_writes_the_public_hub(run, tmp_path: Path) -> None:
    result = run("build", "--out", str(tmp_path / "site"), "instructors")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site/instructors/courses/at-scale.html").is_file()
    assert not list((tmp_path / "site").rglob("*solution*"))
