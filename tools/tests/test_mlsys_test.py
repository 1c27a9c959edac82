"""`mlsys test [PART...]`: each part's tests in a subprocess, its checks on top, one table.

The parts come from curriculum.yml (`group`, `tests`, `check`, plus `test-parts:`), so these
tests use a miniature repository whose parts have tests that really pass or really fail.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main
from mlsys.parts import part_groups
from mlsys.testing import passed_on_this_tree

FIXTURE = Path(__file__).parent / "fixtures" / "site_repo"

CHECKS = '''
from pathlib import Path

def clean(root: Path) -> list[str]:
    return []

def grumpy(root: Path) -> list[str]:
    return [f"{root / 'notes.txt'}:3: error: the notes say no",
            f"{root / 'notes.txt'}:4: warning: and they mumble"]
'''


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / "book" / "tests").mkdir()
    (root / "book" / "tests" / "test_book.py").write_text(
        "def test_one():\n    assert 1 + 1 == 2\n\n"
        "def test_two():\n    assert 'a' < 'b'\n\n"
        "import pytest\n\n@pytest.mark.skip(reason='not today')\ndef test_three():\n    pass\n")
    (root / "engine_tests").mkdir()
    (root / "engine_tests" / "test_engine.py").write_text(
        "def test_ok():\n    pass\n\ndef test_broken():\n    assert 2 + 2 == 5\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mini_checks.py").write_text(CHECKS)
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    sys.modules.pop("mini_checks", None)
    cur = root / "curriculum.yml"
    text = cur.read_text()
    for vol in ("vol1", "vol2"):
        text = text.replace(f"    profile: {vol}\n",
                            f"    profile: {vol}\n    group: book\n    tests: [book/tests]\n"
                            "    check: \"mini_checks:clean\"\n")
    text += ("test-parts:\n  - id: engine\n    tests: [engine_tests]\n"
             "  - id: notes\n    tests: []\n    check: \"mini_checks:grumpy\"\n")
    cur.write_text(text)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def row(output: str, part: str) -> list[str]:
    """The cells of one row of the summary table."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if cells and cells[0] == part:
            return cells
    raise AssertionError(f"no row for {part} in:\n{output}")


# Both volumes form one part named by their group; test-parts join after the site's parts.
def test_parts_are_grouped_and_carry_their_tests_and_checks(repo: Path) -> None:
    groups = {g.name: g for g in part_groups(repo)}
    assert list(groups) == ["book", "kit", "engine", "notes"]
    assert [e.id for e in groups["book"].entries] == ["vol1", "vol2"]
    assert groups["book"].tests == ("book/tests",)
    assert groups["book"].checks == ("mini_checks:clean",)
    assert groups["engine"].entries == () and groups["engine"].tests == ("engine_tests",)


# A passing part prints its row with exact counts and exits 0.
def test_one_passing_part_prints_exact_counts(repo: Path) -> None:
    code, out = run("test", "book")
    assert code == 0, out
    assert row(out, "book")[:6] == ["book", "3", "2", "0", "1", "0"]
    assert "engine" not in out


# Every part runs with no argument; a failing test or a check error fails the whole command.
def test_all_parts_run_and_failures_set_the_exit_code(repo: Path) -> None:
    code, out = run("test")
    assert code == 1
    assert row(out, "engine")[:4] == ["engine", "2", "1", "1"]
    assert row(out, "notes")[5] == "1"  # one error; the warning does not count
    assert "notes.txt:3: error: the notes say no" in out
    assert row(out, "total")[:4] == ["total", "5", "3", "1"]
    assert "failed: engine, notes" in out


# The record of a run lets publish know whether this exact tree passed.
def test_results_are_recorded_for_the_tree_they_ran_on(repo: Path) -> None:
    run("test", "book", "engine")
    assert passed_on_this_tree(repo, "book") is None  # not a git checkout: no tree identity
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
                   cwd=repo, check=True)
    run("test", "book", "engine")
    assert passed_on_this_tree(repo, "book") is True
    assert passed_on_this_tree(repo, "engine") is False
    (repo / "book" / "new.txt").write_text("changed")
    assert passed_on_this_tree(repo, "book") is None


# An unknown part is named, with the closest known one, before anything runs.
@pytest.mark.parametrize(("verb", "name", "closest"), [
    (["test"], "engin", "engine"), (["build"], "bok", "book"),
    (["publish", "--to", "x"], "sitte", "site")], ids=["test", "build", "publish"])
def test_an_unknown_part_suggests_the_closest(repo: Path, verb: list[str], name: str,
                                              closest: str) -> None:
    code, out = run(verb[0], name, *verb[1:])
    assert code != 0
    assert f"no part named '{name}'; did you mean '{closest}'?" in out


# A bad tests field is an error with its line in curriculum.yml.
def test_a_bad_tests_field_names_its_line(repo: Path) -> None:
    cur = repo / "curriculum.yml"
    lines = cur.read_text().splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip() == "tests: [book/tests]")
    lines[i] = "    tests: book/tests"
    cur.write_text("\n".join(lines) + "\n")
    code, out = run("test", "book")
    assert code == 1
    entry = max(n for n in range(i) if lines[n].startswith("  - id:")) + 1
    assert f"curriculum.yml:{entry}: error: part 'vol1': tests must be a list" in out


# A check that cannot be imported or a tests folder that is not there stops the run before
# any test starts, naming both.
def test_a_wrong_check_or_folder_is_reported_before_running(repo: Path) -> None:
    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text().replace("mini_checks:grumpy", "mini_checks:grumpyy")
                   .replace("tests: [engine_tests]", "tests: [engine_test]"))
    code, out = run("test")
    assert code == 1
    assert "part 'engine': tests folder engine_test does not exist" in out
    assert "part 'notes' check: cannot load 'mini_checks:grumpyy'" in out
    assert "passed" not in out  # nothing ran


# A folder at the repository root named like an installed package (tinytorch/ beside the
# installed tinytorch) must not shadow it in the part's test process.
def test_a_root_folder_does_not_shadow_an_installed_package(repo: Path) -> None:
    (repo / "click").mkdir()
    (repo / "click" / "__init__.py").write_text("NOT_THE_PACKAGE = True\n")
    (repo / "book" / "tests" / "test_book.py").write_text(
        "import click\n\ndef test_click_is_the_package():\n    assert callable(click.command)\n")
    code, out = run("test", "book")
    assert code == 0, out
    assert row(out, "book")[:4] == ["book", "1", "1", "0"]
