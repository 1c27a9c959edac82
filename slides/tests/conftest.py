"""Shared fixtures of the slides tests: the fixture decks, a throw-away repository root that
holds only chosen decks (so the site generator and CLI run fast), and the tools a test needs (Chromium comes from the root conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_root(tmp_path: Path) -> Any:
    """A repository root with `slides/themes` and the given fixture decks in `slides/decks`."""
    def make(*names: str) -> Path:
        root = tmp_path / "repo"
        (root / "slides" / "decks").mkdir(parents=True)
        (root / "curriculum.yml").write_text("title: t\nparts: []\n")
        shutil.copytree(REPO / "slides" / "themes", root / "slides" / "themes")
        for n in names:
            shutil.copy(FIXTURES / f"{n}.md", root / "slides" / "decks" / f"{n}.md")
        return root
    return make




@pytest.fixture
def needs() -> Any:
    """Skip with the Debian package to install when a command-line tool is missing."""
    packages = {"xelatex": "texlive-xetex texlive-latex-recommended texlive-latex-extra "
                "texlive-fonts-recommended", "pdftotext": "poppler-utils",
                "pdfinfo": "poppler-utils", "pdftoppm": "poppler-utils",
                "rsvg-convert": "librsvg2-bin"}

    def check(*tools: str) -> None:
        for tool in tools:
            if shutil.which(tool) is None:
                pytest.skip(f"{tool} is missing (apt-get install {packages.get(tool, tool)})")
    return check
