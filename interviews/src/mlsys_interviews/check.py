"""`mlsys interviews check`: every problem in the question bank, as `file:line: severity: msg`.

It validates each file against the schema, looks for duplicate ids, resolves links against
the book, labs and TinyTorch, evaluates every napkin step, and compares each step that
carries a hand-computed `expect` with the recomputed value at the step's rounding.
"""

from __future__ import annotations

from pathlib import Path

from .bank import questions_dir
from .catalog import Catalog, load_catalog
from .errors import QuestionError
from .loader import Located, load_question, question_files
from .napkin import StepValue, agrees, evaluate
from .schema import TRACKS


def _link_problems(loc: Located, catalog: Catalog) -> list[str]:
    out = []
    known = {"chapters": catalog.chapters, "labs": catalog.labs, "modules": catalog.modules}
    what = {"chapters": "book chapter (see book/_quarto-vol*.yml)",
            "labs": "lab (see labs/labs.yaml)", "modules": "TinyTorch module number"}
    for kind, names in known.items():
        for i, name in enumerate(getattr(loc.question.links, kind)):
            if name not in names:
                out.append(f"{loc.file}:{loc.line('links', kind, i)}: error: links.{kind}: "
                           f"'{name}' is not a {what[kind]}")
    return out


def _expect_problems(loc: Located, values: tuple[StepValue, ...]) -> list[str]:
    out = []
    for step, v, line in zip(loc.question.napkin, values, loc.step_lines, strict=True):
        if step.expect is not None and not agrees(v.value, step.expect, step.round):
            out.append(f"{loc.file}:{line}: error: napkin step '{step.name}': computes "
                       f"{v.value:.6g} but expect is {step.expect:g} (at {step.round} figures)")
    return out


def _layout_problems(qdir: Path) -> list[str]:
    """Files the loader would never read: stray files, unknown track folders, other suffixes."""
    out = []
    if not qdir.is_dir():
        return [f"{qdir}: error: the questions folder is missing"]
    for p in sorted(qdir.iterdir()):
        if p.is_file() and not p.name.startswith("."):
            out.append(f"{p}: error: question files live in a track folder "
                       f"(questions/<track>/{p.name})")
        elif p.is_dir() and p.name not in TRACKS:
            out.append(f"{p}: error: '{p.name}' is not a track (one of {', '.join(TRACKS)})")
        elif p.is_dir():
            out += [f"{f}: error: not a question file (expected .yaml)" for f in sorted(p.iterdir())
                    if f.suffix not in (".yaml", ".yml") and not f.name.startswith(".")]
    return out


def check_bank(root: Path) -> list[str]:
    """All problems of the question bank under `root` (empty when everything is right)."""
    catalog = load_catalog(root)
    problems: list[str] = _layout_problems(questions_dir(root))
    seen: dict[str, Path] = {}
    for path in question_files(questions_dir(root)):
        try:
            loc = load_question(path)
            values = evaluate(loc)
        except QuestionError as exc:
            problems.append(str(exc))
            continue
        qid = loc.question.id
        if qid in seen:
            problems.append(f"{path}:{loc.line('id')}: error: id: '{qid}' is also used by {seen[qid]}")
        seen.setdefault(qid, path)
        problems += _link_problems(loc, catalog) + _expect_problems(loc, values)
    return problems


def check(root: Path) -> list[str]:
    """The `check:` hook of curriculum.yml (same as `check_bank`)."""
    return check_bank(root)
