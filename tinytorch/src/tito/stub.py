"""Turn reference source into the learner's starting point.

A solution region is the text between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` inside a
function body. The learner receives the region's ``# HINT:`` comments and a
``raise NotImplementedError`` naming the module and function, at the region's indentation, so
the file still imports and every unfinished function fails loudly (and testably) when called.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from .errors import TitoError

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
HINT = "# HINT:"


class StubError(TitoError):
    """Markers are malformed; the message names the file and line."""


@dataclass(frozen=True)
class Region:
    """One solution region: 1-based line numbers of its markers and the enclosing function."""

    begin: int
    end: int
    indent: str
    function: str


def _function_spans(text: str, filename: str) -> list[tuple[int, int, str]]:
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as exc:
        raise StubError(f"{filename}:{exc.lineno}: cannot parse: {exc.msg}") from None
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qual = f"{prefix}{child.name}"
                spans.append((child.lineno, child.end_lineno or child.lineno, qual))
                visit(child, qual + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def find_regions(text: str, filename: str = "<source>") -> list[Region]:
    """Locate every solution region; unbalanced or misplaced markers raise StubError."""
    lines = text.splitlines()
    spans = _function_spans(text, filename)
    regions: list[Region] = []
    open_at: int | None = None
    for i, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if open_at is not None:
                raise StubError(
                    f"{filename}:{i}: '{BEGIN}' inside the region opened at line {open_at}"
                )
            open_at = i
        elif stripped == END:
            if open_at is None:
                raise StubError(f"{filename}:{i}: '{END}' without a matching '{BEGIN}'")
            inner = [s for s in spans if s[0] < open_at < s[1]]
            if not inner:
                raise StubError(
                    f"{filename}:{open_at}: solution region is not inside a function body"
                )
            function = max(inner, key=lambda s: s[0])[2]
            indent = lines[open_at - 1][: len(lines[open_at - 1]) - len(lines[open_at - 1].lstrip())]
            regions.append(Region(open_at, i, indent, function))
            open_at = None
    if open_at is not None:
        raise StubError(f"{filename}:{open_at}: '{BEGIN}' is never closed by '{END}'")
    return regions


def solution_lines(text: str, filename: str = "<source>") -> list[str]:
    """The answer lines (stripped, non-blank, not hints) — what a learner must never receive."""
    lines = text.splitlines()
    out: list[str] = []
    for r in find_regions(text, filename):
        for line in lines[r.begin : r.end - 1]:
            s = line.strip()
            if s and not s.startswith(HINT):
                out.append(s)
    return out


def stub_source(text: str, module_number: int, filename: str = "<source>") -> str:
    """Replace each solution region by its hints plus a NotImplementedError naming the task."""
    lines = text.splitlines()
    regions = find_regions(text, filename)
    out: list[str] = []
    cursor = 0
    for r in regions:
        out.extend(lines[cursor : r.begin - 1])
        hints = [ln for ln in lines[r.begin : r.end - 1] if ln.strip().startswith(HINT)]
        out.extend(r.indent + h.strip() for h in hints)
        out.append(
            f'{r.indent}raise NotImplementedError("TODO(module {module_number:02d}): '
            f'{r.function} — see the hints above")'
        )
        cursor = r.end
    out.extend(lines[cursor:])
    result = "\n".join(out)
    if text.endswith("\n"):
        result += "\n"
    return result


def stub_file(path: Path, module_number: int) -> str:
    """Stub one reference file, reporting errors against its real path."""
    return stub_source(path.read_text(encoding="utf-8"), module_number, str(path))
