"""The mlsys CLI on a miniature curriculum repository, with the real pipeline (pandoc)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from mlsys.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "site_repo"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    monkeypatch.chdir(root / "book")  # commands find the root by walking up
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_build_makes_one_site_with_a_landing_page(repo: Path) -> None:
    code, out = run("build", "-q")
    assert code == 0, out
    site = repo / "_site"
    for page in ("book/vol1/memory.html", "book/vol2/scaling.html", "index.html", "404.html",
                 "pagefind/pagefind-ui.js"):
        assert (site / page).is_file(), page
    assert not (site / "sitemap.xml").exists()  # no site-url: no absolute <loc> to write
    landing = (site / "index.html").read_text()
    assert "Tiny curriculum" in landing
    # The map of the curriculum: both volumes with their parts and chapters; absent parts say so.
    assert 'href="book/vol1/memory.html"' in landing and "Memory hierarchies" in landing
    assert 'href="book/vol2/scaling.html"' in landing
    assert "Hardware kit" in landing and "Not built yet" in landing
    page = (site / "book/vol1/memory.html").read_text()
    menu = page[page.index('<nav class="menus"'):page.index("</nav>")]
    assert "<summary>Read</summary>" in menu
    assert 'href="../../book/vol1/index.html">Volume I: Small' in menu
    assert 'href="../../book/vol2/index.html">Volume II: Large' in menu
    assert "Hardware kit" not in menu  # not on disk, so not in the navbar


def test_cross_chapter_reference_points_at_the_right_anchor(repo: Path) -> None:
    assert run("build", "book", "-q")[0] == 0
    intro = (repo / "_site/book/vol1/introduction.html").read_text()
    href = re.search(r'<a href="([^"]+)"[^>]*>Section 2\.2</a>', intro).group(1)
    target, anchor = href.split("#")
    assert 'id="' + anchor + '"' in (repo / "_site/book/vol1" / target).read_text()


def test_unknown_chapter_fails_with_a_suggestion(repo: Path) -> None:
    code, out = run("build", "book", "memroy")
    assert code != 0
    assert "unknown chapter 'memroy'" in out and "memory" in out
    assert out.count("unknown chapter 'memroy'") == 1  # once, not once per volume
    assert not (repo / "_site").exists()


def test_ambiguous_chapter_lists_the_candidates(repo: Path) -> None:
    code, out = run("build", "book", "--vol", "1", "in")
    assert code != 0
    assert "ambiguous chapter 'in'" in out and "introduction" in out and "index" in out


def test_one_chapter_rebuild_touches_only_that_page(repo: Path) -> None:
    assert run("build", "book", "-q")[0] == 0
    before = snapshot(repo / "_site")
    chapter = repo / "book/vol1/memory.qmd"
    chapter.write_text(chapter.read_text() + "\nA freshly added sentence.\n")
    code, out = run("build", "book", "--vol", "1", "memory")
    assert code == 0, out
    after = snapshot(repo / "_site")
    changed = {k for k in after if before.get(k) != after[k] and not k.startswith("pagefind/")}
    assert changed == {"book/vol1/memory.html", ".mlsys-manifest.json"}
    assert "A freshly added sentence." in after["book/vol1/memory.html"].decode()


def test_failed_build_keeps_the_old_site_and_names_the_line(repo: Path) -> None:
    """Through a real subprocess, as an author would run it."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cmd = [sys.executable, "-m", "mlsys.cli", "build", "book", "-q"]
    first = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    before = snapshot(repo / "_site")
    config = repo / "book/_quarto-vol1.yml"
    config.write_text(config.read_text().replace("vol1/training.qmd", "vol1/missing.qmd"))
    second = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode != 0
    assert "Traceback" not in second.stderr
    line = next(i for i, t in enumerate(config.read_text().splitlines(), 1) if "missing" in t)
    assert f"_quarto-vol1.yml:{line}: error:" in second.stderr
    assert snapshot(repo / "_site") == before
    assert not list(repo.glob("._site*"))


def test_render_any_project_into_its_output_dir(repo: Path) -> None:
    code, out = run("render", str(repo / "book"), "--profile", "vol2", "-q")
    assert code == 0, out
    site = repo / "book/_book/vol2"  # the project's own output-dir
    assert (site / "vol2/scaling.html").is_file()
    html = (site / "vol2/scaling.html").read_text()
    assert '<a class="brand" href="../vol2/index.html" title=' in html
    assert not (repo / "_site").exists()


def test_render_with_out(repo: Path, tmp_path: Path) -> None:
    code, out = run("render", str(repo / "book"), "--out", str(tmp_path / "web"), "-q")
    assert code == 0, out
    assert (tmp_path / "web/vol1/memory.html").is_file()  # default profile: vol1


def test_check_writes_nothing_and_strict_fails_on_warnings(repo: Path) -> None:
    code, out = run("check", "book", "-q")
    assert code == 0, out
    assert not (repo / "_site").exists()
    chapter = repo / "book/vol1/training.qmd"
    chapter.write_text(chapter.read_text() + "\nSee @sec-nowhere.\n")
    code, out = run("check", "book", "--strict", "-q")
    assert code != 0
    assert "training.qmd:" in out and "sec-nowhere" in out
    assert not (repo / "_site").exists()


