"""Markdown for the hub's pages: course weeks, problem sets (with or without solutions).

Pure functions from the typed data to Quarto Markdown; `site.py` decides where they go.
Links are page-relative: `up` is the path from a page back to the site root.
"""

from __future__ import annotations

from .courses import DAYS, Course
from .problems import Part, ProblemSet
from .resolver import Index

KIND_LABEL = {"napkin": "Napkin math.", "bottleneck": "Which is the bottleneck?",
              "tradeoff": "Design trade-off."}


def link(idx: Index, ident: str, up: str) -> str:
    """A Markdown link to an item's page, or its title when that part has no page yet."""
    item = idx.get(ident)
    if item is None:
        return f"`{ident}`"
    return f"[{item.title}]({up}{item.href})" if item.href else item.title


def _list(idx: Index, ids: tuple[str, ...] | list[str], up: str, empty: str = "none") -> str:
    return "; ".join(link(idx, i, up) for i in ids) or empty


def course_page(course: Course, idx: Index, up: str) -> str:
    """A course's week-by-week page."""
    s = course.schedule
    meets = ", ".join(DAYS[d] for d in s.lectures)
    lab = f"; lab on {DAYS[s.lab]} at {s.lab_time:%H:%M}" if s.lab is not None else ""
    out = [f"---\ntitle: \"{course.title}\"\nnumber-sections: false\n---\n", course.summary, "",
           f"**Volume {'I' * course.volume}**, {s.weeks} weeks. Lectures on {meets} at "
           f"{s.lecture_time:%H:%M} ({s.lecture_minutes} min){lab}; work is due on "
           f"{DAYS[s.due]} at {s.due_time:%H:%M}.", ""]
    if course.audience:
        out += [f"*Who it is for:* {course.audience}", ""]
    out += ["The calendar of any term comes from the same file: "
            f"`mlsys instructors calendar {course.id} --start YYYY-MM-DD` writes an `.ics` "
            "file with every lecture, lab and deadline.", "",
            "| Week | Topic |", "|---|---|"]
    out += [f"| {w.number} | [{w.title}](#week-{w.number}) |" for w in course.weeks]
    for w in course.weeks:
        out += ["", f"## Week {w.number}: {w.title} {{#week-{w.number}}}", "",
                "**Goals.** By the end of the week a student can:", ""]
        out += [f"- {g}" for g in w.goals]
        out += ["", f"- **Reading:** {_list(idx, w.reading, up)}"]
        if w.labs:
            out.append(f"- **Lab:** {_list(idx, w.labs, up)}")
        if w.modules:
            out.append(f"- **TinyTorch:** {_list(idx, w.modules, up)}")
        if w.assignments:
            out.append(f"- **Assignment:** {_list(idx, w.assignments, up)}")
        out.append(f"- **Due this week:** {_list(idx, w.due, up)}")
        if w.notes:
            out += ["", f"*Notes for the instructor:* {w.notes.strip()}"]
    return "\n".join(out) + "\n"


def _answer(part: Part) -> str:
    if part.kind == "numeric":
        from .problems import format_value

        return f"**Answer:** {format_value(part.value, 'si', part.unit)} " \
               f"(graded within {part.tolerance:.0%})"
    if part.kind == "choice":
        return f"**Answer:** {part.value}"
    return "**Answer:** graded by rubric; a model answer follows."


def _hint(part: Part) -> str:
    if part.kind == "numeric":
        return f" *[number{', in ' + part.unit if part.unit else ''}]*"
    if part.kind == "choice":
        return f" *[one of: {', '.join(part.choices)}]*"
    return " *[short written answer]*"


def problem_set_page(ps: ProblemSet, idx: Index, up: str, solutions: bool) -> str:
    """A problem set for students, or with `solutions` the instructor's worked version."""
    chapter = idx.get(ps.chapter)
    ctitle = chapter.title if chapter else ps.chapter
    title = f"{'Solutions: ' if solutions else ''}{ps.title or ctitle}"
    out = [f"---\ntitle: \"{title}\"\nnumber-sections: false\n---\n",
           f"Problem set for {link(idx, ps.chapter, up) if not solutions else ctitle}. "
           f"{ps.intro}", ""]
    for n, p in enumerate(ps.problems, 1):
        out += [f"## Problem {n}: {p.title} {{#{p.id}}}", "", f"*{KIND_LABEL[p.kind]}* "
                f"{p.setup}", ""]
        for part in p.parts:
            out.append(f"{part.letter}. {part.prompt}{_hint(part)}")
            if solutions:
                out += ["", f"    {_answer(part)}", "", f"    {part.solution}", ""]
        out.append("")
    if not solutions:
        out += _submission_help(ps)
    return "\n".join(out) + "\n"


def _submission_help(ps: ProblemSet) -> list[str]:
    lines = ["## Submitting {#submit}", "",
             "Numeric and one-word answers are checked by the autograder; written parts are "
             "read by your instructor. Hand in a YAML file shaped like this (give numbers in "
             "the unit each part asks for):", "", "```yaml",
             f"problem_set: {ps.chapter}", "student: your-name", "answers:"]
    for p in ps.problems:
        graded = [x for x in p.parts if x.kind != "open"]
        if graded:
            lines.append(f"  {p.id}:")
            lines += [f"    {x.letter}: " + ("0.0" if x.kind == "numeric" else "'?'")
                      for x in graded]
    return [*lines, "```", ""]
