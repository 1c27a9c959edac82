"""Where the curriculum repository is: the one search for its root, used by every command.

Kept apart from `mlsys.build` so light commands (`mlsys labs list`) find the repository
without importing the whole build.
"""

from __future__ import annotations

from pathlib import Path

from mlsys.model import BuildError, Problem

CURRICULUM = "curriculum.yml"


def find_repo_root(start: Path | None = None) -> Path:
    """Walk up from `start` (default: cwd) to the folder holding curriculum.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CURRICULUM).is_file():
            return folder
    raise BuildError(
        [Problem("error", f"no {CURRICULUM} here or in any parent folder; run mlsys inside the "
                 "curriculum repository", here)]
    )