def test_clean_removes_site_and_caches(repo: Path) -> None:
    assert run("build", "-q")[0] == 0
    assert (repo / "_site").exists()
    code, out = run("clean")
    assert code == 0
    assert not (repo / "_site").exists() and not (repo / ".mlsys-cache").exists()
    assert "removed" in out


def test_outside_a_curriculum_is_a_clear_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run("build")
    assert code != 0 and "no curriculum.yml" in out


def test_bad_curriculum_entry_is_reported_with_its_line(repo: Path) -> None:
    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text().replace("kind: quarto\n    path: kit", "kind: pdf\n    path: kit"))
    code, out = run("build")
    line = next(i for i, t in enumerate(cur.read_text().splitlines(), 1) if "id: kit" in t)
    assert code != 0
    assert f"curriculum.yml:{line}: error: part 'kit': kind must be one of" in out


def test_doctor_prints_the_toolchain() -> None:
    code, out = run("doctor")
    assert "pandoc" in out and "pagefind" in out
    assert code in (0, 1)
    assert (code == 0) == ("missing:" not in out)


def test_full_build_exports_the_labs_when_that_part_exists(repo: Path) -> None:
    pytest.importorskip("mlsys.labs", reason="the labs part (mlsys.labs) is not written yet")
    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text() + (
        "  - id: labs\n    title: \"Labs\"\n    kind: labs\n    path: labs\n    url: labs/\n"
        "    nav: Teach\n    blurb: \"Interactive notebooks.\"\n"))
    copy_committed_labs(repo / "labs")  # the real exporter (mlsysim) runs on real labs
    code, out = run("build", "-q")
    assert code == 0, out
    site = repo / "_site"
    assert (site / "labs" / "index.html").is_file()
    landing = (site / "index.html").read_text()
    assert "<h2>Teach</h2>" in landing and "Labs" in landing
    from mlsys.labs import load_catalog

    for lab in load_catalog(repo / "labs"):
        assert (site / "labs" / f"{lab.name}.html").is_file()
        assert f'href="labs/{lab.name}.html"' in landing and lab.title in landing
    page = (site / "book/vol1/memory.html").read_text()
    assert "<summary>Teach</summary>" in page

    # The labs index wears the site's frame (navbar menus, dark mode, search) ...
    index = (site / "labs" / "index.html").read_text()
    for menu in ("Read", "Teach"):
        assert f"<summary>{menu}</summary>" in index
    assert "theme-toggle" in index and "data-search-open" in index
    assert 'href="../assets/site.css"' in index
    # ... groups each lab under the book holding its chapter (the fixture's vol1 has a
    # training chapter, so the training lab sits under Volume I) ...
    sections = dict(re.findall(r"<h2>(.*?)</h2>(.*?)(?=<h2>|</article>)", index, re.DOTALL))
    assert 'href="training_memory.html"' in sections["Volume I: Small"]
    assert 'href="../book/vol1/training.html"' in sections["Volume I: Small"]
    # ... and says what a lab page is and how to run the whole lab live.
    assert "is an explorable" in index and "mlsys labs run training_memory" in index
    # every lab page wears the site frame too, with its explorable and the way to the full lab
    lab_page = (site / "labs" / "training_memory.html").read_text()
    assert "theme-toggle" in lab_page and "data-search-open" in lab_page
    assert 'class="explorable"' in lab_page and "mlsys labs run training_memory" in lab_page
    assert (site / "labs" / "training_memory.json").is_file()
    assert (site / "labs" / "explorable.js").is_file()

    # Nothing the labs depend on changed: the next build keeps the exported files as they are.
    lab = load_catalog(repo / "labs")[0]
    exported = site / "labs" / f"{lab.name}.html"
    inode = exported.stat().st_ino
    assert run("build", "-q")[0] == 0
    assert exported.stat().st_ino == inode
    lab.path.write_text(lab.path.read_text() + "\n")
    assert run("build", "-q")[0] == 0
    assert exported.stat().st_ino != inode  # a changed notebook is exported again


def test_renaming_a_chapter_updates_every_sidebar(repo: Path) -> None:
    assert run("build", "book", "--vol", "1", "-q")[0] == 0
    chapter = repo / "book/vol1/memory.qmd"
    chapter.write_text(chapter.read_text().replace("# Memory hierarchies", "# Memory systems"))
    code, out = run("build", "book", "--vol", "1", "memory", "-q")
    assert code == 0, out
    for name in ("introduction", "training", "index"):
        html = (repo / "_site/book/vol1" / f"{name}.html").read_text()
        assert "Memory systems" in html and "Memory hierarchies" not in html, name


