"""Pandoc JSON filters: any program that reads the document tree as JSON on stdin and writes
the changed tree to stdout, with the output format as its first argument.

Quarto runs a `filters:` entry that is not a `.lua` file this way, exactly as pandoc's
`--filter` does, so we do too (at the same positions as Lua filters, see `luafilters`).
Scripts are started the way pandoc starts them: `.py` with this Python (so the project's
environment, e.g. `panflute`, is there), `.js` with node, `.rb` with ruby, `.pl` with perl,
`.r`/`.R` with Rscript, `.hs` with runhaskell, `.php` with php; anything else must be
executable itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .parse import PandocError, pandoc_version

_INTERPRETERS = {".py": sys.executable, ".js": "node", ".rb": "ruby", ".pl": "perl",
                 ".r": "Rscript", ".hs": "runhaskell", ".php": "php"}


class FilterRunError(PandocError):
    """A JSON filter could not run or failed: `where` is the filter's path."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


def filter_command(path: Path, target: str) -> list[str]:
    """The command pandoc would run for filter `path` (argv[1] is the output format)."""
    interpreter = _INTERPRETERS.get(path.suffix.lower())
    if interpreter is not None:
        found = interpreter if os.path.isabs(interpreter) else shutil.which(interpreter)
        if found is None:
            raise FilterRunError(str(path), f"'{interpreter}' is needed to run this filter "
                                 "and is not installed")
        return [found, str(path), target]
    if not os.access(path, os.X_OK):
        raise FilterRunError(str(path), "not executable (chmod +x it, or give it a known "
                             "script extension such as .py)")
    return [str(path), target]


def to_meta(value: Any) -> dict[str, Any]:
    """Plain YAML data as a pandoc metadata value (how project options reach a filter)."""
    if isinstance(value, bool):
        return {"t": "MetaBool", "c": value}
    if isinstance(value, dict):
        return {"t": "MetaMap", "c": {str(k): to_meta(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"t": "MetaList", "c": [to_meta(v) for v in value]}
    return {"t": "MetaString", "c": "" if value is None else str(value)}


def run_json_filter(ast: dict[str, Any], path: Path, doc: Path, target: str,
                    project_meta: dict[str, Any]) -> dict[str, Any]:
    """The tree after JSON filter `path`; FilterRunError with its stderr when it fails.

    Project options are the document's metadata while the filter runs (keys the chapter
    sets win), and are taken out again afterwards, as for Lua filters.
    """
    meta = ast.setdefault("meta", {})
    injected = [k for k in project_meta if k not in meta]
    for key in injected:
        meta[key] = to_meta(project_meta[key])
    version = re.sub(r"^pandoc\s+", "", pandoc_version())
    env = {**os.environ, "PANDOC_VERSION": version}
    try:
        proc = subprocess.run(filter_command(path, target), input=json.dumps(ast).encode(),
                              capture_output=True, cwd=str(doc.parent), env=env)
    except OSError as exc:
        raise FilterRunError(str(path), f"cannot start: {exc}") from exc
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        last = err.splitlines()[-1] if err else ""
        raise FilterRunError(str(path), f"exited with status {proc.returncode}"
                             + (f": {last}" if last else ""))
    if err:
        print(err, file=sys.stderr)  # what the filter logs is for the author, as in pandoc
    try:
        out = json.loads(proc.stdout)
        if not isinstance(out, dict) or not isinstance(out.get("blocks"), list):
            raise ValueError("no document")
    except ValueError:
        start = proc.stdout[:80].decode("utf-8", "replace").strip()
        raise FilterRunError(str(path), "did not write a pandoc JSON document to stdout"
                             + (f" (it wrote: {start!r})" if start else "")) from None
    out_meta = out.setdefault("meta", {})
    for key in injected:
        out_meta.pop(key, None)
    return out
