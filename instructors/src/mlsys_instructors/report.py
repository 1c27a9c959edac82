"""The grader's score report as plain text (what `mlsys instructors grade` prints)."""

from __future__ import annotations

from .grader import Report
from .problems import format_value

_MARK = {"correct": "ok", "wrong": "WRONG", "missing": "missing", "manual": "by hand"}


def _value(v: object, unit: str) -> str:
    if isinstance(v, float):
        return format_value(v, "si", unit)
    return "-" if v is None else str(v)


def score_report(report: Report, show_answers: bool = False) -> str:
    """One line per part, then the score; expected values only with `show_answers`."""
    ps = report.problem_set
    lines = [f"{report.student}: problem set {ps.chapter}", ""]
    for m in report.marks:
        given = _value(m.given, m.unit)
        line = f"  {m.problem} ({m.letter})  {_MARK[m.status]:<8} answered {given}"
        if show_answers and m.status in ("wrong", "missing"):
            line += f"; expected {_value(m.expected, m.unit)}"
        lines.append(line)
    manual = sum(m.status == "manual" for m in report.marks)
    pct = 100 * report.score / report.total if report.total else 0.0
    lines += ["", f"score: {report.score}/{report.total} auto-graded parts ({pct:.0f}%); "
              f"{manual} written part(s) to grade by hand"]
    return "\n".join(lines) + "\n"
