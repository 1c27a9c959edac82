"""Shared fixtures: the repository root, a CLI runner that runs inside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):
    """Invoke `mlsys ...` from the repository root; returns click's Result."""
    from mlsys.cli import main

    monkeypatch.chdir(ROOT)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke




