"""Checks `mlsys test` runs on top of pytest for the existing parts (curriculum.yml `check:`).

Each is a function `(root: Path) -> list[str]` returning problems as
`file:line: severity: message`; an empty list means the part is fine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from mlsys.build import SITE_DIR
from mlsys.linkcheck import check_site

# marimo's severities: "breaking" and "runtime" stop a notebook from running; "formatting" not.
_MARIMO_ERRORS = ("breaking", "runtime")


def book(root: Path) -> list[str]:
    """Every internal link and anchor of the built site (`_site/`) leads somewhere."""
    site = root / SITE_DIR
    if not (site / "index.html").is_file():
        return [f"{site}: warning: no built site to link-check; run `mlsys build` first"]
    return [f"{site}/{b}" for b in check_site(site)]


def labs(root: Path) -> list[str]:
    """`marimo check` over every notebook of `labs/` (helper modules are skipped)."""
    notebooks = sorted(str(p.relative_to(root)) for p in (root / "labs").glob("*.py"))
    if not notebooks:
        return []
    marimo = shutil.which("marimo") or str(Path(sys.executable).with_name("marimo"))
    try:
        r = subprocess.run([marimo, "check", "--format", "json", "--ignore-scripts",
                            *notebooks], cwd=root, capture_output=True, text=True, timeout=600)
    except OSError as exc:
        return [f"{root / 'labs'}: error: cannot run marimo check: {exc}"]
    try:
        issues = json.loads(r.stdout).get("issues", [])
    except ValueError:
        return [f"{root / 'labs'}: error: marimo check gave no report: {r.stderr.strip()[-300:]}"]
    problems = []
    for issue in issues:
        where = f"{issue.get('filename', 'labs')}:{issue.get('line') or 1}"
        severity = "error" if issue.get("severity") in _MARIMO_ERRORS else "warning"
        if issue.get("type") == "error":
            if "Not recognizable as a marimo notebook" in issue.get("error", ""):
                continue
            severity = "error"
        code = f" [{issue['code']}]" if issue.get("code") else ""
        problems.append(f"{where}: {severity}: {issue.get('message') or issue.get('error')}"
                        f"{code}")
    return problems
