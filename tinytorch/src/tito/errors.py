"""The one exception root of `tito`, so the CLI catches one base and never shows a traceback.

    TitoError            anything a learner can fix; the message says what and where
    ├── CurriculumError  a lesson's module.yaml is broken, or a lesson name is unknown
    ├── MilestoneError   an unknown milestone name or year
    ├── WorkspaceError   the workspace is missing, edited where it should not be, or locked
    ├── StubError        a reference file cannot be turned into a starting stub
    └── RunnerError      a lesson's tests cannot be run

`tito.cli._friendly` turns each into one `Error: ...` line and exit status 1.
"""

from __future__ import annotations


class TitoError(Exception):
    """Root of every error `tito` raises on purpose; its message is meant for the learner."""
