"""The instructor hub: courses as data, term plans, calendars, problem sets and a grader.

Public entry points (the CLI in `tools/mlsys/instructors_cli.py` calls only these):
`resolver.index`, `courses.find_course`, `planner.plan`/`planner.dump`,
`calendar.build_calendar`, `grader.grade`, `site.generate`, `site.build_bundle`,
`check.check`. Every bad input raises `InstructorsError` with the file, line or field.
"""

from .errors import (
    DateError,
    InstructorsError,
    PlanError,
    SourceError,
    SubmissionError,
    UnknownIdError,
)

__all__ = ["DateError", "InstructorsError", "PlanError", "SourceError", "SubmissionError",
           "UnknownIdError"]
