"""`mlsys instructors plan`: a week-by-week course for any term length.

Chapters keep book order (each chapter builds on the ones before it, so book order is the
prerequisite order). They are spread over the weeks that still have lectures after holidays,
so that each week's reading (in words) is proportional to the lectures it holds: a dynamic
programme minimises the squared deviation from that share, with at most two chapters a week.
When a term has more teaching weeks than the volume has chapters, chapters are split into
their sections. Labs follow the chapter they belong to, TinyTorch modules are spread evenly
in number order (each module requires only earlier ones), and each week's problem set is due
at the end of the next week.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import yaml

from .courses import DAYS, DEFAULT_SCHEDULE, Course, Schedule, Week
from .errors import PlanError
from .resolver import Index, Item
from .terms import term_weeks

MAX_CHAPTERS_PER_WEEK = 2


def default_schedule(weeks: int) -> Schedule:
    """The meeting pattern a generated plan starts from (the same as a course file's defaults)."""
    d = DEFAULT_SCHEDULE
    t = dt.time.fromisoformat
    return Schedule(weeks, tuple(DAYS.index(x) for x in d["lectures"]), t(d["lecture_time"]),
                    d["lecture_minutes"], DAYS.index(d["lab"]), t(d["lab_time"]),
                    d["lab_minutes"], DAYS.index(d["due"]), t(d["due_time"]))


def _units(idx: Index, volume: int, teaching: int) -> tuple[list[Item], int]:
    """What to spread: chapters, or their sections when chapters are fewer than weeks."""
    chapters = idx.chapters(volume)
    if not chapters:
        raise PlanError(f"Volume {volume} has no chapters in book/_quarto-vol{volume}.yml")
    if len(chapters) > MAX_CHAPTERS_PER_WEEK * teaching:
        fit = MAX_CHAPTERS_PER_WEEK * teaching
        left = ", ".join(c.id for c in chapters[fit:])
        raise PlanError(
            f"{len(chapters)} chapters of Volume {volume} cannot fit in {teaching} teaching "
            f"week(s) at most {MAX_CHAPTERS_PER_WEEK} a week (they need "
            f"{math.ceil(len(chapters) / MAX_CHAPTERS_PER_WEEK)}); chapters that do not fit: "
            f"{left}. Add weeks or remove holidays.")
    if len(chapters) >= teaching:
        return chapters, MAX_CHAPTERS_PER_WEEK
    units = [s for c in chapters for s in (idx.sections(c.id) or [c])
             if s.kind == "chapter" or s.words]
    return units, len(units)


def spread(sizes: list[float], capacity: list[int], most: int) -> list[int]:
    """How many consecutive units each week takes: weeks with zero capacity take none, every
    other week takes between one (while units last) and `most`, and each week's load stays as
    close as possible to its share of the total."""
    n, weeks = len(sizes), len(capacity)
    target = sum(sizes) / max(sum(capacity), 1)
    prefix = [0.0]
    for s in sizes:
        prefix.append(prefix[-1] + s)
    inf = float("inf")
    best = [[inf] * (weeks + 1) for _ in range(n + 1)]
    choice = [[0] * (weeks + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    teaching_after = [sum(1 for c in capacity[w:] if c) for w in range(weeks + 1)]
    for w in range(weeks):
        for i in range(n + 1):
            if best[i][w] == inf:
                continue
            lo = 0 if capacity[w] == 0 or n - i < teaching_after[w] else 1
            hi = 0 if capacity[w] == 0 else min(most, n - i)
            for k in range(lo, hi + 1):
                load = prefix[i + k] - prefix[i]
                cost = best[i][w] + (load - target * capacity[w]) ** 2
                if cost < best[i + k][w + 1]:
                    best[i + k][w + 1], choice[i + k][w + 1] = cost, k
    if best[n][weeks] == inf:
        raise PlanError(f"{n} reading units cannot be spread over {weeks} weeks")
    counts, i = [0] * weeks, n
    for w in range(weeks, 0, -1):
        counts[w - 1] = choice[i][w]
        i -= counts[w - 1]
    return counts


def _goals(idx: Index, reading: list[Item]) -> tuple[str, ...]:
    goals = []
    for item in reading:
        heads = idx.sections(item.id) if item.kind == "chapter" else [item]
        heads = [h for h in heads if not h.title.endswith("(chapter in preparation)")]
        goals += [f"Explain and apply: {h.title.split(': ', 1)[-1]}" for h in heads[:3]]
    return tuple(goals) or ("Consolidate the term so far: review and project work",)


def _labs_by_chapter(idx: Index) -> dict[str, list[str]]:
    """Each lab's chapter, from the lab's page link in labs/labs.yaml."""
    import yaml as _yaml

    labs = idx.root / "labs" / "labs.yaml"
    out: dict[str, list[str]] = {}
    if labs.is_file():
        for lab in (_yaml.safe_load(labs.read_text("utf-8")) or {}).get("labs", []):
            href = str(lab.get("href", ""))
            if "/book/" in href:
                vol, page = href.split("/book/", 1)[1].split("/", 1)
                out.setdefault(f"{vol}/{page.removesuffix('.html')}", []).append(
                    f"lab:{lab['name']}")
    return out


def plan(idx: Index, volume: int, weeks: int, start: dt.date,
         skip: tuple[dt.date, ...] = (), title: str | None = None) -> Course:
    """A course plan for `weeks` weeks of Volume `volume` starting on `start`."""
    if weeks < 1:
        raise PlanError(f"--weeks must be at least 1, not {weeks}")
    schedule = default_schedule(weeks)
    term = term_weeks(schedule, start, skip)
    capacity = [len(t.lectures) for t in term]
    teaching = sum(1 for c in capacity if c)
    if not teaching:
        raise PlanError("every lecture of the term is skipped; nothing can be taught")
    units, most = _units(idx, volume, teaching)
    counts = spread([u.words for u in units], capacity, most)
    labs = _labs_by_chapter(idx)
    modules = idx.of_kind("module") if volume == 1 else []
    per_week = [modules[round(w * len(modules) / teaching):round((w + 1) * len(modules) /
                teaching)] for w in range(teaching)]
    weeks_out, pos, taught, pending_labs, seen = [], 0, 0, [], set()
    for w, count in enumerate(counts):
        reading = units[pos:pos + count]
        pos += count
        chapters = {r.id.split("#")[0] for r in reading}
        for c in sorted(chapters, key=lambda c: idx.items[c].order):
            pending_labs += [lab for lab in labs.get(c, []) if lab not in seen]
            seen.update(labs.get(c, []))
        week_labs = tuple(pending_labs) if term[w].lab else ()
        pending_labs = [] if term[w].lab else pending_labs
        mods = per_week[taught] if capacity[w] else []
        taught += 1 if capacity[w] else 0
        psets = tuple(f"pset:{c}" for c in sorted(chapters, key=lambda c: idx.items[c].order)
                      if f"pset:{c}" in idx.items)
        weeks_out.append(Week(
            w + 1, _week_title(idx, reading), _goals(idx, reading),
            tuple(r.id for r in reading), week_labs, tuple(m.id for m in mods), psets, ()))
    weeks_out = _with_due(weeks_out)
    cid = f"vol{volume}-{weeks}w"
    return Course(cid, title or f"Volume {'I' * volume} in {weeks} weeks", volume,
                  f"A {weeks}-week plan generated from Volume {volume}'s chapters.", "",
                  schedule, tuple(skip), tuple(weeks_out), idx.root / f"{cid}.yaml")


def _week_title(idx: Index, reading: list[Item]) -> str:
    if not reading:
        return "Holiday week: no lectures"
    names = []
    for r in reading:
        chapter = idx.items[r.id.split("#")[0]].title.split(":")[0]
        if chapter not in names:
            names.append(chapter)
    return " and ".join(names)


def _with_due(weeks: list[Week]) -> list[Week]:
    """Each week's problem set and module are due at the end of the following week."""
    out = []
    for w, week in enumerate(weeks):
        prev = weeks[w - 1] if w else None
        due = prev.assignments + prev.modules if prev else ()
        if w == len(weeks) - 1:
            due += week.assignments + week.modules
        out.append(replace(week, due=due))
    return out


def _one(ids: tuple[str, ...]) -> str | list[str] | None:
    return ids[0] if len(ids) == 1 else list(ids) or None


def dump(course: Course) -> str:
    """The course as YAML that `courses.load_course` reads back unchanged."""
    s = course.schedule
    data = {
        "id": course.id, "title": course.title, "volume": course.volume,
        "summary": course.summary,
        "schedule": {"weeks": s.weeks, "lectures": [DAYS[d] for d in s.lectures],
                     "lecture_time": s.lecture_time.strftime("%H:%M"),
                     "lecture_minutes": s.lecture_minutes,
                     "lab": DAYS[s.lab] if s.lab is not None else "none",
                     "lab_time": s.lab_time.strftime("%H:%M"), "lab_minutes": s.lab_minutes,
                     "due": DAYS[s.due], "due_time": s.due_time.strftime("%H:%M")},
        "holidays": [d.isoformat() for d in course.holidays],
        "weeks": [{k: v for k, v in {
            "title": w.title, "goals": list(w.goals), "reading": list(w.reading),
            "lab": _one(w.labs), "module": _one(w.modules), "assignment": _one(w.assignments),
            "due": list(w.due)}.items() if v} for w in course.weeks],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
