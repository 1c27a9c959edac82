"""YAML with line numbers: the one loader every part uses to say `file:line` about a mistake.

Every reader of YAML in the `mlsys` distribution uses it: the build (curriculum.yml, projects,
front matter, contributors), the labs catalogue (`labkit`), kits, interviews, instructors and
slides. It imports nothing but PyYAML, so a part pays nothing to use it. Two readers stand
apart, on purpose: `tito` ships in the learner's `tinytorch` wheel, which must not depend on
the authoring tools, and keeps one small documented copy; `mlsysim` reads only its own
package data, whose entries it names by position (see CONTRIBUTING.md).

`parse_yaml` returns the data and a `YamlLocator` that tells the line of any key path; a syntax
error is a `YamlSyntaxError` carrying the file, the line and the parser's own explanation.
Each part turns that into its own error type (`mlsys.project.read_yaml`: a `BuildError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlsys.errors import MlsysError

__all__ = ["YAML_LOADER", "YamlLocator", "YamlSyntaxError", "compose_yaml", "load_yaml",
           "parse_yaml"]

# libyaml's loader when PyYAML was built with it: a build parses the front matter and cell
# options of every chapter, and the pure-Python parser was most of a warm build's time.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSyntaxError(MlsysError):
    """A YAML document that does not parse; `line` is 1-based (None when unknown)."""

    def __init__(self, file: Path | str, line: int | None, detail: str):
        self.file, self.line, self.detail = file, line, detail
        where = f"{file}:{line}" if line else f"{file}"
        super().__init__(f"{where}: invalid YAML: {detail}")


@dataclass(frozen=True)
class YamlLocator:
    """A parsed YAML document that can tell on which line any key path was written."""

    file: Path
    node: yaml.Node | None
    line_offset: int = 0

    def find(self, *keys: str | int, key_node: bool = False) -> yaml.Node | None:
        """The node at `keys`; with key_node, the KEY node of a final mapping lookup (whose
        line is where an author wrote `key:`, even when the value starts on the next line)."""
        node = self.node
        for depth, key in enumerate(keys):
            if isinstance(key, int):
                if not isinstance(node, yaml.SequenceNode) or key >= len(node.value):
                    return None
                node = node.value[key]
            else:
                if not isinstance(node, yaml.MappingNode):
                    return None
                found = None
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == key:
                        found = k if key_node and depth == len(keys) - 1 else v
                node = found
            if node is None:
                return None
        return node

    def line(self, *keys: str | int) -> int | None:
        """The line of `key:` at `keys` (or of its parent's key when it is absent)."""
        node = self.find(*keys, key_node=True)
        if node is None and keys:
            node = self.find(*keys[:-1], key_node=True)
        return node.start_mark.line + 1 + self.line_offset if node is not None else None

    def nearest_line(self, *keys: str | int) -> int | None:
        """The line of the value at `keys`, or of the nearest enclosing node that exists."""
        for cut in range(len(keys), -1, -1):
            node = self.find(*keys[:cut])
            if node is not None:
                return node.start_mark.line + 1 + self.line_offset
        return None


def load_yaml(text: str) -> Any:
    """yaml.safe_load, fast; on a mistake the error comes from the pure-Python parser, whose
    marks point at the offending line (libyaml's point at the end of the stream)."""
    try:
        return yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)


def _syntax_error(exc: yaml.YAMLError, file: Path | str, line_offset: int) -> YamlSyntaxError:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlSyntaxError(file, None, str(exc))
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
        mark = exc.context_mark  # an unclosed quote/bracket: point where it was opened
    line = mark.line + 1 + line_offset if mark is not None else None
    detail = exc.problem or str(exc)
    if exc.context:
        opened = exc.context_mark.line + 1 + line_offset if exc.context_mark else None
        started = f" (opened on line {opened})" if opened and line and opened != line else ""
        detail = f"{exc.context}{started}: {detail}"
    return YamlSyntaxError(file, line, detail)


def compose_yaml(text: str, file: Path | str, line_offset: int = 0) -> yaml.Node | None:
    """The node tree of one document (no data built); a syntax error names its line."""
    try:
        try:
            return yaml.compose(text, Loader=YAML_LOADER)
        except yaml.YAMLError:  # the pure-Python parser locates mistakes more precisely
            return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file, line_offset) from None


def parse_yaml(text: str, file: Path | str, line_offset: int = 0) -> tuple[Any, YamlLocator]:
    """Parse one YAML document: its data and a locator for the line of any key path.

    `line_offset` shifts every line (a front-matter block starts on line 2 of its file)."""
    node = compose_yaml(text, file, line_offset)
    try:
        data = load_yaml(text) if node is not None else None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file, line_offset) from None
    return data, YamlLocator(Path(file), node, line_offset)
