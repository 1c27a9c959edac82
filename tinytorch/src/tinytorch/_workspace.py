"""Learner code everywhere: `import tinytorch` inside a tito workspace means the learner's code.

A learner runs scripts from anywhere in their workspace (`python experiments/try.py`,
`cd notes && python -c "import tinytorch"`). Python puts the script's folder, not the workspace
root, first on `sys.path`, so the *installed* package would answer the import and the learner
would silently test code they did not write. The installed package therefore looks, before it
defines anything, for an enclosing workspace (a folder holding `.tito/` and a `tinytorch/`
package written by tito), searching upwards from the running script's folder and from the
current folder, and hands the import over to the package it finds.

`TINYTORCH_WORKSPACE=off` turns this off; `tito milestone run --reference` sets it so a reference
run inside a workspace really uses the reference.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

OFF_VARIABLE = "TINYTORCH_WORKSPACE"
# The first line of every `__init__.py` tito generates (tito.workspace.INIT_HEADER).
_LEARNER_INIT = '"""The learner\'s TinyTorch'


def _starts() -> list[Path]:
    """Folders to search upwards from: the running script's folder, then the current one."""
    out: list[Path] = []
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main:
        out.append(Path(main).resolve().parent)
    try:
        out.append(Path.cwd().resolve())
    except OSError:  # the current folder was deleted
        pass
    return out


def _is_workspace(folder: Path) -> bool:
    init = folder / "tinytorch" / "__init__.py"
    if not (folder / ".tito").is_dir() or not init.is_file():
        return False
    with init.open(encoding="utf-8") as fh:
        return fh.read(len(_LEARNER_INIT)) == _LEARNER_INIT


def find_workspace(installed_init: str) -> Path | None:
    """The learner's `tinytorch/` folder enclosing this run, or None (also when it is us)."""
    if os.environ.get(OFF_VARIABLE, "").lower() in ("off", "0", "no"):
        return None
    here = Path(installed_init).resolve().parent
    for start in _starts():
        for folder in (start, *start.parents):
            if _is_workspace(folder):
                pkg = (folder / "tinytorch").resolve()
                return None if pkg == here else pkg
    return None


def load_learner_package(name: str, pkg: Path) -> ModuleType:
    """Import the learner's package under `name`, replacing the installed one in `sys.modules`.

    Called while the installed `__init__` runs; the import system then returns whatever
    `sys.modules[name]` holds once that `__init__` finishes, i.e. the learner's package.
    """
    spec = importlib.util.spec_from_file_location(
        name, pkg / "__init__.py", submodule_search_locations=[str(pkg)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.modules.pop(f"{name}._workspace", None)  # ours, not the learner's
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
