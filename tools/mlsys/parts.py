"""The parts of the curriculum as `mlsys test`, `mlsys build PART` and `mlsys publish` name them.

curriculum.yml lists the site's entries; several entries may form one part (`group: book` for
both volumes), and `test-parts:` adds parts with tests but no pages (the engine, `tools`).
A part knows its pytest folders, its extra checks (`"pkg.mod:func"`, called with the repository
root, returning `file:line: severity: message` strings) and the folder of its Python
distribution, if it ships one.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsys.build import CURRICULUM, Part, load_curriculum
from mlsys.model import BuildError, Problem
from mlsys.project import read_yaml


@dataclass(frozen=True)
class PartGroup:
    """One named part: the site entries it builds, its tests, checks and package."""

    name: str
    entries: tuple[Part, ...]
    tests: tuple[str, ...]
    checks: tuple[str, ...]
    package: str | None = None


def part_groups(root: Path) -> list[PartGroup]:
    """Every part of the curriculum, in file order: site entries grouped, then test-parts."""
    curriculum = load_curriculum(root)
    order: list[str] = []
    members: dict[str, list[Part]] = {}
    for part in curriculum.parts:
        if part.group not in members:
            order.append(part.group)
        members.setdefault(part.group, []).append(part)
    groups = [_merge(name, members[name]) for name in order]
    known = {g.name for g in groups}
    for extra in _test_parts(root):
        if extra.name in known:
            raise BuildError([Problem("error", f"test-parts: '{extra.name}' is already a part",
                                      root / CURRICULUM)])
        groups.append(extra)
    return groups


def _merge(name: str, parts: list[Part]) -> PartGroup:
    tests: list[str] = []
    checks: list[str] = []
    package = None
    for p in parts:
        tests += [t for t in p.tests if t not in tests]
        checks += [p.check] if p.check and p.check not in checks else []
        package = package or p.package
    return PartGroup(name, tuple(parts), tuple(tests), tuple(checks), package)


def _test_parts(root: Path) -> list[PartGroup]:
    """`test-parts:` entries (id, tests, optional check), each mistake with its line."""
    file = root / CURRICULUM
    data, loc = read_yaml(file)
    raw = (data or {}).get("test-parts") or []
    groups, problems = [], []
    for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
        line = loc.line("test-parts", i)
        tests = item.get("tests") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not item.get("id") or not isinstance(tests, list):
            problems.append(Problem("error", "each test-parts entry needs an id and a list of "
                                    "tests folders", file, line))
            continue
        check = item.get("check")
        groups.append(PartGroup(str(item["id"]), (), tuple(map(str, tests)),
                                (str(check),) if check else ()))
    if problems:
        raise BuildError(problems)
    return groups


def resolve_parts(root: Path, names: list[str] | tuple[str, ...]) -> list[PartGroup]:
    """The named parts (all of them for no name); an unknown name suggests the closest."""
    groups = part_groups(root)
    if not names:
        return groups
    by_name = {g.name: g for g in groups}
    problems = []
    for name in names:
        if name not in by_name:
            problems.append(Problem("error", unknown_part_message(name, list(by_name)),
                                    root / CURRICULUM))
    if problems:
        raise BuildError(problems)
    return [by_name[n] for n in dict.fromkeys(names)]


def unknown_part_message(name: str, known: list[str]) -> str:
    """`no part named 'tinytorh'; did you mean 'tinytorch'?` plus the list of parts."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"no part named '{name}'{hint} (parts: {', '.join(known)})"


def load_hook(spec: str, where: str) -> Callable[..., Any]:
    """Import `"package.module:function"`; a wrong name is a `BuildError` naming `where`."""
    module_name, _, func_name = spec.partition(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as exc:
        raise BuildError([Problem("error", f"{where}: cannot load '{spec}': {exc}")]) from None
    if not callable(func):
        raise BuildError([Problem("error", f"{where}: '{spec}' is not a function")])
    return func


def build_part(group: PartGroup, out: Path | None, strict: bool,
               progress: Callable[[str, int, int], None] | None) -> tuple[Any, Any]:
    """`mlsys build PART`: its site entries on disk, then its package (sdist + wheel).

    Returns (BuildResult or None, list of Dists or None)."""
    from mlsys.build import SiteBuilder, find_repo_root, skipped_for_tools
    from mlsys.dists import build_all

    root = find_repo_root()
    result = dists = None
    builder = SiteBuilder(root, out, strict=strict, progress=progress)
    entries = [e for e in group.entries if builder.curriculum.present(e)]
    lacking = skipped_for_tools(list(group.entries), root / CURRICULUM)
    if lacking and not entries and not group.package:
        raise BuildError([Problem("error", p.message, p.file, p.line) for p in lacking])
    if group.entries and not entries and not group.package:
        raise BuildError([Problem("error", f"part '{group.name}': nothing of it is on disk "
                                  f"({', '.join(e.path for e in group.entries)})",
                                  root / CURRICULUM)])
    if entries:
        result = builder.build(entries)
    if group.package:
        dists = build_all(root / group.package, root / "dist")
    return result, dists
