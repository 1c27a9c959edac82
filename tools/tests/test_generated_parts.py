"""Parts whose sources are generated (`generate:` in curriculum.yml): interviews, instructors,
kits pages, slides. The generator writes a Quarto project or finished files; the site shows them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "site_repo"

GENERATORS = '''
from pathlib import Path

def quarto_project(dest: Path, root: Path) -> None:
    """A two-page Quarto book, its text taken from a data file of the repository."""
    with (root / "generator-runs.log").open("a") as log:
        log.write("ran\\n")
    words = (root / "drills.txt").read_text().split()
    (dest / "_quarto.yml").write_text(
        "project:\\n  type: book\\nbook:\\n  title: Drills\\n  chapters:\\n"
        "    - index.qmd\\n    - cards.qmd\\n")
    (dest / "index.qmd").write_text("# Drills\\n\\nPractice.\\n")
    (dest / "cards.qmd").write_text("# Cards\\n\\n" + " ".join(words) + "\\n")

def static_files(dest: Path, root: Path) -> None:
    (root / "static-generated.flag").write_text("ran")
    (dest / "index.html").write_text("<!doctype html><title>Deck</title><p>Slide one</p>")
    (dest / "deck.js").write_text("console.log('next slide');")

def pages(root: Path) -> set[str]:
    """The static part's pages by name, without generating them."""
    return {"index.html", "listed.html"}

def broken(dest: Path, root: Path) -> None:
    raise ValueError("drills.txt: line 1: not a drill")
'''


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "gen_parts_fixture.py").write_text(GENERATORS)
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    sys.modules.pop("gen_parts_fixture", None)
    (root / "drills.txt").write_text("alpha beta gamma")
    (root / "drills").mkdir()  # a generated part's `path` holds its sources
    (root / "deck").mkdir()
    with (root / "curriculum.yml").open("a") as f:
        f.write("  - id: drills\n    title: Drills\n    kind: quarto\n    path: drills\n"
                "    url: drills/\n    nav: Teach\n"
                "    generate: \"gen_parts_fixture:quarto_project\"\n"
                "  - id: deck\n    title: Decks\n    kind: static\n    path: deck\n"
                "    url: slides/\n    nav: Teach\n"
                "    generate: \"gen_parts_fixture:static_files\"\n")
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_a_generated_quarto_part_is_rendered_in_the_site_frame(repo: Path) -> None:
    code, out = run("build", "-q")
    assert code == 0, out
    page = (repo / "_site" / "drills" / "cards.html").read_text()
    assert "alpha beta gamma" in page
    assert '<nav class="menus"' in page  # the site's navbar, not a bare page
    landing = (repo / "_site" / "index.html").read_text()
    assert 'href="drills/index.html"' in landing


def test_a_static_part_is_copied_under_its_url_and_linked_from_the_navbar(repo: Path) -> None:
    assert run("build", "-q")[0] == 0
    site = repo / "_site"
    assert "Slide one" in (site / "slides" / "index.html").read_text()
    assert (site / "slides" / "deck.js").is_file()
    page = (site / "drills" / "index.html").read_text()
    assert 'href="../slides/index.html"' in page


def test_an_edit_to_the_data_reaches_the_page_on_the_next_build(repo: Path) -> None:
    assert run("build", "-q")[0] == 0
    (repo / "drills.txt").write_text("delta epsilon")
    assert run("build", "-q")[0] == 0
    page = (repo / "_site" / "drills" / "cards.html").read_text()
    assert "delta epsilon" in page and "alpha" not in page


def test_a_generate_spec_that_is_not_module_colon_function_is_an_error_with_its_line(
        repo: Path) -> None:
    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text().replace("gen_parts_fixture:static_files", "not a spec"))
    code, out = run("build", "-q")
    line = next(i for i, t in enumerate(cur.read_text().splitlines(), 1) if "not a spec" in t)
    assert code != 0
    assert f"curriculum.yml:{line - 6}: error: part 'deck': generate must be" in out


def test_a_generator_naming_a_missing_function_is_an_error(repo: Path) -> None:
    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text().replace(":quarto_project", ":nothing_here"))
    code, out = run("build", "-q")
    assert code != 0 and "gen_parts_fixture has no function nothing_here" in out


def test_a_failing_generator_is_reported_and_keeps_the_previous_site(repo: Path) -> None:
    assert run("build", "-q")[0] == 0
    before = (repo / "_site" / "drills" / "cards.html").read_bytes()
    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text().replace(":quarto_project", ":broken"))
    code, out = run("build", "-q")
    assert code != 0
    assert "part 'drills' (gen_parts_fixture:broken) failed: drills.txt: line 1: not a drill" \
        in out
    assert "Traceback" not in out
    assert (repo / "_site" / "drills" / "cards.html").read_bytes() == before


def test_a_generated_part_whose_sources_folder_is_missing_is_left_out(repo: Path) -> None:
    # a partial checkout (say, only book/) still builds; the part simply is not in the site
    (repo / "drills").rmdir()
    code, out = run("build", "-q")
    assert code == 0, out
    assert not (repo / "_site" / "drills").exists()
    assert 'href="drills/index.html"' not in (repo / "_site" / "index.html").read_text()


def test_links_into_a_static_part_left_out_are_checked_by_its_pages_list(repo: Path) -> None:
    """A book-only build checks a link into the slides against the part's `pages(root)`, and
    never runs the part's generator to find out."""
    memory = repo / "book" / "vol1" / "memory.qmd"
    memory.write_text(memory.read_text() + "\n[Deck](../../slides/listed.html)\n")
    code, out = run("build", "book", "--vol", "1", "--strict", "-q")
    assert code == 0, out
    assert not (repo / "static-generated.flag").exists()
    memory.write_text(memory.read_text() + "\n[Gone](../../slides/missing.html)\n")
    code, out = run("build", "book", "--vol", "1", "--strict", "-q")
    assert code != 0 and "slides/missing.html" in out


def test_a_book_build_reads_a_generated_parts_pages_without_regenerating_it(
        repo: Path) -> None:
    """Checking a link into the drills part needs its page names, which its last generation
    still gives while the part's own folder is unchanged; a file saved there regenerates it."""
    memory = repo / "book" / "vol1" / "memory.qmd"
    memory.write_text(memory.read_text() + "\n[Cards](../../drills/cards.html)\n")
    runs = repo / "generator-runs.log"

    def ran() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    assert run("build", "book", "--vol", "1", "--strict", "-q")[0] == 0
    assert ran() == 1  # no earlier generation to read: the generator runs once
    memory.write_text(memory.read_text() + "\nAn edit.\n")
    code, out = run("build", "book", "--vol", "1", "--strict", "-q")
    assert code == 0, out
    assert ran() == 1  # the drills folder is unchanged: its last output is read
    (repo / "drills" / "notes.txt").write_text("a new source file")
    memory.write_text(memory.read_text() + "\nAnother edit.\n")  # links of written pages
    assert run("build", "book", "--vol", "1", "--strict", "-q")[0] == 0
    assert ran() == 2
    memory.write_text(memory.read_text() + "\n[Gone](../../drills/missing.html)\n")
    code, out = run("build", "book", "--vol", "1", "--strict", "-q")
    assert code != 0 and "drills/missing.html" in out
