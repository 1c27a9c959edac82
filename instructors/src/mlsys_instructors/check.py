"""`check:` hook of curriculum.yml: every course reference valid, every problem set evaluates.

Returns problems as `file:line: severity: message` strings (empty means all is well), so
`mlsys test instructors` and the site build can report them beside their own.
"""

from __future__ import annotations

from pathlib import Path

from .courses import course_files, read_course
from .errors import InstructorsError
from .problems import load_problem_set, problem_files
from .resolver import index
from .yamlsrc import load

MIN_PROBLEMS = 8


def check(root: Path) -> list[str]:
    """All problems of the instructor hub's sources."""
    root = Path(root).resolve()
    idx, found = index(root), []
    files = course_files(root)
    if not files:
        found.append(f"{root / 'instructors' / 'courses'}: error: no course files")
    for f in files:
        try:
            _, errors = read_course(load(f), idx)
        except InstructorsError as exc:
            errors = [exc]
        found += [str(e) for e in errors]
    with_sets = set()
    for f in problem_files(root):
        try:
            ps = load_problem_set(f, idx)
        except InstructorsError as exc:
            found.append(str(exc))
            continue
        with_sets.add(ps.chapter)
        if len(ps.problems) < MIN_PROBLEMS:
            found.append(f"{f}:1: warning: {len(ps.problems)} problems; each chapter's set "
                         f"should have at least {MIN_PROBLEMS}")
    for chapter in idx.chapters(1):
        if chapter.id not in with_sets:
            found.append(f"{root / 'instructors' / 'problems' / (chapter.id[5:] + '.yaml')}: "
                         f"warning: {chapter.id} has no problem set yet")
    return found
