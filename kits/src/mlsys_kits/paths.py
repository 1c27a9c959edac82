"""Where the kit's files live in a checkout, and where builds are cached."""

from __future__ import annotations

import os
from pathlib import Path

KITS_DIR = Path(__file__).resolve().parents[2]
RUNTIME_DIR = KITS_DIR / "runtime"
BOARDS_DIR = KITS_DIR / "boards"


def boards_dir() -> Path:
    """The kit definitions (`MLSYS_KITS_BOARDS` points elsewhere, e.g. in tests)."""
    env = os.environ.get("MLSYS_KITS_BOARDS")
    return Path(env) if env else BOARDS_DIR


def build_root() -> Path:
    """Compiled artefacts, cached by content hash (`MLSYS_KITS_BUILD` overrides)."""
    env = os.environ.get("MLSYS_KITS_BUILD")
    return Path(env) if env else KITS_DIR.parent / "_build" / "kits"
