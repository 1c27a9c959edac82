"""Shared fixtures: the three trained models (trained once per session) and tool checks that
skip with the exact install command when a compiler or emulator is missing."""

from __future__ import annotations

import shutil

import pytest
from mlsys_kits.pipeline import Artifact, model

TASKS = ("kws", "image", "motion")


@pytest.fixture(scope="session")
def artifacts() -> dict[str, Artifact]:
    return {t: model(t) for t in TASKS}


def need(tool: str, package: str) -> None:
    """Skip the calling test when `tool` is absent, saying how to install it."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed: apt-get install -y {package}")
