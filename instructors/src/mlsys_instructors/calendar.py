"""`mlsys instructors calendar`: a course as an iCalendar file (RFC 5545).

One event per lecture, per lab session and per deadline, on the dates `terms.term_weeks`
gives; holidays in the course file and `--skip` dates cancel the meetings on them. Times are
floating (local to wherever the class meets), which calendar apps show as written.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Calendar, Event

from .courses import Course
from .resolver import Index
from .terms import term_weeks


def _event(course: Course, kind: str, when: dt.datetime, minutes: int | None, summary: str,
           description: str, stamp: dt.datetime) -> Event:
    ev = Event()
    key = f"{course.id}|{kind}|{when.isoformat()}|{summary}"
    ev.add("uid", hashlib.sha1(key.encode()).hexdigest()[:20] + "@mlsys-instructors")
    ev.add("dtstamp", stamp)
    ev.add("dtstart", when)
    if minutes:
        ev.add("dtend", when + dt.timedelta(minutes=minutes))
    ev.add("summary", summary)
    ev.add("categories", [kind])
    if description:
        ev.add("description", description)
    return ev


def _titles(idx: Index, ids: tuple[str, ...] | list[str]) -> str:
    return "; ".join(idx.get(i).title if idx.get(i) else i for i in ids)


def build_calendar(course: Course, idx: Index, start: dt.date,
                   skip: tuple[dt.date, ...] = ()) -> Calendar:
    """The course's lectures, labs and deadlines from `start` as an iCalendar object."""
    s = course.schedule
    holidays = tuple(sorted({*course.holidays, *skip}))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//ML Systems curriculum//mlsys instructors//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", course.title)
    term = term_weeks(s, start, tuple(skip))  # user --skip dates are checked strictly
    term = term_weeks(s, start, holidays, strict_skip=False)
    for tw, week in zip(term, course.weeks, strict=True):
        head = f"{course.title}, week {week.number}"
        for n, day in enumerate(tw.lectures, 1):
            cal.add_component(_event(
                course, "lecture", dt.datetime.combine(day, s.lecture_time), s.lecture_minutes,
                f"{head}, lecture {n}: {week.title}",
                f"Reading: {_titles(idx, week.reading)}", stamp))
        if week.labs and tw.lab:
            cal.add_component(_event(
                course, "lab", dt.datetime.combine(tw.lab, s.lab_time), s.lab_minutes,
                f"{head}, lab: {_titles(idx, week.labs)}", "", stamp))
        for item in week.due:
            cal.add_component(_event(
                course, "deadline", dt.datetime.combine(tw.due, s.due_time), None,
                f"Due: {_titles(idx, [item])}", f"{head}: {item}", stamp))
    return cal


def to_ics(cal: Calendar) -> bytes:
    """The calendar as RFC 5545 text (CRLF line endings, folded long lines)."""
    return cal.to_ical()
