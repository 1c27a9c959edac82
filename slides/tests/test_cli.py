"""`mlsys slides ...` as a user runs it: messages, exit codes and files written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main
from mlsys_slides.build import chapter_order

REPO = Path(__file__).resolve().parents[2]
NOT_CHAPTERS = {"index", "references", "notation", "glossary"}


def test_every_volume_one_chapter_has_a_deck(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    listed = CliRunner().invoke(main, ["slides", "list"])
    assert listed.exit_code == 0, listed.output
    chapters = [c for c in chapter_order(REPO) if c not in NOT_CHAPTERS]
    assert len(chapters) == 16
    assert listed.output.split() == chapters


def test_an_unknown_theme_exits_1_and_lists_the_four(fixture_root,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_root("tiny"))
    res = CliRunner().invoke(main, ["slides", "build", "--theme", "sepia", "--to", "pdf"])
    assert res.exit_code == 1
    assert "unknown theme 'sepia'; choose one of light, dark, minimal, high-contrast" in res.output
    assert "Traceback" not in res.output


def test_strict_turns_missing_notes_into_a_failure(fixture_root,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = fixture_root("latex_error")
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["slides", "build", "--strict", "--no-overflow-check"])
    assert res.exit_code == 1
    assert "slide 'Fine slide' has no speaker notes" in res.output
    assert not (root / "_build").exists(), "nothing written when the check fails"


def test_a_build_writes_the_deck_and_reports_it(fixture_root,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = fixture_root("tiny")
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["slides", "build", "tiny", "--no-overflow-check",
                                    "--out", "out"])
    assert res.exit_code == 0, res.output
    assert (root / "out" / "tiny.html").is_file()
    assert "1 file(s) from 1 deck(s)" in res.output


def test_build_slides_takes_a_chapter_a_theme_and_a_format(tmp_path: Path) -> None:
    """`mlsys build slides [CHAPTER] [--theme T] [--to html|pdf]`, as the issue spells it."""
    from click.testing import CliRunner
    from mlsys.cli import main

    result = CliRunner().invoke(main, ["build", "slides", "introduction", "--theme", "dark",
                                       "--to", "html", "--no-overflow-check",
                                       "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "introduction.html").is_file()
    bad = CliRunner().invoke(main, ["build", "slides", "--theme", "sepia"])
    assert bad.exit_code != 0 and "light" in bad.output and "high-contrast" in bad.output


def test_the_site_pages_list_names_every_deck_without_building_them() -> None:
    """What a book-only build checks chapter links against: the index and one page per deck."""
    from mlsys_slides.build import find_decks
    from mlsys_slides.site import pages

    listed = pages(REPO)
    assert "index.html" in listed and "introduction.html" in listed
    assert len(listed) == len(find_decks(REPO)) + 1 >= 17
