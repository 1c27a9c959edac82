"""Packaging glue that pyproject.toml alone cannot express.

The module folders live at `tinytorch/modules` (where the lessons site is rendered from) but
must ship inside the wheel so `tito` works after a plain `pip install tinytorch`. Mapping
that folder to the data package `tito.modules` needs an explicit package list next to the
packages found under `src/`.

An editable install (`pip install -e ./tinytorch`) leaves that mapping out on purpose. With it,
setuptools cannot express the install as one `src` entry on `sys.path` and falls back to an
import hook that runs *after* Python's own path search; from the repository root that search
finds the project folder `tinytorch/` first and imports it as an empty namespace package, so
`import tinytorch` silently gave the wrong thing. Without the mapping the editable install is a
plain `.pth` line, a regular package always beats a namespace folder, and tito reads the module
folders from the checkout (`tito.curriculum.curriculum_dir`).
"""

import sys

from setuptools import find_packages, setup

EDITABLE = any(cmd in sys.argv for cmd in ("editable_wheel", "develop"))

packages = find_packages("src")
package_dir = {"": "src"}
if not EDITABLE:
    packages.append("tito.modules")
    package_dir["tito.modules"] = "modules"

setup(packages=packages, package_dir=package_dir)
