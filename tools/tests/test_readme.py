"""The README walks a new user from a clone to an open site, and every doc installs alike."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_quick_start_says_how_long_the_first_build_takes_and_how_to_open_the_site():
    quick = README[README.index("## Quick start"):README.index("## Installing one part")]
    assert re.search(r"first build takes about \d+ minutes", quick), "no time estimate"
    assert "mlsys preview" in quick and "127.0.0.1" in quick
    assert "tito module start 01" in quick and "outside" in quick


def test_readme_has_install_instructions_for_each_package_and_a_troubleshooting_section():
    table = README[README.index("## Installing one part"):README.index("## Where each part")]
    for package in ("mlsysim", "tinytorch", "mlsys"):
        row = next(line for line in table.splitlines() if line.startswith(f"| `{package}`"))
        assert "pip install ./" in row or "pip install ." in row, row
        assert "--index-url" in row, row
    assert "## Troubleshooting" in README


def test_no_doc_tells_users_to_install_a_bare_name_from_the_public_index():
    files = subprocess.run(["git", "ls-files", "*.md", "*.qmd"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split()
    bare = re.compile(r"^\s*pip install (tinytorch|mlsysim|mlsys)\b(?!.*--index-url)")
    offenders = [f"{f}:{n}" for f in files
                 for n, line in enumerate((REPO / f).read_text(encoding="utf-8").splitlines(), 1)
                 if bare.search(line)]
    assert offenders == []
