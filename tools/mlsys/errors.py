"""The one exception root of the `mlsys` package, so callers (and the CLI) catch one base.

    MlsysError                 anything the user can fix: a source, a setting, a missing tool
    ├── BuildError             a build cannot go on; carries every `Problem` (file:line)
    │   └── ExportError        a PDF or EPUB export failed
    ├── SiteError              a site cannot be written (configuration, pagefind)
    ├── PandocError            pandoc refused a document (also a `RuntimeError`)
    └── LabError               a lab is unknown, or the labs catalogue cannot be read

The command line (`mlsys.cli.user_errors`) turns each into one line and exit status 1.
"""

from __future__ import annotations


class MlsysError(Exception):
    """Root of every error `mlsys` raises on purpose; its message is meant for the user."""


class LabError(MlsysError):
    """A lab cannot be found, loaded or run; the message names the lab or the file."""
