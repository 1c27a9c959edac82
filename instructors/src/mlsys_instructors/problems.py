"""Problem sets: quantitative design problems whose numbers come from mlsysim at build time.

A problem set is `instructors/problems/<chapter>.yaml`. Each problem has `given` values and
lettered parts; a numeric part carries an `answer` expression, a `unit` and a relative
`tolerance`, a "which is it" part carries `choices` and an expression naming one, and a
design part carries only its worked `solution`. Expressions see `mlsysim`, `math`, a few
builtins and the names defined before them, nothing else.

Text may quote a value as `{name}` or `{name|fmt}`: `si` or `si:UNIT` (mlsysim's SI
formatter), `s` (mlsysim's duration formatter), `pct`, `int`. Setups and prompts may quote
only `given` values, so the student version can never leak an answer; solutions quote
any value of their problem.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import mlsysim

from .errors import SourceError
from .resolver import Index
from .yamlsrc import Located, loads

KINDS = ("napkin", "bottleneck", "tradeoff")
_SAFE_BUILTINS = {"min": min, "max": max, "abs": abs, "round": round, "sum": sum, "len": len,
                  "int": int, "float": float, "range": range, "sorted": sorted, "next": next,
                  "any": any, "all": all}
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([a-z]+)(?::([^}]*))?)?\}")
_PROBLEM_KEYS = {"id", "title", "kind", "setup", "given", "parts"}
_PART_KEYS = {"prompt", "name", "answer", "unit", "tolerance", "choices", "solution"}


@dataclass(frozen=True)
class Part:
    letter: str
    prompt: str
    solution: str
    kind: str                      # numeric, choice or open
    value: float | str | None = None
    unit: str = ""
    tolerance: float = 0.02
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    kind: str
    setup: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class ProblemSet:
    chapter: str                   # curriculum id, e.g. vol1/training
    title: str
    intro: str
    problems: tuple[Problem, ...]
    file: Path

    def part(self, problem: str, letter: str) -> Part | None:
        """The part `letter` of problem `problem`, if both exist."""
        for p in self.problems:
            if p.id == problem:
                return next((x for x in p.parts if x.letter == letter), None)
        return None


def format_value(value: Any, fmt: str | None, arg: str | None) -> str:
    """A value as text, through mlsysim's formatters."""
    if isinstance(value, str):
        return value
    if fmt in (None, "si"):
        return mlsysim.si(value, arg or "")
    if fmt == "s":
        return mlsysim.seconds(value)
    if fmt == "pct":
        return mlsysim.si(100 * value, "%")
    if fmt == "int":
        return str(int(round(value)))
    raise ValueError(f"unknown format '{fmt}' (use si, si:UNIT, s, pct or int)")


class _Scope:
    """Evaluates expressions and fills in `{name}` fields for one problem."""

    def __init__(self, src: Located) -> None:
        self.src = src
        self.names: dict[str, Any] = {"mlsysim": mlsysim, "math": math}

    def eval(self, expr: Any, *path: str | int) -> Any:
        if not isinstance(expr, str | int | float):
            raise self.src.error("an expression must be text or a number", *path)
        try:
            # names go in the globals, so generator expressions inside `expr` can see them
            return eval(str(expr), {"__builtins__": _SAFE_BUILTINS, **self.names})  # noqa: S307
        except Exception as exc:  # any failure of an author's expression is a source error
            raise self.src.error(f"cannot evaluate '{expr}': {type(exc).__name__}: {exc}",
                                 *path) from None

    def fill(self, text: Any, allowed: set[str] | None, *path: str | int) -> str:
        if not isinstance(text, str) or not text.strip():
            raise self.src.error("must be non-empty text", *path)

        def sub(m: re.Match) -> str:
            name, fmt, arg = m.groups()
            if name not in self.names or (allowed is not None and name not in allowed):
                where = "given values" if allowed is not None else "values defined so far"
                raise self.src.error(f"'{{{name}}}' is not one of the {where}", *path)
            try:
                return format_value(self.names[name], fmt, arg)
            except (ValueError, TypeError) as exc:
                raise self.src.error(f"cannot format '{{{m.group(0)[1:-1]}}}': {exc}",
                                     *path) from None
        return _FIELD.sub(sub, text.strip())

    def define(self, name: Any, value: Any, *path: str | int) -> None:
        if not isinstance(name, str) or not name.isidentifier() or name in ("mlsysim", "math"):
            raise self.src.error(f"'{name}' is not a usable name", *path)
        self.names[name] = value


