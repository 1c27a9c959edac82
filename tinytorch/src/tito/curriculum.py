"""The curriculum: the 20 module folders (module.yaml, lesson.qmd, tests) tito teaches from.

tito ships inside the ``tinytorch`` wheel and must work in any folder, so it never assumes a
source checkout: the module folders are installed as the data package ``tito/modules`` and
the reference framework is the sibling package ``tinytorch``. In a source checkout (editable
install) the folders are found at ``tinytorch/modules`` instead. ``TITO_CURRICULUM`` overrides
both, which is how tests point tito at a small, hand-made curriculum.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import TitoError

GROUPS = ("foundation", "architectures", "optimisation", "capstone")
_DIR_RE = re.compile(r"^(\d\d)_([a-z0-9_]+)$")


class CurriculumError(TitoError):
    """A module folder is malformed; the message names the file (and line when known)."""


@dataclass(frozen=True)
class Lesson:
    """One module of the curriculum, as declared by its ``module.yaml``."""

    number: int
    name: str  # directory name, e.g. "01_tensor"
    title: str
    group: str
    requires: tuple[int, ...]
    sources: tuple[str, ...]  # relative to the reference package directory
    exports: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    summary: str = ""
    folder: Path = Path(".")

    @property
    def key(self) -> str:
        """Two-digit number, the way learners type it (``tito module start 03``)."""
        return f"{self.number:02d}"

    @property
    def short_name(self) -> str:
        """The name without its number prefix, e.g. ``tensor``."""
        return self.name.split("_", 1)[1]

    @property
    def test_file(self) -> Path:
        return self.folder / f"test_{self.name}.py"

    @property
    def lesson(self) -> Path:
        return self.folder / "lesson.qmd"


def reference_package_dir() -> Path:
    """Directory of the reference ``tinytorch`` package, located without importing it.

    Importing would be wrong here: inside a learner's workspace ``import tinytorch`` may pick up
    the learner's own copy, and tito must always stub from the reference.
    """
    env = os.environ.get("TITO_REFERENCE")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "tinytorch"


def curriculum_dir() -> Path:
    """Where the module folders live (installed data package, source checkout, or override)."""
    env = os.environ.get("TITO_CURRICULUM")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    installed = here / "modules"
    if installed.is_dir() and any(installed.glob("*/module.yaml")):
        return installed
    return here.parent.parent / "modules"


# The repository's one documented second copy of a line-aware YAML reader (the other is
# `mlsys.yamlsource`): tito ships in the learner's wheel, which must not depend on the
# authoring tools, and module.yaml files are flat, so a key's line is found by its prefix.
def _yaml_error(path: Path, exc: yaml.YAMLError) -> CurriculumError:
    mark = getattr(exc, "problem_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return CurriculumError(f"{path}{line}: invalid YAML: {problem}")


def _line_of(text: str, key: str) -> str:
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return f":{i}"
    return ""


def load_module(folder: Path) -> Lesson:
    """Read and validate one ``module.yaml``; raise CurriculumError naming the file and field."""
    path = folder / "module.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CurriculumError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(path, exc) from None
    if not isinstance(data, dict):
        raise CurriculumError(f"{path}: expected a mapping of fields, got {type(data).__name__}")

    def bad(key: str, why: str) -> CurriculumError:
        return CurriculumError(f"{path}{_line_of(text, key)}: field '{key}': {why}")

    for key in ("number", "name", "title", "group", "sources"):
        if key not in data:
            raise bad(key, "missing")
    number, name = data["number"], data["name"]
    _check_identity(number, name, folder, bad)
    group = str(data["group"]).lower()
    if group not in GROUPS:
        raise bad("group", f"'{group}' is not one of {', '.join(GROUPS)}")
    requires = data.get("requires") or []
    if not isinstance(requires, list) or not all(isinstance(r, int) for r in requires):
        raise bad("requires", "expected a list of module numbers")
    if any(r >= number for r in requires):
        raise bad("requires", "a module can only require modules with smaller numbers")
    sources = _check_sources(data["sources"] or [], bad)
    exports = _check_exports(data.get("exports") or {}, sources, bad)
    return Lesson(
        number=number,
        name=name,
        title=str(data["title"]),
        group=group,
        requires=tuple(requires),
        sources=tuple(sources),
        exports=exports,
        summary=str(data.get("summary", "")).strip(),
        folder=folder,
    )


_Bad = Callable[[str, str], CurriculumError]


def _check_identity(number: object, name: object, folder: Path, bad: _Bad) -> None:
    """`number` and `name` agree with each other and with the lesson's folder."""
    if not isinstance(number, int) or not 1 <= number <= 99:
        raise bad("number", f"expected an integer 1-99, got {number!r}")
    if name != folder.name:
        raise bad("name", f"'{name}' does not match the folder name '{folder.name}'")
    m = _DIR_RE.match(str(name))
    if not m or int(m.group(1)) != number:
        raise bad("name", f"'{name}' must look like '{number:02d}_<name>'")


def _check_sources(sources: object, bad: _Bad) -> list[str]:
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise bad("sources", "expected a list of paths relative to src/tinytorch/")
    for s in sources:
        if s.startswith("/") or ".." in Path(s).parts or not s.endswith(".py"):
            raise bad("sources", f"'{s}' must be a relative .py path inside the package")
    return sources


def _check_exports(exports_raw: object, sources: list[str], bad: _Bad
                   ) -> dict[str, tuple[str, ...]]:
    if not isinstance(exports_raw, dict):
        raise bad("exports", "expected a mapping {source path: [names]}")
    exports: dict[str, tuple[str, ...]] = {}
    for src, names in exports_raw.items():
        if src not in sources:
            raise bad("exports", f"'{src}' is not listed in sources")
        if not isinstance(names, list) or not all(
            isinstance(n, str) and n.isidentifier() for n in names
        ):
            raise bad("exports", f"names of '{src}' must be a list of identifiers")
        exports[src] = tuple(names)
    return exports


@lru_cache(maxsize=8)
def _load_all(root: str) -> tuple[Lesson, ...]:
    base = Path(root)
    if not base.is_dir():
        raise CurriculumError(f"{base}: curriculum folder not found (is tinytorch installed?)")
    modules = [load_module(d) for d in sorted(base.iterdir()) if (d / "module.yaml").is_file()]
    seen: dict[str, Path] = {}
    for mod in modules:
        for src in mod.sources:
            if src in seen:
                raise CurriculumError(
                    f"{mod.folder / 'module.yaml'}: source '{src}' already belongs to "
                    f"{seen[src].name}; every source file belongs to exactly one module"
                )
            seen[src] = mod.folder
    numbers = [m.number for m in modules]
    for mod in modules:
        for r in mod.requires:
            if r not in numbers:
                raise CurriculumError(
                    f"{mod.folder / 'module.yaml'}: field 'requires': module {r:02d} does not exist"
                )
    return tuple(modules)


def load_curriculum(root: Path | None = None) -> list[Lesson]:
    """All modules in number order (cached per folder; module.yaml files are small)."""
    return list(_load_all(str(root or curriculum_dir())))


def find_module(key: str, modules: list[Lesson] | None = None) -> Lesson:
    """Resolve what a learner typed: ``3``, ``03``, ``03_activations`` or ``activations``."""
    modules = modules if modules is not None else load_curriculum()
    k = key.strip().lower()
    for mod in modules:
        if k.isdigit() and int(k) == mod.number:
            return mod
        if k in (mod.name, mod.short_name):
            return mod
    known = ", ".join(m.key for m in modules) or "none"
    raise CurriculumError(f"no module '{key}' (known modules: {known})")
