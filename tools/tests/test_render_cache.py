"""Content-hash caching: an unchanged chapter never reaches pandoc, a changed one does."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlsys.parse
import mlsys.render
import pytest
from mlsys.model import BuildError
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "render_basic"


class PandocCounter:
    """Counts real pandoc runs (each call still goes to the real binary)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str]] = []
        real = mlsys.parse.run_pandoc

        def counting(args: list[str], text: str, cwd: Path | None = None) -> str:
            self.calls.append(args)
            return real(args, text, cwd)

        monkeypatch.setattr(mlsys.parse, "run_pandoc", counting)
        monkeypatch.setattr(mlsys.render, "run_pandoc", counting)


def snapshot(book) -> list[tuple[str, str, str]]:
    return [(p.href, p.title_html, p.body_html) for p in book.pages]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "book"
    shutil.copytree(FIXTURE, dest)
    return dest


def test_warm_build_runs_no_pandoc_and_gives_the_same_pages(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    cold = render_book(root, cache_dir=cache)
    counter = PandocCounter(monkeypatch)
    warm = render_book(root, cache_dir=cache)
    assert counter.calls == []
    assert snapshot(warm) == snapshot(cold)
    assert [str(p) for p in warm.problems] == [str(p) for p in cold.problems]
    assert not list(cache.rglob(".tmp-*"))  # atomic writes leave no debris


def test_editing_prose_reruns_pandoc_for_that_chapter_only(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    render_book(root, cache_dir=cache)
    extra = root / "extra.qmd"
    extra.write_text(extra.read_text() + "\nA new closing sentence.\n")
    counter = PandocCounter(monkeypatch)
    book = render_book(root, cache_dir=cache)
    assert len(counter.calls) == 2  # parse + write of extra.qmd
    assert "A new closing sentence." in book.pages[-1].body_html


def test_renumbering_in_one_chapter_updates_references_in_another(
        root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = render_book(root, cache_dir=cache)
    assert 'class="xref">Table 1.1</a>' in first.pages[2].body_html
    intro = root / "intro.qmd"
    text = intro.read_text().replace(
        "### Details", "| x |\n|---|\n| 1 |\n\n: Earlier table {#tbl-earlier}\n\n### Details")
    intro.write_text(text)
    second = render_book(root, cache_dir=cache)
    assert 'class="xref">Table 1.2</a>' in second.pages[2].body_html


def test_deleted_image_is_noticed_even_when_the_page_is_cached(
        root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    render_book(root, cache_dir=cache)
    (root / "images" / "chart.png").unlink()
    book = render_book(root, cache_dir=cache)  # a warning now, as in Quarto ...
    assert any('data-missing-image="images/chart.png"' in p.body_html for p in book.pages)
    with pytest.raises(BuildError) as err:  # ... and an error under --strict
        render_book(root, cache_dir=cache, strict=True)
    assert any("images/chart.png" in p.message and p.severity == "warning"
               for p in err.value.problems)
