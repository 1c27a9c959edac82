"""Questions as data: the schema, line-aware errors, napkin evaluation and the checker."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlsys_interviews import NapkinError, QuestionError, check_bank, evaluate, parse_question
from mlsys_interviews.napkin import agrees

import mlsysim

FIXTURE = Path(__file__).parent / "fixtures" / "repo"
REPO = Path(__file__).resolve().parents[2]
GOOD = (FIXTURE / "interviews/questions/silicon/fx-ridge.yaml").read_text()


def _parse(text: str, name: str = "fx-ridge") -> object:
    return parse_question(text, Path(f"questions/silicon/{name}.yaml"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "repo")
    return tmp_path / "repo"


def test_a_good_question_loads_and_its_placeholders_are_filled() -> None:
    loc = _parse(GOOD)
    values = evaluate(loc)
    assert [v.name for v in values] == ["peak", "ridge"]
    assert values[0].text == "312 TFLOP/s"
    assert values[1].value == pytest.approx(mlsysim.ridge_point("A100-80GB", "bf16"))
    assert loc.step_lines == (16, 22)


@pytest.mark.parametrize("old, new, line, expected", [
    ("level: L3", "level: L9", 3, "level: Input should be 'L3', 'L4', 'L5' or 'L6'"),
    ("title: \"Fixture: where is the A100's ridge point?\"\n", "", 1, "title: required field is missing"),
    ("    unit: \"FLOP/B\"", "    unit: \"FLOP/B\"\n    rounding: 3", 26, "napkin.1.rounding: unknown field"),
    ("    round: 3\n    expect: 312e12", "    round: 9\n    expect: 312e12", 20, "napkin.0.round: Input should be less than or equal to 6"),
    ("tags: [roofline, quokka-tag]", "tags: [Roofline]", 4, "tags: tag 'Roofline' is not kebab-case"),
    ("  modules: [\"14\"]", "  modules: [14]", 36, "links.modules: 14 is not a two-digit"),
    ("  **Design** raise reuse.", "  raise reuse.", 10, "answer: the answer must have the bold parts"),
    ("ridge point {{ ridge }}", "ridge point {{ rdige }}", 1, "no napkin step is named 'rdige'"),
], ids=["bad-level", "missing-title", "unknown-key", "round-too-big", "tag-case", "module-int",
        "answer-parts", "unknown-placeholder"])
def test_schema_violations_name_the_file_line_and_field(old: str, new: str, line: int,
                                                        expected: str) -> None:
    assert old in GOOD
    with pytest.raises(QuestionError) as err:
        _parse(GOOD.replace(old, new))
    assert str(err.value).startswith(f"questions/silicon/fx-ridge.yaml:{line}: error: ")
    assert expected in str(err.value)


def test_malformed_yaml_points_at_the_line_of_the_mistake() -> None:
    text = GOOD.replace("tags: [roofline, quokka-tag]", "tags: [roofline, quokka-tag")
    with pytest.raises(QuestionError, match=r"fx-ridge.yaml:5: error: invalid YAML: while parsing a flow sequence "
                                            r"\(opened on line 4\): expected ',' or '\]'"):
        _parse(text)


def test_the_id_must_match_the_file_name_and_the_track_its_folder() -> None:
    with pytest.raises(QuestionError, match=r"other.yaml:1: error: id: 'fx-ridge' must equal"):
        _parse(GOOD, "other")
    with pytest.raises(QuestionError, match=r":2: error: track: 'memory' but the file lives in "
                                            r"the 'silicon' folder"):
        _parse(GOOD.replace("track: silicon", "track: memory"))


@pytest.mark.parametrize("expr, reason", [
    ("mlsysim.ridge_point('H1000', 'bf16')", "mlsysim rejected it: unknown hardware 'H1000'"),
    ("mlsysim.ridge_point('A100-80GB', 'fp64')", "mlsysim rejected it: precision: unknown precision"),
    ("mlsysim._units.si(1)", "private attribute '_units' is not allowed"),
    ("__import__('os').getcwd()", "name '__import__' is not allowed"),
    ("open('/etc/passwd')", "NameError: name 'open' is not defined"),
    ("mlsysim.serve('Llama-3-8B', 'H100-SXM')", "expected one finite number, got ServeResult"),
    ("peak / 0", "ZeroDivisionError"),
    ("peak +", "not a Python expression"),
], ids=["unknown-hardware", "bad-precision", "private", "dunder", "no-open", "not-a-number",
        "division", "syntax"])
def test_a_bad_napkin_step_names_the_file_the_step_and_the_reason(expr: str, reason: str) -> None:
    text = GOOD.replace("\"mlsysim.ridge_point('A100-80GB', 'bf16')\"", repr(expr).replace("\\'", "'")
                        if "'" not in expr else f'"{expr}"')
    with pytest.raises(NapkinError) as err:
        evaluate(_parse(text))
    assert str(err.value).startswith("questions/silicon/fx-ridge.yaml:22: error: napkin step 'ridge': ")
    assert reason in str(err.value)


def test_agreement_is_within_half_a_unit_of_the_last_shown_figure() -> None:
    assert agrees(295.34, 295.3, 3) and agrees(295.34, 295, 3)
    assert not agrees(295.34, 296, 3)
    assert agrees(40.08e-6, 40.1e-6, 3) and not agrees(40.08e-6, 40.2e-6, 3)


def test_the_checker_finds_every_problem_in_a_bank(repo: Path) -> None:
    assert check_bank(repo) == []
    q = repo / "interviews/questions/silicon/fx-ridge.yaml"
    q.write_text(q.read_text().replace("[vol1/hw_acceleration]", "[vol1/hw_acceleraton]")
                 .replace("[serving_batching]", "[serving_batchin]").replace('["14"]', '["15"]')
                 .replace("expect: 312e12", "expect: 315e12"))
    twin = (repo / "interviews/questions/memory/fx-weights.yaml").read_text()
    (repo / "interviews/questions/silicon/fx-weights.yaml").write_text(
        twin.replace("track: memory", "track: silicon"))
    (repo / "interviews/questions/memory/broken.yaml").write_text("id: broken\ntrack: [\n")
    (repo / "interviews/questions/memory/notes.txt").write_text("todo")
    (repo / "interviews/questions/hardware").mkdir()
    problems = check_bank(repo)
    text = "\n".join(problems)
    assert "fx-ridge.yaml:34: error: links.chapters: 'vol1/hw_acceleraton' is not a book chapter" in text
    assert "fx-ridge.yaml:35: error: links.labs: 'serving_batchin' is not a lab" in text
    assert "fx-ridge.yaml:36: error: links.modules: '15' is not a TinyTorch module number" in text
    assert "fx-ridge.yaml:16: error: napkin step 'peak': computes 3.12e+14 but expect is 3.15e+14" in text
    assert "memory/fx-weights.yaml:1: error: id: 'fx-weights' is also used by" in text
    assert "broken.yaml:3: error: invalid YAML" in text
    assert "questions/hardware: error: 'hardware' is not a track (one of silicon, memory" in text
    assert "memory/notes.txt: error: not a question file (expected .yaml)" in text
    assert len(problems) == 8


def test_the_real_question_bank_passes_the_check() -> None:
    assert check_bank(REPO) == []


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(GOOD)), st.integers(0, 40), st.text(max_size=8))
def test_a_mangled_file_is_a_located_error_never_a_crash(start: int, cut: int, junk: str) -> None:
    text = GOOD[:start] + junk + GOOD[start + cut:]
    try:
        evaluate(_parse(text))
    except QuestionError as exc:  # NapkinError is a QuestionError
        assert str(exc).startswith("questions/silicon/fx-ridge.yaml")
        assert ": error: " in str(exc)
