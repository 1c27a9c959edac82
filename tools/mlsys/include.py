"""Expand Quarto's `{{< include file >}}` shortcodes, remembering where every line came from.

Includes are expanded before anything else (as Quarto does), so a later stage only ever sees
one text. The line map it returns lets every later error name the ORIGINAL file and line, which
is what an author needs when the failing cell lives in a shared snippet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mlsys.model import Problem

Loc = tuple[Path, int]

_INCLUDE = re.compile(r"^\s*\{\{<\s*include\s+(\"[^\"]+\"|'[^']+'|\S+)\s*>\}\}\s*$")


@dataclass
class Expanded:
    """A document with its includes expanded: text lines, their origins, and what went wrong."""

    lines: list[str]
    locs: list[Loc]
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # every included file, in first-seen order


def _strip_front_matter(lines: list[str]) -> int:
    """Index of the first body line of an included file (its front matter is dropped)."""
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                return i + 1
    return 0


def expand_includes(path: Path, project_root: Path | None = None) -> Expanded:
    """Read `path` and recursively splice in every `{{< include >}}` it names.

    Paths are relative to the including file; a leading `/` means the project root (Quarto's
    rule). A missing file or an include cycle becomes a Problem at the shortcode's line, and the
    shortcode line is kept so the rest of the chapter still renders.
    """
    out = Expanded([], [])
    root = project_root or path.parent
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.problems.append(Problem("error", f"cannot read: {exc}", path))
        return out
    _expand(path.resolve(), text.splitlines(), 0, root, (path.resolve(),), out)
    return out


def _expand(file: Path, lines: list[str], start: int, root: Path, stack: tuple[Path, ...],
            out: Expanded) -> None:
    fence: str | None = None
    for idx in range(start, len(lines)):
        line = lines[idx]
        stripped = line.lstrip()
        # includes inside a code block are shown, not expanded
        if fence is not None:
            if stripped.startswith(fence) and not stripped.rstrip().strip(fence[0]):
                fence = None
        else:
            m = re.match(r"(`{3,}|~{3,})", stripped)
            if m:
                fence = m.group(1)
            else:
                inc = _INCLUDE.match(line)
                if inc:
                    target = inc.group(1).strip("\"'")
                    if target.startswith("/"):
                        child = (root / target.lstrip("/")).resolve()
                    else:
                        child = (file.parent / target).resolve()
                    if child in stack:
                        chain = " -> ".join(p.name for p in (*stack, child))
                        out.problems.append(Problem(
                            "error", f"include cycle: {chain}", file, idx + 1))
                    elif not child.is_file():
                        out.problems.append(Problem(
                            "error", f"included file not found: {target}", file, idx + 1))
                    else:
                        try:
                            child_lines = child.read_text(encoding="utf-8").splitlines()
                        except (OSError, UnicodeDecodeError) as exc:
                            out.problems.append(Problem(
                                "error", f"cannot read included file {target}: {exc}",
                                file, idx + 1))
                        else:
                            if child not in out.files:
                                out.files.append(child)
                            _expand(child, child_lines, _strip_front_matter(child_lines), root,
                                    (*stack, child), out)
                            continue
        out.lines.append(line)
        out.locs.append((file, idx + 1))
