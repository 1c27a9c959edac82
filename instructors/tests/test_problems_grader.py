"""Problem sets evaluate through mlsysim, hide their answers from students, and grade."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from mlsys_instructors.check import MIN_PROBLEMS
from mlsys_instructors.errors import SourceError
from mlsys_instructors.problems import find_problem_set, load_problem_set, problem_files

import mlsysim

ONE_PROBLEM = """
chapter: vol1/{stem}
title: T
problems:
  - id: p
    title: P
    kind: napkin
    given:
      h: mlsysim.hardware("H100")
      bw: h.memory_bw
    setup: "Bandwidth {{bw|si:B/s}}."
    parts:
      - prompt: "{prompt}"
        name: t
        answer: {answer}
        unit: s
        solution: "It takes {{t|s}}."
"""


def write_set(tmp_path: Path, prompt: str = "How long?", answer: str = "80e9 / bw") -> Path:
    f = tmp_path / "training.yaml"
    f.write_text(ONE_PROBLEM.format(stem="training", prompt=prompt, answer=answer))
    return f


def test_every_problem_set_evaluates_with_enough_problems(root: Path) -> None:
    files = problem_files(root)
    assert files
    for f in files:
        ps = load_problem_set(f)
        assert len(ps.problems) >= MIN_PROBLEMS, f.name
        for p in ps.problems:
            assert len(p.parts) >= 2, (f.name, p.id)       # multi-part, always
            assert "{" not in p.setup and all("{" not in x.solution for x in p.parts)


def test_numbers_come_from_mlsysim_not_from_the_text(tmp_path: Path) -> None:
    ps = load_problem_set(write_set(tmp_path))
    (part,) = ps.problems[0].parts
    bw = mlsysim.hardware("H100").memory_bw
    assert part.value == pytest.approx(80e9 / bw)
    assert ps.problems[0].setup == f"Bandwidth {mlsysim.si(bw, 'B/s')}."
    assert part.solution == f"It takes {mlsysim.seconds(80e9 / bw)}."


def test_a_prompt_cannot_quote_an_answer(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"training.yaml:13: error: '\{t\}' is not one of "
                                          r"the given values"):
        load_problem_set(write_set(tmp_path, prompt="Is it {t}?"))


def test_a_failing_expression_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"training.yaml:15: error: cannot evaluate "
                                          r"'80e9 / bandwidth': NameError"):
        load_problem_set(write_set(tmp_path, answer="80e9 / bandwidth"))


def test_expressions_cannot_reach_beyond_mlsysim_and_math(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot evaluate"):
        load_problem_set(write_set(tmp_path, answer="__import__('os').getpid()"))


def submission(tmp_path: Path, root: Path, wrong: bool = False) -> Path:
    """A submission built from the problem set's own answers (one wrong if asked)."""
    ps = find_problem_set(root, "vol1/training")
    answers: dict = {}
    for p in ps.problems:
        for part in p.parts:
            if part.kind != "open":
                answers.setdefault(p.id, {})[part.letter] = part.value
    if wrong:
        answers["adam-bill"]["b"] *= 1.5
        answers["act-seq"]["c"] = "model states"
    f = tmp_path / "alice.yaml"
    f.write_text(yaml.safe_dump({"problem_set": "vol1/training", "student": "alice",
                                 "answers": answers}))
    return f


def test_grader_gives_full_marks_to_a_right_submission(run, tmp_path: Path, root: Path) -> None:
    result = run("instructors", "grade", str(submission(tmp_path, root)))
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    total = int(last.split("/")[1].split()[0])
    assert last.startswith(f"score: {total}/{total} auto-graded parts (100%)")
    assert "WRONG" not in result.output


def test_grader_marks_a_wrong_submission_and_names_the_parts(run, tmp_path: Path,
                                                               root: Path) -> None:
    result = run("instructors", "grade", str(submission(tmp_path, root, wrong=True)))
    assert result.exit_code == 0
    wrong = [line for line in result.output.splitlines() if "WRONG" in line]
    assert [w.split()[0:2] for w in wrong] == [["adam-bill", "(b)"], ["act-seq", "(c)"]]
    assert "expected" not in result.output          # answers only with --show-answers
    shown = run("instructors", "grade", "--show-answers",
                str(submission(tmp_path, root, wrong=True)))
    assert "expected 108 GB" in shown.output


def test_grader_accepts_answers_within_tolerance_only(run, tmp_path: Path, root: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("problem_set: vol1/training\nanswers:\n  precision-speed:\n    a: 16.2\n"
                 "    b: 2.7\n")
    out = run("instructors", "grade", str(f)).output
    assert "precision-speed (a)  ok" in out and "precision-speed (b)  WRONG" in out
    assert "missing" in out


def test_unquoted_yes_and_no_count_as_choices(run, tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("problem_set: vol1/introduction\nanswers:\n  spectrum-memory:\n    b: no\n")
    out = run("instructors", "grade", str(f)).output
    assert "spectrum-memory (b)  ok" in out


@pytest.mark.parametrize(("text", "message"), [
    ("problem_set: vol1/training\nanswers:\n  adam-bill:\n    b: lots\n",
     "s.yaml:4: field 'answers.adam-bill.b': expected a number, got 'lots'"),
    ("problem_set: vol1/training\nanswers:\n  adam-bil:\n    b: 1\n",
     "s.yaml:3: field 'answers.adam-bil': no problem 'adam-bil' in vol1/training"),
    ("problem_set: vol1/training\nanswers:\n  adam-bill:\n    z: 1\n",
     "s.yaml:4: field 'answers.adam-bill.z': problem 'adam-bill' has parts a, b, c, d"),
    ("problem_set: vol1/nothing\nanswers: {}\n",
     "s.yaml:1: field 'problem_set': no problem set for 'vol1/nothing'"),
    ("answers: {}\n", "field 'problem_set': missing or not text"),
    ("problem_set: vol1/training\nanswer: {}\n", "s.yaml:2: field 'answer': unknown field"),
    ("problem_set: vol1/training\nanswers: [1, 2]\n", "s.yaml:2: field 'answers': must map"),
], ids=["not-a-number", "unknown-problem", "unknown-part", "unknown-set", "no-set",
        "unknown-field", "answers-not-mapping"])
def test_malformed_submission_names_the_field(run, tmp_path: Path, text: str,
                                              message: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    result = run("instructors", "grade", str(f))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
