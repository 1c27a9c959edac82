"""sdist + wheel of a part's Python distribution (`mlsys build tinytorch|mlsysim`), and upload.

The build runs without isolation (the build has no business fetching setuptools), so before it
starts we check that the installed build tools satisfy the project's own
`[build-system] requires`, and name the line that asks for more. It builds from a copy of the
sources (setuptools writes `build/` and `*.egg-info` next to them), makes the wheel from the
sdist (so the sdist is proven complete), runs `twine check --strict`, and only then moves both
files into `dist/`: a failed build leaves `dist/` as it was.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from mlsys.model import BuildError, Problem

_IGNORE = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", ".venv",
                                 ".pytest_cache", ".mlsys-cache", "*.pyc")
_INSTALL_HINT = "pip install -e '.[publish]'"


@dataclass(frozen=True)
class Dists:
    """The two files a package build produced, in `dist/`."""

    name: str
    version: str
    sdist: Path
    wheel: Path

    @property
    def files(self) -> tuple[Path, Path]:
        return (self.sdist, self.wheel)


def build_dists(project: Path, out: Path, subdir: str = "") -> Dists:
    """Build `project` (a folder with pyproject.toml) into `out`; raise `BuildError` if not.

    With `subdir`, the distribution is the sub-project `project/subdir`, built inside a copy of
    the whole of `project` so it can read sources beside it (tinytorch's `reference/`).
    """
    project = Path(project).resolve()
    target = project / subdir if subdir else project
    meta = _read_pyproject(target)
    check_build_requirements(target)
    with tempfile.TemporaryDirectory(prefix="mlsys-dist-") as tmp:
        src = Path(tmp) / project.name
        shutil.copytree(project, src, ignore=_IGNORE)
        src = src / subdir if subdir else src
        built = Path(tmp) / "out"
        _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(built), str(src)],
             target / "pyproject.toml", "the package build failed")
        sdist = _one(built, "*.tar.gz", target)
        wheel = _one(built, "*.whl", target)
        _run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
             target / "pyproject.toml", "twine check failed")
        out.mkdir(parents=True, exist_ok=True)
        final = [out / f.name for f in (sdist, wheel)]
        for f, dest in zip((sdist, wheel), final, strict=True):
            shutil.move(f, dest.with_suffix(dest.suffix + ".part"))
        for dest in final:
            dest.with_suffix(dest.suffix + ".part").replace(dest)
    return Dists(meta["name"], meta["version"], final[0], final[1])


def companions(project: Path) -> list[str]:
    """Sub-projects built along with `project`: `[tool.mlsys] companions` of its pyproject."""
    file = Path(project) / "pyproject.toml"
    data = tomllib.loads(file.read_text("utf-8"))
    names = data.get("tool", {}).get("mlsys", {}).get("companions", [])
    for name in names:
        if not (Path(project) / name / "pyproject.toml").is_file():
            raise BuildError([Problem("error", f"[tool.mlsys] companions: '{name}' has no "
                                      "pyproject.toml", file)])
    return list(names)


def build_all(project: Path, out: Path) -> list[Dists]:
    """The package's own sdist + wheel, then those of each companion (same sources)."""
    return [build_dists(project, out), *(build_dists(project, out, c)
                                         for c in companions(project))]


def _read_pyproject(project: Path) -> dict[str, str]:
    file = project / "pyproject.toml"
    try:
        data = tomllib.loads(file.read_text("utf-8"))
    except OSError as exc:
        raise BuildError([Problem("error", f"no Python package here: {exc}", file)]) from None
    except tomllib.TOMLDecodeError as exc:
        raise BuildError([Problem("error", f"invalid TOML: {exc}", file)]) from None
    proj = data.get("project") or {}
    if not proj.get("name") or not proj.get("version"):
        raise BuildError([Problem("error", "[project] needs a name and a version", file)])
    return {"name": str(proj["name"]), "version": str(proj["version"])}


def check_build_requirements(project: Path) -> None:
    """The installed build, twine and `[build-system] requires` satisfy the project."""
    from packaging.requirements import Requirement

    file = project / "pyproject.toml"
    text = file.read_text("utf-8")
    wanted = tomllib.loads(text).get("build-system", {}).get("requires", [])
    problems = []
    for spec in [*wanted, "build>=1.2", "twine>=5.1"]:
        req = Requirement(spec)
        try:
            have = version(req.name)
        except PackageNotFoundError:
            have = None
        if have is None or not req.specifier.contains(have, prereleases=True):
            line = next((i for i, t in enumerate(text.splitlines(), 1) if spec in t), None)
            got = f"{req.name} {have} is installed" if have else f"{req.name} is not installed"
            problems.append(Problem("error", f"{got}, but building needs {spec}; run "
                                    f"{_INSTALL_HINT}", file if line else None, line))
    if problems:
        raise BuildError(problems)


def _run(cmd: list[str], file: Path, what: str) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-12:])
        raise BuildError([Problem("error", f"{what}:\n{tail}", file)])


def _one(folder: Path, pattern: str, project: Path) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise BuildError([Problem("error", f"expected one {pattern} from the build, got "
                                  f"{len(found)}", project / "pyproject.toml")])
    return found[0]


def upload(files: tuple[Path, ...], repository_url: str) -> str:
    """Upload with twine to `repository_url`; returns twine's report. Credentials come from
    twine's own environment (`TWINE_USERNAME`, `TWINE_PASSWORD`) or its config file."""
    import os

    env = {**os.environ}
    env.setdefault("TWINE_USERNAME", "__token__" if "TWINE_PASSWORD" in env else "mlsys")
    env.setdefault("TWINE_PASSWORD", "")
    r = subprocess.run([sys.executable, "-m", "twine", "upload", "--non-interactive",
                        "--disable-progress-bar", "--repository-url", repository_url,
                        *map(str, files)], capture_output=True, text=True, timeout=600, env=env)
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).strip().splitlines()[-8:])
        raise BuildError([Problem("error", f"upload to {repository_url} failed:\n{tail}")])
    return r.stdout.strip()
