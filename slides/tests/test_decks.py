"""The deck model: slides, notes, live values and the mistakes an author can make."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlsys_slides import SlidesError, find_decks, load_deck
from mlsys_slides.build import build_decks
from mlsys_slides.check import check

import mlsysim

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def test_a_deck_splits_into_sections_and_slides_with_their_lines(tmp_path: Path) -> None:
    deck = load_deck(FIXTURES / "tiny.md", tmp_path)
    assert [(s.title, s.level, s.line) for s in deck.slides] == [
        ("Opening", 1, 13), ("Peak arithmetic", 2, 15), ("Two columns", 2, 24)]
    assert all(s.has_notes for s in deck.content_slides)
    assert "import mlsysim" not in deck.markdown()


def test_inline_values_come_from_mlsysim_at_build_time(tmp_path: Path) -> None:
    deck = load_deck(FIXTURES / "tiny.md", tmp_path)
    want = f"{mlsysim.hardware('H100').flops['bf16'] / 1e12:,.0f}"
    assert f"peaks at {want} TFLOP/s" in deck.slides[1].body
    assert "{python}" not in deck.markdown()
    assert list(tmp_path.glob("*.json")), "values are cached by content hash"
    assert load_deck(FIXTURES / "tiny.md", tmp_path).slides == deck.slides


def test_a_failing_value_names_the_deck_line_and_expression(tmp_path: Path) -> None:
    with pytest.raises(SlidesError, match=r"bad_value\.md:11: `\{python\} y \* 2` failed: "
                                          r"NameError"):
        load_deck(FIXTURES / "bad_value.md", tmp_path)


def test_a_missing_figure_names_the_deck_and_line(tmp_path: Path) -> None:
    with pytest.raises(SlidesError, match=r"missing_figure\.md:7: figure not found: "
                                          r"images/not-there\.svg"):
        load_deck(FIXTURES / "missing_figure.md", tmp_path)


def test_a_deck_without_front_matter_is_an_error_at_line_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("## A slide\n\nNo front matter.\n")
    with pytest.raises(SlidesError, match=r"bad\.md:1: a deck starts with YAML front matter"):
        load_deck(bad, tmp_path)


def test_an_unknown_theme_lists_the_four(fixture_root) -> None:
    root = fixture_root("tiny")
    with pytest.raises(SlidesError, match="unknown theme 'sepia'; choose one of light, dark, "
                                          "minimal, high-contrast"):
        build_decks(root, root / "out", themes=("sepia",))


def test_an_unknown_chapter_lists_the_decks(fixture_root) -> None:
    root = fixture_root("tiny", "overflow")
    with pytest.raises(SlidesError, match="'nope' matches no deck; decks: overflow, tiny"):
        build_decks(root, root / "out", chapter="nope")


def test_the_check_reports_slides_without_notes_and_short_decks(fixture_root) -> None:
    root = fixture_root("latex_error")
    problems = check(root)
    assert any("latex_error.md:1: warning: 3 slides" in p for p in problems)
    assert any("latex_error.md:5: warning: slide 'Fine slide' has no speaker notes" in p
               for p in problems)


def test_every_real_deck_passes_the_check() -> None:
    decks = find_decks(REPO)
    assert len(decks) >= 2
    assert check(REPO) == []


def test_real_decks_follow_the_books_chapter_order() -> None:
    names = [p.stem for p in find_decks(REPO)]
    order = ["introduction", "ml_systems", "workflow", "data_engineering", "dl_primer",
             "architectures", "frameworks", "training", "efficient_ai", "compression",
             "hw_acceleration", "benchmarking", "serving", "ml_ops",
             "responsible_engineering", "conclusion"]
    assert names == [n for n in order if n in names]


def test_a_pause_the_html_runtime_cannot_show_is_a_warning_with_its_line(fixture_root) -> None:
    root = fixture_root("tiny")
    deck = root / "slides" / "decks" / "tiny.md"
    deck.write_text(deck.read_text().replace("- Math:", ". . .\n\n- Math:"))
    problems = check(root)
    assert any(p.endswith("tiny.md:18: warning: pauses (. . .) are not supported; use ::: "
                          "incremental for a list") for p in problems), problems
