"""Courses as data: a YAML plan per course, week by week, by curriculum id.

A course file says when the class meets (`schedule`), which dates are holidays, and for each
week its goals, reading, lab, TinyTorch module, assignment and what is due. Reading the file
checks every id against the repository (`resolver`), so a renamed chapter breaks the build
with the file, the line and the closest ids, not a dead link on the site.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InstructorsError, SourceError, UnknownIdError
from .resolver import Index
from .yamlsrc import Located, load

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_COURSE_KEYS = {"id", "title", "volume", "summary", "audience", "schedule", "holidays", "weeks"}
_WEEK_KEYS = {"title", "goals", "reading", "lab", "module", "assignment", "due", "notes"}
_SCHEDULE_KEYS = {"weeks", "lectures", "lecture_time", "lecture_minutes", "lab", "lab_time",
                  "lab_minutes", "due", "due_time"}


@dataclass(frozen=True)
class Schedule:
    """When the class meets: weekdays are indexes into `DAYS` (Mon = 0)."""

    weeks: int
    lectures: tuple[int, ...]
    lecture_time: dt.time
    lecture_minutes: int
    lab: int | None
    lab_time: dt.time
    lab_minutes: int
    due: int
    due_time: dt.time


@dataclass(frozen=True)
class Week:
    number: int
    title: str
    goals: tuple[str, ...]
    reading: tuple[str, ...]
    labs: tuple[str, ...]
    modules: tuple[str, ...]
    assignments: tuple[str, ...]
    due: tuple[str, ...]
    notes: str | None = None


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    volume: int
    summary: str
    audience: str
    schedule: Schedule
    holidays: tuple[dt.date, ...]
    weeks: tuple[Week, ...]
    file: Path


DEFAULT_SCHEDULE = {"lectures": ["Tue", "Thu"], "lecture_time": "10:00", "lecture_minutes": 80,
                    "lab": "Fri", "lab_time": "14:00", "lab_minutes": 110, "due": "Sun",
                    "due_time": "23:59"}


def parse_date(text: Any, where: str = "date") -> dt.date:
    """A `YYYY-MM-DD` date (YAML may already have made it a date)."""
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InstructorsError(
            f"{where}: '{text}' is not a valid date; write YYYY-MM-DD, e.g. 2027-01-11") from None


class _Reader:
    """Checks one course file and collects every problem before giving up."""

    def __init__(self, src: Located, idx: Index) -> None:
        self.src, self.idx, self.errors = src, idx, []

    def fail(self, message: str, *path: str | int) -> None:
        self.errors.append(self.src.error(message, *path))

    def text(self, data: dict, key: str, *path: str | int, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{key}' must be non-empty text", *path, key)
            return ""
        return value.strip()

    def ref(self, value: Any, kinds: tuple[str, ...], *path: str | int) -> str | None:
        if value is None:
            return None
        item = self.idx.get(value) if isinstance(value, str) else None
        if item is None:
            line = self.src.line(*path)
            closest = self.idx.closest(value) if isinstance(value, str) else []
            self.errors.append(UnknownIdError(self.src.file, line, str(value), closest))
            return None
        if item.kind not in kinds:
            self.fail(f"'{value}' is a {item.kind}; expected a {' or '.join(kinds)}", *path)
        return value

    def refs(self, value: Any, kinds: tuple[str, ...], *path: str | int) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):  # a single id may stand alone
            return tuple(x for x in [self.ref(value, kinds, *path)] if x)
        got = [self.ref(v, kinds, *path, i) for i, v in enumerate(value)]
        return tuple(g for g in got if g)

    def unknown_keys(self, data: dict, allowed: set[str], what: str, *path: str | int) -> None:
        for key in sorted(set(data) - allowed):
            self.fail(f"unknown {what} field '{key}' (allowed: {', '.join(sorted(allowed))})",
                      *path, key)


def _time(r: _Reader, raw: dict, key: str) -> dt.time:
    value = raw[key]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)  # YAML 1.1 reads an unquoted 10:00 as 600
    try:
        return dt.time.fromisoformat(str(raw[key]))
    except ValueError:
        r.fail(f"'{key}' must be a time HH:MM, not '{raw[key]}'", "schedule", key)
        return dt.time(0, 0)


def _minutes(r: _Reader, raw: dict, key: str) -> int:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 10 <= value <= 600:
        r.fail(f"'{key}' must be a whole number of minutes from 10 to 600, not {value!r}",
               "schedule", key)
        return 60
    return value


def _day(r: _Reader, value: Any, *path: str | int) -> int:
    if value not in DAYS:
        r.fail(f"'{value}' is not a weekday; use one of {', '.join(DAYS)}", *path)
        return 0
    return DAYS.index(value)


def _schedule(r: _Reader, raw: Any) -> Schedule:
    if not isinstance(raw, dict):
        r.fail("'schedule' must be a mapping with at least 'weeks'", "schedule")
        raw = {}
    r.unknown_keys(raw, _SCHEDULE_KEYS, "schedule", "schedule")
    raw = {**DEFAULT_SCHEDULE, **raw}
    weeks = raw.get("weeks")
    if not isinstance(weeks, int) or not 1 <= weeks <= 30:
        r.fail(f"'weeks' must be a whole number from 1 to 30, not {weeks!r}", "schedule", "weeks")
        weeks = 1
    lectures = raw["lectures"] if isinstance(raw["lectures"], list) else [raw["lectures"]]
    return Schedule(
        weeks, tuple(_day(r, d, "schedule", "lectures", i) for i, d in enumerate(lectures)),
        _time(r, raw, "lecture_time"), _minutes(r, raw, "lecture_minutes"),
        None if raw["lab"] in (None, "none") else _day(r, raw["lab"], "schedule", "lab"),
        _time(r, raw, "lab_time"), _minutes(r, raw, "lab_minutes"),
        _day(r, raw["due"], "schedule", "due"),
        _time(r, raw, "due_time"))


def _week(r: _Reader, raw: Any, n: int) -> Week | None:
    path = ("weeks", n)
    if not isinstance(raw, dict):
        r.fail("each week must be a mapping", *path)
        return None
    r.unknown_keys(raw, _WEEK_KEYS, "week", *path)
    goals = raw.get("goals")
    if not isinstance(goals, list) or not goals or not all(isinstance(g, str) for g in goals):
        r.fail("'goals' must be a non-empty list of sentences", *path, "goals")
        goals = []
    reading = r.refs(raw.get("reading"), ("chapter", "section"), *path, "reading")
    return Week(
        n + 1, r.text(raw, "title", *path), tuple(goals), reading,
        r.refs(raw.get("lab"), ("lab",), *path, "lab"),
        r.refs(raw.get("module"), ("module",), *path, "module"),
        r.refs(raw.get("assignment"), ("pset", "kit", "interview"), *path, "assignment"),
        r.refs(raw.get("due"), ("pset", "module", "lab", "kit", "interview"), *path, "due"),
        raw.get("notes"))


def read_course(src: Located, idx: Index) -> tuple[Course | None, list[SourceError]]:
    """Check a parsed course; returns the course (if usable) and every problem found."""
    r, data = _Reader(src, idx), src.data
    if not isinstance(data, dict):
        return None, [src.error("a course must be a mapping (id, title, volume, schedule, weeks)")]
    r.unknown_keys(data, _COURSE_KEYS, "course")
    schedule = _schedule(r, data.get("schedule"))
    holidays: list[dt.date] = []
    for i, h in enumerate(data.get("holidays") or []):
        try:
            holidays.append(parse_date(h, "holiday"))
        except InstructorsError as exc:
            r.fail(str(exc), "holidays", i)
    raw_weeks = data.get("weeks")
    if not isinstance(raw_weeks, list):
        r.fail("'weeks' must be a list", "weeks")
        raw_weeks = []
    elif len(raw_weeks) != schedule.weeks:
        r.fail(f"the schedule says {schedule.weeks} weeks but {len(raw_weeks)} are listed",
               "weeks")
    weeks = [w for n, raw in enumerate(raw_weeks) if (w := _week(r, raw, n))]
    volume = data.get("volume")
    if volume not in (1, 2):
        r.fail(f"'volume' must be 1 or 2, not {volume!r}", "volume")
    course = Course(r.text(data, "id"), r.text(data, "title"), volume if volume in (1, 2) else 1,
                    r.text(data, "summary"), r.text(data, "audience", required=False), schedule,
                    tuple(holidays), tuple(weeks), src.file)
    return course, r.errors


def load_course(file: Path, idx: Index) -> Course:
    """Read and check one course file; raise with every problem it has."""
    course, errors = read_course(load(file), idx)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InstructorsError("\n".join(str(e) for e in errors))
    assert course is not None
    return course


def course_files(root: Path) -> list[Path]:
    """Every course file of the hub, by name."""
    return sorted((Path(root) / "instructors" / "courses").glob("*.yaml"))


def find_course(root: Path, name: str, idx: Index) -> Course:
    """A course by its id or file name (`foundations`, `courses/foundations.yaml`)."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_course(path, idx)
    files = course_files(root)
    for f in files:
        if f.stem == name:
            return load_course(f, idx)
    known = ", ".join(f.stem for f in files) or "none"
    raise InstructorsError(f"no course '{name}' in instructors/courses/ (known: {known})")
