"""Long-running pandoc workers: same pages as one pandoc process per conversion, a clean
shutdown, and a failure that falls back to one-off processes with a warning."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import mlsys.pandoc_worker as pw
import pytest
from mlsys.parse import PandocError, pandoc_path, run_pandoc
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "render_basic"


class Spawns:
    """Counts the pandoc processes a build starts: workers, and one-off conversions."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.workers: list[pw._Worker] = []
        self.one_off = 0
        real_init, real_run = pw._Worker.__init__, subprocess.run

        def init(worker: pw._Worker, pandoc: str) -> None:
            real_init(worker, pandoc)
            self.workers.append(worker)

        def run(args, *a, **kw):  # type: ignore[no-untyped-def]
            if args and args[0] == pandoc_path() and "-f" in args:
                self.one_off += 1
            return real_run(args, *a, **kw)

        monkeypatch.setattr(pw._Worker, "__init__", init)
        monkeypatch.setattr(subprocess, "run", run)


def pages(book) -> list[tuple[str, str, str]]:
    return [(p.href, p.title_html, p.body_html) for p in book.pages]


def problems(book) -> list[tuple[str, str, int | None]]:
    return [(p.message, p.file.name if p.file else "", p.line) for p in book.problems]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "book"
    shutil.copytree(FIXTURE, dest)
    return dest


@pytest.fixture(scope="module")
def one_off_book(tmp_path_factory: pytest.TempPathFactory):
    """The fixture book rendered with every conversion in its own pandoc process."""
    tmp = tmp_path_factory.mktemp("one-off")
    shutil.copytree(FIXTURE, tmp / "book")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pw, "current_session", lambda: None)
        mp.setattr("mlsys.parse.current_session", lambda: None)
        return render_book(tmp / "book", cache_dir=tmp / "cache")


def test_workers_render_the_same_pages_as_one_process_per_conversion(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_off_book) -> None:
    spawns = Spawns(monkeypatch)
    book = render_book(root, cache_dir=tmp_path / "cache")
    assert spawns.one_off == 0  # every chapter read and written by the workers
    assert 1 <= len(spawns.workers) <= 4  # at most one per render thread
    assert all(w.proc.returncode == 0 for w in spawns.workers)  # shut down cleanly
    assert pages(book) == pages(one_off_book)
    assert problems(book) == problems(one_off_book)


def test_worker_that_cannot_start_falls_back_with_one_warning(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_off_book) -> None:
    monkeypatch.setattr(pw, "WORKER_LUA", tmp_path / "no-such-worker.lua")
    spawns = Spawns(monkeypatch)
    book = render_book(root, cache_dir=tmp_path / "cache")
    assert pages(book) == pages(one_off_book)  # never wrong output
    assert spawns.one_off >= 2 * len(book.pages)
    worker_warnings = [p for p in book.problems if "pandoc worker" in p.message]
    assert len(worker_warnings) == 1
    assert worker_warnings[0].severity == "warning"
    assert "no-such-worker.lua" in worker_warnings[0].message  # pandoc's own reason


def test_worker_killed_mid_build_redoes_the_conversion(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_off_book) -> None:
    real = pw._Worker.convert
    done: list[int] = []

    def convert_then_die(worker, conv, text, cwd):  # type: ignore[no-untyped-def]
        if len(done) == 2:
            worker.proc.kill()  # a real crash, between two requests
            worker.proc.wait()
        done.append(1)
        return real(worker, conv, text, cwd)

    monkeypatch.setattr(pw._Worker, "convert", convert_then_die)
    book = render_book(root, cache_dir=tmp_path / "cache")
    assert pages(book) == pages(one_off_book)
    assert any("pandoc worker exited" in p.message for p in book.problems)


def test_session_shuts_workers_down_even_on_error() -> None:
    with pytest.raises(KeyError), pw.pandoc_session(pandoc_path()) as outer:
        with pw.pandoc_session(pandoc_path()) as inner:
            assert inner is outer  # nested: one set of workers
            assert run_pandoc(["-f", "markdown", "-t", "html5"], "*hi*") == \
                "<p><em>hi</em></p>\n"
        assert pw.current_session() is outer  # still open for the outer block
        procs = [w.proc for w in outer._all]
        raise KeyError("boom")
    assert pw.current_session() is None
    assert procs and all(p.poll() is not None for p in procs)


def test_conversion_error_is_pandocs_message_not_a_worker_failure() -> None:
    with pw.pandoc_session(pandoc_path()) as session:
        with pytest.raises(PandocError, match="JSON parse error|Unexpected"):
            run_pandoc(["-f", "json", "-t", "html5"], "{not json")
        assert session.fallback is None
        assert run_pandoc(["-f", "markdown", "-t", "json"], "x").startswith("{")
        assert session.conversions == 2  # both answered by the same worker
        assert session.workers_started == 1


def test_options_the_worker_does_not_know_go_to_a_process() -> None:
    assert pw.Conversion.from_args(["-f", "json", "-t", "html5", "--mathml", "--wrap=none",
                                    "--citeproc"]) == pw.Conversion(
        "json", "html5", mathml=True, wrap="none", citeproc=True)
    assert pw.Conversion.from_args(["-f", "json", "-t", "latex", "--top-level-division=chapter"]
                                   ) is None
    assert pw.Conversion.from_args(["-t", "html5"]) is None
