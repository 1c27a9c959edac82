"""Packaging glue that pyproject.toml alone cannot express.

The module folders live at ``tinytorch/modules`` (where the lessons site is rendered from) but
must ship inside the wheel so ``tito`` works after a plain ``pip install tinytorch``. Mapping
that folder to the data package ``tito.modules`` needs an explicit package list next to the
packages found under ``src/``.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages("src"), "tito.modules"],
    package_dir={"": "src", "tito.modules": "modules"},
)
