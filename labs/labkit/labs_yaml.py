"""The lab catalogue (labs.yaml): one checked entry per lab, in course order."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from mlsys.yamlsource import YamlSyntaxError, parse_yaml

LABS_DIR = Path(__file__).resolve().parents[1]  # labs/


CATALOG = LABS_DIR / "labs.yaml"


@dataclass(frozen=True)
class LabInfo:
    """One entry of labs.yaml: what the lab is called and which chapter it serves."""

    name: str
    title: str
    chapter: str
    href: str  # the chapter's page, relative to the lab's page on the site
    description: str


class LabkitError(ValueError):
    """Root of every error labkit raises on purpose; the message is meant for the reader."""


class CatalogError(LabkitError):
    """labs.yaml is malformed, or names no such lab; the message names the file and field."""


class LabRunError(LabkitError):
    """A headless run asked for something the lab does not have (e.g. an unknown widget)."""


_FIELDS = ("name", "title", "chapter", "href", "description")


def catalog(path: Path = CATALOG) -> tuple[LabInfo, ...]:
    """Every lab in labs.yaml, in course order. Checked, because a typo here breaks the site."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the lab catalogue ({exc.strerror})") from None
    return _parse_catalog(str(path), text)


@functools.cache
def _parse_catalog(path: str, text: str) -> tuple[LabInfo, ...]:
    try:
        raw, loc = parse_yaml(text, path)
    except YamlSyntaxError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise CatalogError(f"{where}: not valid YAML ({exc.detail})") from None
    entries = raw.get("labs") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a top-level 'labs:' list")
    labs: list[LabInfo] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{path}:{loc.nearest_line('labs', i)}"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: lab entry {i + 1} must be a mapping")
        for f in _FIELDS:
            if not isinstance(entry.get(f), str) or not entry[f].strip():
                raise CatalogError(f"{where}: lab entry {i + 1} needs a text field '{f}'")
        name = entry["name"]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise CatalogError(f"{where}: name {name!r} must be lower_snake_case")
        if name in seen:
            raise CatalogError(f"{where}: lab {name!r} is listed twice")
        seen.add(name)
        labs.append(LabInfo(**{f: entry[f].strip() for f in _FIELDS}))
    return tuple(labs)


def info(name: str) -> LabInfo:
    """The catalogue entry of one lab; an unknown name lists the known ones."""
    for lab in catalog():
        if lab.name == name:
            return lab
    known = ", ".join(lab.name for lab in catalog())
    raise CatalogError(f"unknown lab {name!r}; labs are: {known}")
