"""The terminal drill, driven through the CLI with scripted keys and an injected date."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "repo"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    monkeypatch.setenv("MLSYS_INTERVIEWS_PROGRESS", str(tmp_path / "data" / "progress.json"))
    return tmp_path / "repo"


def _run(*args: str, keys: str = "") -> object:
    return CliRunner().invoke(main, ["interviews", *args], input=keys)


def _saved(repo: Path) -> dict:
    return json.loads((repo.parent / "data" / "progress.json").read_text())["cards"]


def test_a_session_reveals_grades_and_schedules_new_cards(repo: Path) -> None:
    # card 1: reveal, grade 5; card 2: reveal, grade 3 -> asked again at the end, graded 4
    res = _run("drill", "--new", "2", "--today", "2026-01-01", keys=" 5 3 4")
    assert res.exit_code == 0, res.output
    assert "[1/2] Silicon & accelerators · L3 · Fixture: where is the A100's ridge point?" in res.output
    assert "**Estimate** ridge point 153 FLOP/B." in res.output  # napkin value, filled in
    assert "Napkin math:\n\n- A100 BF16 peak: 312 TFLOP/s\n- Ridge point: 153 FLOP/B" in res.output
    assert "(again today)" in res.output
    assert "Done: 2 graded, 1 repeated" in res.output
    cards = _saved(repo)
    assert set(cards) == {"fx-ridge", "fx-kv-cache"}
    assert cards["fx-ridge"] == {"ef": 2.6, "reps": 1, "interval": 1, "due": "2026-01-02",
                                 "last": "2026-01-01", "lapses": 0}
    assert cards["fx-kv-cache"]["ef"] == pytest.approx(2.36)  # the repeat did not reschedule


def test_cards_come_back_after_1_then_6_then_17_days(repo: Path) -> None:
    assert _run("drill", "--new", "3", "--today", "2026-01-01", keys=" 5" * 3).exit_code == 0
    res = _run("drill", "--new", "0", "--today", "2026-01-02", keys=" 5" * 3)
    assert "Done: 3 graded" in res.output
    assert "Nothing due today" in _run("drill", "--new", "0", "--today", "2026-01-07").output
    res = _run("drill", "--new", "0", "--today", "2026-01-08", keys=" 5" * 3)
    assert "Next review: 2026-01-25 (in 17 day(s))" in res.output  # round(6 x 2.8) = 17
    assert {c["due"] for c in _saved(repo).values()} == {"2026-01-25"}


def test_quitting_midway_keeps_what_was_graded(repo: Path) -> None:
    res = _run("drill", "--new", "3", "--today", "2026-01-01", keys=" 4 q")
    assert res.exit_code == 0
    assert "Stopped: 1 graded" in res.output
    assert list(_saved(repo)) == ["fx-ridge"]


def test_a_key_that_is_not_a_grade_is_asked_again(repo: Path) -> None:
    res = _run("drill", "--new", "1", "--today", "2026-01-01", keys=" x95")
    assert "'x' is not a grade; press 0-5 or q." in res.output
    assert "'9' is not a grade" in res.output
    assert _saved(repo)["fx-ridge"]["reps"] == 1


def test_track_and_level_choose_the_cards(repo: Path) -> None:
    res = _run("drill", "--track", "memory", "--level", "L5", "--today", "2026-01-01", keys=" 5")
    assert "[1/1] Memory & data movement · L5" in res.output
    assert list(_saved(repo)) == ["fx-weights"]


def test_a_corrupt_progress_file_is_backed_up_and_reset_with_a_message(repo: Path) -> None:
    data = repo.parent / "data"
    data.mkdir()
    (data / "progress.json").write_text("{not json")
    res = _run("drill", "--new", "1", "--today", "2026-01-01", keys=" 5")
    assert res.exit_code == 0
    assert "progress file was unreadable" in res.output and "Traceback" not in res.output
    backups = list(data.glob("progress.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{not json"
    assert list(_saved(repo)) == ["fx-ridge"]


def test_stats_count_new_due_and_learned_per_track(repo: Path) -> None:
    _run("drill", "--new", "2", "--today", "2026-01-01", keys=" 5 1 4")
    res = _run("stats", "--today", "2026-01-02")
    rows = {line.split()[0]: line.split()[1:] for line in res.output.splitlines()[1:]}
    # fx-ridge graded 5 (due 01-02, learned); fx-kv-cache graded 1 (due 01-02, relearning)
    assert rows["silicon"] == ["1", "0", "1", "1", "2.60"]
    assert rows["memory"] == ["2", "1", "1", "0", "2.50"]
    assert rows["all"] == ["3", "1", "2", "1", "2.55"]


def test_reset_asks_first_and_deletes_the_progress(repo: Path) -> None:
    _run("drill", "--new", "1", "--today", "2026-01-01", keys=" 5")
    progress = repo.parent / "data" / "progress.json"
    assert _run("reset", keys="n\n").exit_code == 1 and progress.exists()
    res = _run("reset", "--yes")
    assert res.exit_code == 0 and "Progress reset" in res.output and not progress.exists()


def test_a_broken_question_stops_the_drill_with_its_file_and_line(repo: Path) -> None:
    q = repo / "interviews/questions/memory/fx-kv-cache.yaml"
    q.write_text(q.read_text().replace("level: L4", "level: L7"))
    res = _run("drill", "--today", "2026-01-01")
    assert res.exit_code == 1
    assert "fx-kv-cache.yaml:3: error: level: Input should be" in res.output
    assert "Traceback" not in res.output


def test_check_reports_ok_and_problems(repo: Path) -> None:
    res = _run("check")
    assert res.exit_code == 0 and "3 questions OK" in res.output
    q = repo / "interviews/questions/memory/fx-kv-cache.yaml"
    q.write_text(q.read_text().replace("'Llama-3-8B'", "'Llama-3-8X'"))
    res = _run("check")
    assert res.exit_code == 1
    assert "napkin step 'kv': mlsysim rejected it: unknown model 'Llama-3-8X'" in res.output
    assert "1 problem(s) in the question bank" in res.output


def test_a_progress_file_that_cannot_be_written_is_a_clear_error(repo: Path) -> None:
    blocker = repo.parent / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    res = _run("drill", "--new", "1", "--today", "2026-01-01",
               "--progress", str(blocker / "progress.json"), keys=" 5")
    assert res.exit_code == 1
    assert "cannot save progress" in res.output and "Traceback" not in res.output
