"""`mlsys instructors grade`: check a student's numeric and choice answers.

A submission is YAML naming the problem set and giving answers by problem id and part
letter. Numbers are compared with each part's relative tolerance, choices case-insensitively;
design parts are left to a human and listed as such. A malformed submission names its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SourceError, SubmissionError
from .problems import ProblemSet, find_problem_set
from .yamlsrc import Located, load


@dataclass(frozen=True)
class Mark:
    problem: str
    letter: str
    status: str          # correct, wrong, missing, manual
    given: Any
    expected: Any
    unit: str


@dataclass(frozen=True)
class Report:
    student: str
    problem_set: ProblemSet
    marks: tuple[Mark, ...]

    @property
    def score(self) -> int:
        """Auto-graded parts answered correctly."""
        return sum(m.status == "correct" for m in self.marks)

    @property
    def total(self) -> int:
        """Parts the grader can mark (written parts are left to a person)."""
        return sum(m.status != "manual" for m in self.marks)


def _field_error(src: Located, message: str, *path: str | int) -> SubmissionError:
    line = src.line(*path)
    field = ".".join(str(p) for p in path) or "(top level)"
    where = f"{src.file}:{line}: " if line else f"{src.file}: "
    return SubmissionError(f"{where}field '{field}': {message}")


def _number(src: Located, value: Any, *path: str | int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _field_error(src, f"expected a number, got {value!r}", *path)
    try:
        return float(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        raise _field_error(src, f"expected a number, got '{value}'", *path) from None


def _mark(src: Located, ps: ProblemSet, pid: str, part: Any, answer: Any) -> Mark:
    path = ("answers", pid, part.letter)
    if part.kind == "open":
        return Mark(pid, part.letter, "manual", answer, None, "")
    if answer is None:
        return Mark(pid, part.letter, "missing", None, part.value, part.unit)
    if part.kind == "choice":
        if isinstance(answer, bool):  # YAML 1.1 reads an unquoted yes/no as a boolean
            answer = "yes" if answer else "no"
        ok = str(answer).strip().lower() == str(part.value).lower()
        return Mark(pid, part.letter, "correct" if ok else "wrong", answer, part.value, "")
    x = _number(src, answer, *path)
    ok = abs(x - part.value) <= part.tolerance * max(abs(part.value), 1e-12)
    return Mark(pid, part.letter, "correct" if ok else "wrong", x, part.value, part.unit)


def _problem_set(src: Located, root: Path) -> ProblemSet:
    """The problem set a submission names, after checking its top-level fields."""
    data = src.data
    if not isinstance(data, dict):
        raise _field_error(src, "a submission is a mapping with problem_set and answers")
    for key in sorted(set(data) - {"problem_set", "student", "answers"}):
        raise _field_error(src, "unknown field (allowed: problem_set, student, answers)", key)
    if not isinstance(data.get("problem_set"), str):
        raise _field_error(src, "missing or not text; name the chapter, e.g. vol1/training",
                           "problem_set")
    try:
        return find_problem_set(root, data["problem_set"])
    except SourceError as exc:
        raise _field_error(src, exc.detail, "problem_set") from None


def _check_answers(src: Located, ps: ProblemSet, answers: Any) -> None:
    """Every answered problem and part must exist in the problem set."""
    if not isinstance(answers, dict):
        raise _field_error(src, "must map problem ids to their parts' answers", "answers")
    problems = {p.id: p for p in ps.problems}
    for pid, parts in answers.items():
        if pid not in problems:
            raise _field_error(src, f"no problem '{pid}' in {ps.chapter} (ids: "
                               f"{', '.join(problems)})", "answers", pid)
        if not isinstance(parts, dict):
            raise _field_error(src, "must map part letters (a, b, ...) to answers",
                               "answers", pid)
        letters = {x.letter for x in problems[pid].parts}
        for letter in parts:
            if letter not in letters:
                raise _field_error(src, f"problem '{pid}' has parts {', '.join(sorted(letters))}",
                                   "answers", pid, letter)


def grade(file: Path, root: Path) -> Report:
    """Grade one submission against the problem set it names."""
    try:
        src = load(file)
    except SourceError as exc:
        raise SubmissionError(str(exc)) from None
    ps = _problem_set(src, root)
    answers = src.data.get("answers")
    _check_answers(src, ps, answers)
    marks = tuple(_mark(src, ps, p.id, part, (answers.get(p.id) or {}).get(part.letter))
                  for p in ps.problems for part in p.parts)
    return Report(str(src.data.get("student") or Path(file).stem), ps, marks)
