"""Term arithmetic shared by the planner and the calendar: which sessions happen on which date.

Week `w` (0-based) of a term starting on `start` covers the seven days `start + 7w ...`; a
class meeting on weekday `d` falls on the first such day with that weekday. A skipped date
(holiday) cancels the meetings on it; a week with no lecture left teaches no new reading.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .courses import DAYS, Schedule
from .errors import DateError


@dataclass(frozen=True)
class TermWeek:
    """The dates of one week's meetings, with skipped ones removed."""

    number: int
    start: dt.date
    lectures: tuple[dt.date, ...]
    lab: dt.date | None
    due: dt.date
    skipped: tuple[dt.date, ...]


def _on(week_start: dt.date, weekday: int) -> dt.date:
    return week_start + dt.timedelta(days=(weekday - week_start.weekday()) % 7)


def term_weeks(schedule: Schedule, start: dt.date, skip: tuple[dt.date, ...] = (),
               strict_skip: bool = True) -> list[TermWeek]:
    """The meeting dates of every week; with `strict_skip`, a skip date outside the term or on
    a day without a class is an error (it is surely a typo)."""
    end = start + dt.timedelta(days=7 * schedule.weeks - 1)
    meeting_days = set(schedule.lectures) | ({schedule.lab} if schedule.lab is not None else set())
    for day in skip:
        if strict_skip and not start <= day <= end:
            raise DateError(f"skip date {day} is outside the term ({start} to {end})")
        if strict_skip and day.weekday() not in meeting_days:
            names = ", ".join(DAYS[d] for d in sorted(meeting_days))
            raise DateError(f"skip date {day} is a {DAYS[day.weekday()]}; the class meets on "
                            f"{names}, so skipping it changes nothing")
    weeks = []
    for w in range(schedule.weeks):
        first = start + dt.timedelta(days=7 * w)
        lectures = sorted(_on(first, d) for d in schedule.lectures)
        lab = _on(first, schedule.lab) if schedule.lab is not None else None
        skipped = tuple(d for d in [*lectures, lab] if d is not None and d in skip)
        weeks.append(TermWeek(
            w + 1, first, tuple(d for d in lectures if d not in skip),
            None if lab is None or lab in skip else lab, _on(first, schedule.due), skipped))
    return weeks
