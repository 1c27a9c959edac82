"""Packaging glue that pyproject.toml alone cannot express.

The learner's distribution. `tinytorch` is what a learner installs, so its wheel and sdist carry
the framework with every solution region replaced by the stub a workspace receives
(`tito.stub.stub_file`, numbered by the module that owns the file); the reference solutions ship
only in the separate `tinytorch-reference` distribution built from `reference/`.

The module folders live at `tinytorch/modules` (where the lessons site is rendered from) but
must ship inside the wheel so `tito` works after a plain `pip install tinytorch`. Mapping
that folder to the data package `tito.modules` needs an explicit package list next to the
packages found under `src/`.

An editable install (`pip install -e ./tinytorch`) is the developer's and instructor's install:
it keeps the reference (the project's own tests need it) and leaves the module mapping out on
purpose. With the mapping, setuptools cannot express the install as one `src` entry on
`sys.path` and falls back to an import hook that runs *after* Python's own path search; from the
repository root that search finds the project folder `tinytorch/` first and imports it as an
empty namespace package. Without the mapping the editable install is a plain `.pth` line, a
regular package always beats a namespace folder, and tito reads the module folders from the
checkout (`tito.curriculum.curriculum_dir`).
"""

import importlib.util
import sys
import types
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
EDITABLE = any(cmd in sys.argv for cmd in ("editable_wheel", "develop"))


_BUILD_PKG = "_tt_build"  # tito's own modules, loaded as a package without importing tito


def _load(name: str, path: Path):
    """Load `path` as `_tt_build.<name>`, so its relative imports (`from .errors import ...`)
    resolve inside the source tree; the build must not import the installed or editable tito."""
    if _BUILD_PKG not in sys.modules:
        pkg = types.ModuleType(_BUILD_PKG)
        pkg.__path__ = [str(path.parent)]
        sys.modules[_BUILD_PKG] = pkg
    full = f"{_BUILD_PKG}.{name}"
    spec = importlib.util.spec_from_file_location(full, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def stub_package(pkg: Path, modules_dir: Path) -> int:
    """Replace every solution region under `pkg` in place; returns the number of files stubbed.

    A file with a region that no module's `sources` claims is an error: its number would be
    unknown, and shipping it unstubbed would hand out the answer.
    """
    stub = _load("stub", HERE / "src" / "tito" / "stub.py")
    curriculum = _load("curriculum", HERE / "src" / "tito" / "curriculum.py")
    owner = {src: mod.number for mod in curriculum.load_curriculum(modules_dir)
             for src in mod.sources}
    done = 0
    for path in sorted(pkg.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if stub.BEGIN not in text:
            continue
        rel = path.relative_to(pkg).as_posix()
        if rel not in owner:
            raise SystemExit(f"{path}: has solution regions but no module.yaml lists '{rel}'")
        stubbed = stub.stub_source(text, owner[rel], str(path))
        path.unlink()  # sdist hard-links its tree to the sources: never write through the link
        path.write_text(stubbed, encoding="utf-8")
        done += 1
    return done


class LearnerBuildPy(build_py):
    """Copy the packages as usual, then stub the framework's solution regions in the copy."""

    def run(self) -> None:
        super().run()
        if not EDITABLE:
            stub_package(Path(self.build_lib) / "tinytorch", HERE / "modules")


class LearnerSdist(sdist):
    """The source distribution a learner could install from carries the stubs too."""

    def make_release_tree(self, base_dir, files) -> None:
        super().make_release_tree(base_dir, files)
        stub_package(Path(base_dir) / "src" / "tinytorch", HERE / "modules")


packages = find_packages("src")
package_dir = {"": "src"}
if not EDITABLE:
    packages.append("tito.modules")
    package_dir["tito.modules"] = "modules"

setup(packages=packages, package_dir=package_dir,
      cmdclass={"build_py": LearnerBuildPy, "sdist": LearnerSdist})
