"""YAML with line numbers: every value keeps the line it came from.

Courses, problem sets and submissions are edited by hand, so each error must point at a
line. PyYAML's node tree has the marks; `load` turns it into plain values plus a table of
`path -> line` (a path is the tuple of keys and indexes leading to a value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mlsys.yamlsource import YamlSyntaxError, compose_yaml

from .errors import SourceError

Path_ = tuple[str | int, ...]
_SCALARS = yaml.constructor.SafeConstructor()  # turns a resolved scalar node into its value


@dataclass(frozen=True)
class Located:
    """Parsed YAML (`data`) and the line of every value in it."""

    file: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, *path: str | int) -> int | None:
        """The line of the value at `path`, or of its nearest ancestor."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return None

    def error(self, message: str, *path: str | int) -> SourceError:
        """A `SourceError` at the line of `path`."""
        return SourceError(self.file, self.line(*path), message)


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key, value in node.value:
            name = key.value
            out[name] = _walk(value, (*path, name), lines)
            lines[(*path, name)] = key.start_mark.line + 1  # a block value: point at its key
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), lines) for i, item in enumerate(node.value)]
    try:
        return _SCALARS.construct_object(node, deep=True)
    except ValueError:  # e.g. a date like 2027-02-30: keep the text, the reader names it
        return node.value


def loads(text: str, file: Path) -> Located:
    """Parse `text`; a syntax error becomes a `SourceError` at its line."""
    try:
        node = compose_yaml(text, file)
    except YamlSyntaxError as exc:
        raise SourceError(file, exc.line, f"invalid YAML: {exc.detail}") from None
    lines: dict[Path_, int] = {}
    data = _walk(node, (), lines) if node is not None else None
    return Located(file, data, lines)


def load(file: Path) -> Located:
    """Read and parse one YAML file."""
    try:
        text = Path(file).read_text("utf-8")
    except OSError as exc:
        raise SourceError(file, None, f"cannot read: {exc.strerror or exc}") from None
    return loads(text, Path(file))
