"""Which TinyTorch a run uses: the learner's workspace package or the reference solutions.

The learner's wheel (`pip install tinytorch`) holds stubs only. The reference lives in its own
distribution, `tinytorch-reference`, imported as `tinytorch_ref` so both can be installed side
by side. In a source checkout (`pip install -e ./tinytorch`) the installed `tinytorch` *is* the
reference, with its solution regions marked; that is what the project's own tests use.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from .curriculum import reference_package_dir
from .errors import TitoError
from .stub import BEGIN

REFERENCE_DIST = "tinytorch-reference"
REFERENCE_IMPORT = "tinytorch_ref"
WORKSPACE_SWITCH = "TINYTORCH_WORKSPACE"  # "off": no hand-over to a workspace (tinytorch/_workspace.py)


class ReferenceMissingError(TitoError):
    """`--reference` was asked for but no reference implementation is installed."""


def installed_has_solutions() -> bool:
    """True when the installed `tinytorch` is a source checkout with its solution regions."""
    pkg = reference_package_dir()
    return any(BEGIN in p.read_text(encoding="utf-8") for p in pkg.rglob("*.py"))


def reference_label() -> str | None:
    """How the reference is available, in words (no path to it), or None when it is not."""
    if importlib.util.find_spec(REFERENCE_IMPORT) is not None:
        try:
            return f"{REFERENCE_DIST} {version(REFERENCE_DIST)}"
        except PackageNotFoundError:
            return REFERENCE_DIST
    if installed_has_solutions():
        return "the source checkout's tinytorch (editable install)"
    return None


def require_reference() -> str:
    """The reference's label, or a `ReferenceMissingError` that says how to get it."""
    label = reference_label()
    if label is None:
        raise ReferenceMissingError(
            f"the reference implementation is not installed: this tinytorch holds the learner's "
            f"stubs only. Instructors install it with `pip install {REFERENCE_DIST}` (built by "
            "`mlsys build tinytorch` into dist/); learners run milestones on their own code "
            "without --reference."
        )
    return label


def use_reference() -> ModuleType:
    """Make `import tinytorch` mean the reference in this interpreter (call before any import)."""
    require_reference()
    os.environ[WORKSPACE_SWITCH] = "off"
    if importlib.util.find_spec(REFERENCE_IMPORT) is None:
        return importlib.import_module("tinytorch")
    ref = importlib.import_module(REFERENCE_IMPORT)
    for info in pkgutil.walk_packages(ref.__path__, f"{REFERENCE_IMPORT}."):
        importlib.import_module(info.name)
    for name, mod in list(sys.modules.items()):
        if name == REFERENCE_IMPORT or name.startswith(f"{REFERENCE_IMPORT}."):
            sys.modules["tinytorch" + name[len(REFERENCE_IMPORT):]] = mod
    return ref


def describe(module: ModuleType, reference: bool) -> str:
    """One line naming the implementation a run used, e.g. for `tito milestone run`."""
    where = getattr(module, "__file__", "?")
    if reference:
        return f"implementation: reference ({reference_label()}, {where})"
    return f"implementation: your workspace ({where})"
