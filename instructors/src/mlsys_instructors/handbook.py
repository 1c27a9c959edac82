"""The TA handbook's per-module table of the mistakes TinyTorch's own tests catch.

Reading each module's `test_NN_*.py` with `ast` (never importing it) gives two honest lists:
the errors a student's code must raise, with the wording the test demands, and the edge cases
the tests probe (found by the words in their names). Those are where office hours go.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import yaml

_EDGE_WORDS = ("not", "without", "overflow", "underflow", "stable", "misaligned", "broadcast",
               "zero", "empty", "negative", "dtype", "large", "huge", "nan", "inf", "twice",
               "accumulate", "leak", "shape", "edge", "mask", "padding", "causal")


@dataclass(frozen=True)
class ModuleChecks:
    number: int
    name: str
    title: str
    tests: int
    raises: tuple[tuple[str, str, str], ...]   # (test sentence, exception, message pattern)
    edges: tuple[str, ...]


def _sentence(name: str) -> str:
    return name.removeprefix("test_").replace("_", " ")


def _raises(fn: ast.FunctionDef) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "pytest.raises":
            exc = ast.unparse(node.args[0]) if node.args else "Exception"
            match = next((k.value for k in node.keywords if k.arg == "match"), None)
            pattern = match.value if isinstance(match, ast.Constant) else ""
            found.append((exc, str(pattern).replace("\\", "")))
    return found


def module_checks(root: Path) -> list[ModuleChecks]:
    """One entry per TinyTorch module, from its tests."""
    out = []
    for spec in sorted((Path(root) / "tinytorch" / "modules").glob("*/module.yaml")):
        meta = yaml.safe_load(spec.read_text("utf-8")) or {}
        tests = sorted(spec.parent.glob("test_*.py"))
        fns = [n for t in tests for n in ast.parse(t.read_text("utf-8")).body
               if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        raises = tuple((_sentence(f.name), exc, pat) for f in fns for exc, pat in _raises(f))
        raised = {r[0] for r in raises}
        edges = tuple(_sentence(f.name) for f in fns if _sentence(f.name) not in raised
                      and any(w in f.name.split("_") for w in _EDGE_WORDS))
        out.append(ModuleChecks(int(meta.get("number", 0)), spec.parent.name,
                                str(meta.get("title", spec.parent.name)), len(fns), raises,
                                edges))
    return out


def checks_markdown(root: Path, up: str) -> str:
    """The generated half of the TA handbook."""
    lines = ["## Module by module: what the tests catch {#module-checks}", "",
             "Generated from each module's tests when the site is built, so it never drifts "
             "from what `tito module test` actually checks.", ""]
    for m in module_checks(root):
        lines += [f"### [Module {m.number}: {m.title}]({up}tinytorch/{m.name}/lesson.html)",
                  "", f"{m.tests} tests in `tinytorch/modules/{m.name}/`.", ""]
        if m.raises:
            lines += ["Errors the student's code must raise (a missing or reworded message "
                      "fails the test):", ""]
            lines += [f"- *{s}*: `{exc}`" + (f" matching `{pat}`" if pat else "")
                      for s, exc, pat in m.raises]
            lines.append("")
        if m.edges:
            lines += ["Edge cases that trip students first:", ""]
            lines += [f"- {e}" for e in m.edges]
            lines.append("")
    return "\n".join(lines) + "\n"
