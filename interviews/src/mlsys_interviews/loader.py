"""Read question files with errors that point at the line: YAML syntax mistakes and schema
violations both come back as `QuestionError(file, line, field, what was expected)`.

The YAML is composed into nodes once (they keep their line marks), then constructed into
plain data for pydantic; a pydantic error's location (`('napkin', 2, 'unit')`) is walked back
through the nodes to find its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mlsys.yamlsource import YamlLocator, YamlSyntaxError, compose_yaml, load_yaml
from pydantic import ValidationError

from .errors import QuestionError
from .schema import TRACKS, Question


@dataclass(frozen=True)
class Located:
    """A validated question with the file it came from and the line of each napkin step."""

    question: Question
    file: Path
    step_lines: tuple[int, ...]
    node: yaml.Node = field(compare=False, repr=False)

    def line(self, *loc: str | int) -> int:
        """The line of a field, e.g. `line("links", "labs", 0)`."""
        return line_of(self.node, loc)


def _compose(text: str, file: Path) -> yaml.Node:
    try:
        node = compose_yaml(text, file)
    except YamlSyntaxError as exc:
        raise QuestionError(file, exc.line, "", f"invalid YAML: {exc.detail}") from None
    if not isinstance(node, yaml.MappingNode):
        raise QuestionError(file, 1, "", "expected a mapping of fields (id, track, level, ...)")
    return node


def line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the value at `loc`, or of the nearest enclosing node that exists."""
    return YamlLocator(Path(), node).nearest_line(*loc) or node.start_mark.line + 1


def _explain(err: dict[str, Any]) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check its spelling against the schema)"
    if kind == "literal_error":
        return f"{msg}, got {err['input']!r}"
    return msg.removeprefix("Value error, ")


def parse_question(text: str, file: Path) -> Located:
    """Validate one question's YAML text; `file` names it in errors and must match its id."""
    node = _compose(text, file)
    data = load_yaml(text)
    try:
        q = Question.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) if loc else "question"
        raise QuestionError(file, line_of(node, loc), field, _explain(err)) from None
    if q.id != file.stem:
        raise QuestionError(file, line_of(node, ("id",)), "id",
                            f"'{q.id}' must equal the file name '{file.stem}'")
    if file.parent.name in TRACKS and q.track != file.parent.name:
        raise QuestionError(file, line_of(node, ("track",)), "track",
                            f"'{q.track}' but the file lives in the '{file.parent.name}' folder")
    steps = tuple(line_of(node, ("napkin", i)) for i in range(len(q.napkin)))
    return Located(q, file, steps, node)


def load_question(path: Path) -> Located:
    """Read and validate one question file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionError(path, None, "", f"cannot read: {exc}") from None
    return parse_question(text, path)


def question_files(questions_dir: Path) -> list[Path]:
    """Every question file, in track order then by name (`.yml` is accepted too)."""
    order = {t: i for i, t in enumerate(TRACKS)}
    files = [p for p in questions_dir.glob("*/*.y*ml")
             if p.suffix in (".yaml", ".yml") and p.parent.name in TRACKS]
    return sorted(files, key=lambda p: (order.get(p.parent.name, len(order)), p.parent.name, p.name))