def test_render_of_a_folder_that_is_not_a_project(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    code, out = run("render", str(tmp_path / "notes"))
    assert code != 0
    assert "no _quarto.yml" in out and "Traceback" not in out


def copy_committed_labs(dest: Path) -> None:
    """The labs folder as committed (work in progress elsewhere must not break this test),
    with its catalogue cut down to the labs whose notebook exists."""
    top = Path(__file__).parents[2]
    archive = subprocess.run(["git", "-C", str(top), "archive", "HEAD", "labs"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        pytest.skip("not a git checkout: cannot take the committed labs")
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest.parent)], input=archive.stdout, check=True)
    shutil.rmtree(dest / "tests", ignore_errors=True)
    catalog = dest / "labs.yaml"
    data = yaml.safe_load(catalog.read_text())
    data["labs"] = [e for e in data["labs"] if (dest / f"{e['name']}.py").is_file()]
    if not data["labs"]:
        pytest.skip("no lab is committed yet")
    catalog.write_text(yaml.safe_dump(data, sort_keys=False))


def _with_other_parts(root: Path) -> None:
    """Give the fixture a labs part and a second Quarto project (the fixture's `kit`), neither
    built by `mlsys build book`, and a chapter linking into both."""
    labs = root / "labs"
    labs.mkdir()
    (labs / "roofline.py").write_text("import marimo\napp = marimo.App()\n")
    (labs / "labs.yaml").write_text(
        "labs:\n  - name: roofline\n    title: Roofline\n    chapter: Memory\n"
        "    href: ../book/vol1/memory.html\n    description: Hit the wall.\n")
    with (root / "curriculum.yml").open("a") as f:
        f.write("  - id: labs\n    title: Labs\n    kind: labs\n    path: labs\n"
                "    url: labs/\n    nav: Teach\n")
    (root / "kit" / "01_wires").mkdir(parents=True)
    (root / "kit" / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Kit\n  chapters:\n    - index.qmd\n"
        "    - 01_wires/lesson.qmd\n")
    (root / "kit" / "index.qmd").write_text("# Kit\n\nHello.\n")
    (root / "kit" / "01_wires" / "lesson.qmd").write_text("# Wires\n\nCopper.\n")
    memory = root / "book" / "vol1" / "memory.qmd"
    memory.write_text(memory.read_text() + "\n## Practice\n\nTry the [roofline lab]"
                      "(../../labs/roofline.html) and [wiring](../../kit/01_wires/lesson.html)."
                      "\n")


def test_a_book_build_checks_links_into_parts_it_does_not_build(repo: Path) -> None:
    """A fresh clone builds one volume strictly although the labs and the kit are not built:
    their pages are known from labs.yaml and the kit's _quarto.yml."""
    _with_other_parts(repo)
    assert not (repo / "_site").exists()
    code, out = run("build", "book", "--vol", "1", "--strict", "-q")
    assert code == 0, out
    assert "broken link" not in out


def test_a_wrong_link_into_an_unbuilt_part_names_its_file_and_line(repo: Path) -> None:
    _with_other_parts(repo)
    memory = repo / "book" / "vol1" / "memory.qmd"
    text = memory.read_text().replace("labs/roofline.html", "labs/rooflin.html")
    memory.write_text(text.replace("01_wires/lesson", "01_wire/lesson"))
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "rooflin.html" in s)
    code, out = run("build", "book", "--vol", "1", "--strict")
    assert code != 0
    assert (f"{memory}:{line}: warning: broken link to ../../labs/rooflin.html: "
            "Labs (not built in this run) has no such page") in out
    assert f"{memory}:{line}: warning: broken link to ../../kit/01_wire/lesson.html" in out
    assert not (repo / "_site").exists()  # a strict failure publishes nothing


def test_build_prints_stage_lines_when_output_is_not_a_terminal(repo: Path) -> None:
    result = CliRunner().invoke(main, ["build", "book", "--vol", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert any(re.fullmatch(r"vol1 \w+: started \(\d+ to do\)", x) for x in lines), lines
    assert any(re.fullmatch(r"vol1 \w+: done \d+/\d+ in [\d.]+ s", x) for x in lines), lines
    assert "book ->" in result.stdout  # the summary still closes the build
    quiet = CliRunner().invoke(main, ["build", "book", "--vol", "1", "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_stage_lines_report_a_long_stage_every_few_seconds() -> None:
    from mlsys.cli import stage_lines

    lines: list[str] = []
    now = [0.0]
    update = stage_lines(lines.append, every_s=10, clock=lambda: now[0])
    for done, t in ((0, 0), (1, 4), (2, 11), (3, 12), (4, 25)):
        now[0] = t
        update("vol1 execute", done, 4)
    assert lines == ["vol1 execute: started (4 to do)", "vol1 execute: 2/4",
                     "vol1 execute: done 4/4 in 25.0 s"]


def test_strict_says_a_warning_is_what_stopped_it(repo: Path) -> None:
    chapter = repo / "book/vol1/memory.qmd"
    chapter.write_text(chapter.read_text() + "\nSee @sec-nowhere.\n")
    code, out = run("build", "book", "--vol", "1", "--strict")
    assert code != 0
    assert "unresolved cross-reference @sec-nowhere" in out
    assert "stopped: 0 errors, 1 warning (--strict makes every warning fatal" in out
    code, out = run("build", "book", "--vol", "1", "-q")
    assert code == 0, out  # without --strict the same book builds