def _part(scope: _Scope, raw: Any, given: set[str], path: tuple) -> Part:
    if not isinstance(raw, dict):
        raise scope.src.error("each part must be a mapping with a prompt", *path)
    unknown = sorted(set(raw) - _PART_KEYS)
    if unknown:
        raise scope.src.error(f"unknown part field '{unknown[0]}'", *path, unknown[0])
    letter = "abcdefghij"[path[-1]]
    prompt = scope.fill(raw.get("prompt"), given, *path, "prompt")
    kind, value, choices = "open", None, tuple(raw.get("choices") or ())
    if "answer" in raw:
        value = scope.eval(raw["answer"], *path, "answer")
        if choices:
            kind = "choice"
            if value not in choices:
                raise scope.src.error(f"answer '{value}' is not one of {list(choices)}",
                                      *path, "answer")
        elif isinstance(value, int | float) and math.isfinite(value):
            kind, value = "numeric", float(value)
        else:
            raise scope.src.error(f"answer is {value!r}, not a finite number", *path, "answer")
        if raw.get("name"):
            scope.define(raw["name"], value, *path, "name")
    tol = raw.get("tolerance", 0.02)
    if not isinstance(tol, int | float) or not 0 < tol < 1:
        raise scope.src.error("tolerance must be a fraction between 0 and 1", *path, "tolerance")
    return Part(letter, prompt, "", kind, value, str(raw.get("unit", "")), float(tol),
                choices)


def _problem(src: Located, raw: Any, n: int) -> Problem:
    path = ("problems", n)
    if not isinstance(raw, dict):
        raise src.error("each problem must be a mapping", *path)
    unknown = sorted(set(raw) - _PROBLEM_KEYS)
    if unknown:
        raise src.error(f"unknown problem field '{unknown[0]}'", *path, unknown[0])
    if raw.get("kind") not in KINDS:
        raise src.error(f"kind must be one of {', '.join(KINDS)}", *path, "kind")
    scope = _Scope(src)
    given = raw.get("given") or {}
    if not isinstance(given, dict):
        raise src.error("'given' must be a mapping of name: expression", *path, "given")
    for name, expr in given.items():
        scope.define(name, scope.eval(expr, *path, "given", name), *path, "given", name)
    setup = scope.fill(raw.get("setup"), set(given), *path, "setup")
    parts = raw.get("parts")
    if not isinstance(parts, list) or not parts or len(parts) > 10:
        raise src.error("'parts' must be a list of 1 to 10 parts", *path, "parts")
    done = [_part(scope, p, set(given), (*path, "parts", i)) for i, p in enumerate(parts)]
    # solutions may quote any value of the problem, so they are filled in once all exist
    done = [replace(d, solution=scope.fill(p.get("solution"), None, *path, "parts", i,
                                           "solution"))
            for i, (d, p) in enumerate(zip(done, parts, strict=True))]
    return Problem(str(raw.get("id", n + 1)), scope.fill(raw.get("title"), set(), *path, "title"),
                   raw["kind"], setup, tuple(done))


@functools.lru_cache(maxsize=64)
def _parse(text: str, file: Path, digest: str) -> ProblemSet:
    src = loads(text, file)
    data = src.data
    if not isinstance(data, dict) or not isinstance(data.get("problems"), list):
        raise src.error("a problem set is a mapping with 'chapter', 'title' and 'problems'")
    problems = tuple(_problem(src, raw, n) for n, raw in enumerate(data["problems"]))
    ids = [p.id for p in problems]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup:
        raise src.error(f"problem id '{dup}' is used twice", "problems")
    return ProblemSet(str(data.get("chapter")), str(data.get("title", "")),
                      str(data.get("intro", "")).strip(), problems, file)


def load_problem_set(file: Path, idx: Index | None = None) -> ProblemSet:
    """Read, evaluate and check one problem set (cached by content)."""
    try:
        text = Path(file).read_text("utf-8")
    except OSError as exc:
        raise SourceError(file, None, f"cannot read: {exc.strerror or exc}") from None
    ps = _parse(text, Path(file), hashlib.sha256(text.encode()).hexdigest())
    expected = f"vol1/{Path(file).stem}"
    if ps.chapter != expected:
        raise SourceError(file, 1, f"chapter must be '{expected}' (the file's name), "
                          f"not '{ps.chapter}'")
    if idx is not None and idx.get(ps.chapter) is None:
        raise SourceError(file, 1, f"no chapter '{ps.chapter}' in Volume I")
    return ps


def problem_files(root: Path) -> list[Path]:
    """Every problem-set file of the hub, by chapter stem."""
    return sorted((Path(root) / "instructors" / "problems").glob("*.yaml"))


def find_problem_set(root: Path, chapter: str) -> ProblemSet:
    """The problem set of `vol1/<stem>` (or `<stem>`)."""
    stem = chapter.removeprefix("pset:").removeprefix("vol1/")
    file = Path(root) / "instructors" / "problems" / f"{stem}.yaml"
    if not file.is_file():
        known = ", ".join(f"vol1/{f.stem}" for f in problem_files(root)) or "none"
        raise SourceError(file, None, f"no problem set for '{chapter}' (known: {known})")
    return load_problem_set(file)
