"""The reference distribution `tinytorch-reference`, built from the learner package's sources.

The framework is written once, in `../src/tinytorch`, with its solution regions marked. The
learner's wheel stubs those regions (`../setup.py`); this one copies the sources unchanged into
`src/tinytorch_ref` (a different import name, so it installs beside the learner's `tinytorch`)
and packages that. The copy is refreshed on every build from a checkout; inside an unpacked
sdist, where `../src` does not exist, the copy made when the sdist was built is used.
"""

import shutil
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "src" / "tinytorch"
COPY = HERE / "src" / "tinytorch_ref"

if SOURCE.is_dir():
    shutil.rmtree(COPY, ignore_errors=True)
    shutil.copytree(SOURCE, COPY, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

setup(packages=find_packages("src"), package_dir={"": "src"})
