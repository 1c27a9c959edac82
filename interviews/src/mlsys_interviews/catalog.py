"""What question links may point at: the book's chapters, the labs and the TinyTorch modules.

One small function reads all three from the repository, so it can be swapped for a shared
catalogue later without touching the checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Catalog:
    """Names a link can resolve to: `vol1/serving`, `serving_batching`, `"14"`."""

    chapters: frozenset[str]
    labs: frozenset[str]
    modules: dict[str, str]  # two-digit number -> module folder name ("14" -> "14_profiling")
    titles: dict[str, str]  # "vol1/serving" / lab name / module number -> its title


def _chapter_title(path: Path) -> str | None:
    """A chapter's title: front-matter `title:` or its first level-1 heading."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[:40]
    except OSError:
        return None
    for line in lines:
        if line.startswith("title:"):
            return line[6:].strip().strip("\"'")
        if line.startswith("# "):
            return re.sub(r"\s*\{.*\}\s*$", "", line[2:]).strip()
    return None


def _yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None


def load_catalog(root: Path) -> Catalog:
    """Chapters from `book/_quarto-vol*.yml`, labs from `labs/labs.yaml`, modules from
    `tinytorch/modules/*/module.yaml` (a part that is missing contributes nothing)."""
    chapters = set()
    for cfg in (root / "book").glob("_quarto-vol*.yml"):
        chapters.update(re.findall(r"(vol\d/[A-Za-z0-9_]+)\.qmd", cfg.read_text(encoding="utf-8")))
    titles = {c: t for c in chapters if (t := _chapter_title(root / "book" / f"{c}.qmd"))}
    labs_data = _yaml(root / "labs" / "labs.yaml")
    entries = labs_data.get("labs", []) if isinstance(labs_data, dict) else []
    labs = set()
    for e in entries:
        if isinstance(e, dict) and "name" in e:
            labs.add(str(e["name"]))
            titles[str(e["name"])] = str(e.get("title") or e["name"])
    modules = {}
    for mod in (root / "tinytorch" / "modules").glob("*/module.yaml"):
        data = _yaml(mod)
        if isinstance(data, dict) and isinstance(data.get("number"), int):
            num = f"{data['number']:02d}"
            modules[num] = mod.parent.name
            titles[num] = str(data.get("title") or mod.parent.name)
    return Catalog(frozenset(chapters), frozenset(labs), modules, titles)
