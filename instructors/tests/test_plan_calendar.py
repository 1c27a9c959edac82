"""`mlsys instructors plan` and `calendar`: real terms, real holidays, a real .ics parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
from mlsys_instructors.courses import load_course
from mlsys_instructors.planner import plan, spread
from mlsys_instructors.resolver import index

START = "2027-01-11"  # a Monday; the default schedule lectures Tue/Thu, lab Fri, due Sun


def events(ics: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(ics)
    return list(cal.walk("VEVENT"))


def test_plan_keeps_book_order_and_reads_every_chapter_once(run, tmp_path: Path,
                                                            root: Path) -> None:
    out = tmp_path / "plan.yaml"
    result = run("instructors", "plan", "--weeks", "12", "--volume", "1", "--start", START,
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    course = load_course(out, index(root))  # the printed plan is itself a valid course
    read = [r for w in course.weeks for r in w.reading]
    assert read == [c.id for c in index(root).chapters(1)]
    assert all(1 <= len(w.reading) <= 2 for w in course.weeks)


def test_plan_gives_a_fully_skipped_week_no_reading(run, tmp_path: Path, root: Path) -> None:
    out = tmp_path / "plan.yaml"
    result = run("instructors", "plan", "--weeks", "12", "--volume", "1", "--start", START,
                 "--skip", "2027-01-26", "--skip", "2027-01-28", "--out", str(out))
    assert result.exit_code == 0, result.output
    course = load_course(out, index(root))
    assert course.weeks[2].reading == ()           # week 3 lost both lectures
    assert course.holidays == (dt.date(2027, 1, 26), dt.date(2027, 1, 28))
    assert sum(len(w.reading) for w in course.weeks) == 16


def test_plan_balances_reading_against_lectures() -> None:
    # four equal units over two weeks, one of which has half the lectures: 3 and 1
    assert spread([1, 1, 1, 1], [2, 1], most=4) == [3, 1]
    assert spread([5, 1, 1], [1, 1], most=2) == [1, 2]
    assert spread([1, 1], [1, 0, 1], most=2) == [1, 0, 1]


def test_volume_two_is_split_into_sections_when_weeks_outnumber_chapters(root: Path) -> None:
    # Volume II has seventeen chapters: a 24-week course has more weeks than chapters
    course = plan(index(root), 2, 24, dt.date(2027, 1, 11))
    assert all(w.reading for w in course.weeks)
    assert all("#sec-" in r for w in course.weeks for r in w.reading)


def test_plan_that_cannot_fit_says_which_chapters(run) -> None:
    result = run("instructors", "plan", "--weeks", "6", "--volume", "1", "--start", START)
    assert result.exit_code == 1
    assert "16 chapters of Volume 1 cannot fit in 6 teaching week(s)" in result.output
    assert "chapters that do not fit: vol1/serving, vol1/ml_ops, " \
           "vol1/responsible_engineering, vol1/conclusion" in result.output
    assert "Traceback" not in result.output


def test_invalid_dates_are_named(run) -> None:
    result = run("instructors", "plan", "--weeks", "12", "--volume", "1", "--start",
                 "2027-13-01")
    assert result.exit_code == 1
    assert "--start: '2027-13-01' is not a valid date; write YYYY-MM-DD" in result.output
    outside = run("instructors", "plan", "--weeks", "12", "--volume", "1", "--start", START,
                  "--skip", "2026-12-25")
    assert outside.exit_code == 1
    assert "skip date 2026-12-25 is outside the term (2027-01-11 to 2027-04-04)" in \
        outside.output
    no_class = run("instructors", "plan", "--weeks", "12", "--volume", "1", "--start", START,
                   "--skip", "2027-01-18")
    assert no_class.exit_code == 1 and "is a Mon; the class meets on Tue, Thu, Fri" in \
        no_class.output


def test_calendar_has_every_lecture_lab_and_deadline_on_its_date(run, tmp_path: Path,
                                                                  root: Path) -> None:
    out = tmp_path / "f.ics"
    result = run("instructors", "calendar", "foundations", "--start", START, "--out", str(out))
    assert result.exit_code == 0, result.output
    evs = events(out.read_bytes())
    course = load_course(root / "instructors/courses/foundations.yaml", index(root))
    kinds = [str(e.get("categories").cats[0]) for e in evs]
    labs = sum(1 for w in course.weeks if w.labs)
    dues = sum(len(w.due) for w in course.weeks)
    assert kinds.count("lecture") == 24 and kinds.count("lab") == labs
    assert kinds.count("deadline") == dues
    lectures = sorted(e.decoded("dtstart") for e in evs if "lecture" in e.get("categories").cats)
    assert lectures[0] == dt.datetime(2027, 1, 12, 10, 0)           # first Tuesday
    assert lectures[-1] == dt.datetime(2027, 4, 1, 10, 0)           # Thursday of week 12
    first = next(e for e in evs if e.decoded("dtstart") == lectures[0])
    assert first.decoded("dtend") - first.decoded("dtstart") == dt.timedelta(minutes=80)
    assert "Introduction" in str(first.get("description"))
    week2_due = [e for e in evs if "deadline" in e.get("categories").cats
                 and e.decoded("dtstart") == dt.datetime(2027, 1, 24, 23, 59)]
    assert sorted(str(e.get("summary")) for e in week2_due) == [
        "Due: Module 1: Tensors", "Due: Problem set: Introduction"]
    assert len({str(e.get("uid")) for e in evs}) == len(evs)


def test_calendar_skip_removes_exactly_the_cancelled_sessions(run, tmp_path: Path) -> None:
    out = tmp_path / "f.ics"
    result = run("instructors", "calendar", "foundations", "--start", START, "--skip",
                 "2027-03-16", "--skip", "2027-03-19", "--out", str(out))
    assert result.exit_code == 0, result.output
    evs = events(out.read_bytes())
    days = [e.decoded("dtstart").date() for e in evs]
    assert dt.date(2027, 3, 16) not in days and dt.date(2027, 3, 19) not in days
    kinds = [str(e.get("categories").cats[0]) for e in evs]
    assert kinds.count("lecture") == 23


def test_calendar_of_an_unknown_course_lists_the_known_ones(run) -> None:
    result = run("instructors", "calendar", "fundations", "--start", START)
    assert result.exit_code == 1
    assert "no course 'fundations'" in result.output and "foundations" in result.output


def test_plan_teaches_modules_after_the_modules_they_require(root: Path) -> None:
    import yaml

    course = plan(index(root), 1, 12, dt.date(2027, 1, 11))
    week_of = {m: w.number for w in course.weeks for m in w.modules}
    assert len(week_of) == 20                               # every module is scheduled
    for spec in (root / "tinytorch/modules").glob("*/module.yaml"):
        meta = yaml.safe_load(spec.read_text())
        for need in meta.get("requires") or []:
            required = next(m for m in week_of if m.startswith(f"module:{need:02d}_"))
            assert week_of[required] <= week_of[f"module:{spec.parent.name}"]
