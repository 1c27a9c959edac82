"""`mlsys build tinytorch|mlsysim` and `mlsys publish PACKAGE`: sdist + wheel, twine-checked,
uploaded with twine to a real pypiserver on 127.0.0.1, then installed from it in a fresh venv."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main
from mlsys.dists import build_all, build_dists
from mlsys.model import BuildError

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "site_repo"
TINYTORCH_DEPS = ["numpy>=1.26", "click>=8.1", "rich>=13.7", "pyyaml>=6.0", "pytest>=8.0",
                  "hypothesis>=6.100"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                   cwd=cwd, check=True, capture_output=True)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A pypiserver on 127.0.0.1 accepting uploads without authentication; (url, folder)."""
    server = shutil.which("pypi-server") or str(Path(sys.executable).with_name("pypi-server"))
    if not Path(server).exists():
        pytest.skip("pypiserver is not installed (pip install -e '.[dev]')")
    folder = tmp_path / "index"
    folder.mkdir()
    port = free_port()
    proc = subprocess.Popen([server, "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".",
                             "-P", ".", "--disable-fallback", "--log-stream", "none",
                             str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "simple/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("pypiserver did not start within 20 s")
        yield url, folder
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A miniature curriculum holding a copy of the real tinytorch package and a quick test."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    shutil.copytree(REPO / "tinytorch", root / "tinytorch", ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__", "tests", ".tito"))
    (root / "tt_tests").mkdir()
    (root / "tt_tests" / "test_quick.py").write_text("def test_ok():\n    pass\n")
    (root / ".gitignore").write_text("_site/\n.mlsys-cache/\n__pycache__/\ndist/\n")
    with (root / "curriculum.yml").open("a") as f:
        f.write("  - id: tinytorch\n    title: TinyTorch\n    kind: quarto\n"
                "    path: tinytorch/modules\n    url: tinytorch/\n    nav: Build\n"
                "    tests: [tt_tests]\n    package: tinytorch\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "fixture")
    monkeypatch.chdir(root)
    return root


# mlsysim's sdist and wheel are built from a copy, checked by twine, and carry the data files.
def test_build_dists_makes_a_checked_sdist_and_wheel(tmp_path: Path) -> None:
    dists = build_dists(REPO / "mlsysim", tmp_path / "dist")
    assert dists.sdist.name == f"mlsysim-{dists.version}.tar.gz"
    assert dists.wheel.name.startswith(f"mlsysim-{dists.version}-py3")
    with zipfile.ZipFile(dists.wheel) as z:
        assert any(n.startswith("mlsysim/data/") and n.endswith(".yaml") for n in z.namelist())
    with tarfile.open(dists.sdist) as t:
        assert f"mlsysim-{dists.version}/pyproject.toml" in t.getnames()
    assert not list((REPO / "mlsysim").glob("*.egg-info"))  # the sources stay untouched
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == sorted(
        [dists.sdist.name, dists.wheel.name])


# tinytorch builds as two distributions from one source: the learner's (stubs) and the
# instructors' tinytorch-reference (its [tool.mlsys] companion), each twine-checked.
def test_build_all_makes_the_learner_and_the_reference_distributions(tmp_path: Path) -> None:
    learner, reference = build_all(REPO / "tinytorch", tmp_path / "dist")
    assert (learner.name, reference.name) == ("tinytorch", "tinytorch-reference")
    assert reference.version == learner.version
    with zipfile.ZipFile(learner.wheel) as z:
        autograd = z.read("tinytorch/autograd.py").decode()
    with zipfile.ZipFile(reference.wheel) as z:
        ref_autograd = z.read("tinytorch_ref/autograd.py").decode()
    assert "# BEGIN SOLUTION" not in autograd and "TODO(module 02)" in autograd
    assert "# BEGIN SOLUTION" in ref_autograd
    assert len(list((tmp_path / "dist").iterdir())) == 4
    assert not (REPO / "tinytorch" / "reference" / "src").exists()  # built from a copy


# A build requirement the installed tools do not meet is named with its pyproject line,
# before anything is built (the cause of the old setuptools 65 failure in fresh venvs).
def test_an_unmet_build_requirement_names_its_line(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\n\n[build-system]\n'
        'requires = ["setuptools>=999"]\nbuild-backend = "setuptools.build_meta"\n')
    with pytest.raises(BuildError) as err:
        build_dists(proj, tmp_path / "dist")
    msg = str(err.value)
    assert "pyproject.toml:6: error: setuptools" in msg and "building needs setuptools>=999" in msg
    assert not (tmp_path / "dist").exists()


# Publish uploads both files with twine (dry run sends nothing), and a fresh venv installs
# tinytorch from that index alone and runs it.
@pytest.mark.slow
def test_publish_to_a_local_pypiserver_then_install_in_a_fresh_venv(
        repo: Path, index: tuple[str, Path], tmp_path: Path) -> None:
    url, folder = index
    code, out = run("publish", "tinytorch", "--to", url, "--dry-run")
    assert code == 0, out
    assert f"would publish tinytorch to {url}: 2 file(s)" in out
    assert "tinytorch-0.1.0.tar.gz" in out and list(folder.iterdir()) == []
    code, out = run("publish", "tinytorch", "--to", url)
    assert code == 0, out
    assert "tinytorch-reference 0.1.0: built in dist/" in out and "not uploaded" in out
    assert sorted(p.name for p in folder.iterdir()) == [
        "tinytorch-0.1.0-py3-none-any.whl", "tinytorch-0.1.0.tar.gz"]

    # the index also needs tinytorch's dependencies, so the install uses it alone
    got = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:",
                          "--dest", str(folder), *TINYTORCH_DEPS], capture_output=True, text=True)
    if got.returncode != 0:
        pytest.skip(f"cannot fetch tinytorch's dependencies from PyPI: {got.stderr[-300:]}")
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no find-links or extra index of this machine
    r = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--index-url",
                        url + "simple/", "tinytorch"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    r = subprocess.run([str(venv / "bin" / "python"), "-c",
                        "import tinytorch, tito; print(tinytorch.__file__)"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(venv))
    r = subprocess.run([str(venv / "bin" / "tito"), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "module" in r.stdout


# An index that does not answer is a clear error, and the built files stay in dist/.
def test_publish_to_an_unreachable_index_fails_clearly(repo: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    code, out = run("publish", "tinytorch", "--to", url)
    assert code == 1
    assert f"upload to {url} failed" in out
    assert (repo / "dist" / "tinytorch-0.1.0.tar.gz").is_file()


# A package destination must be an index URL, not a folder.
def test_publish_a_package_to_a_path_is_refused(repo: Path) -> None:
    code, out = run("publish", "tinytorch", "--to", "some/folder")
    assert code == 1 and "--to must be a package index URL" in out
