"""The house style of CONTRIBUTING.md, checked where a user (or a caller) would notice it:
the three CLIs answer `-h` and `--version` and end a user mistake with one `Error:` line and
status 1; each package has one exception root; every YAML reader reports the same line."""

from __future__ import annotations

import importlib
import inspect
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]


def _mlsys(*args: str) -> tuple[int, str]:
    from mlsys.cli import main

    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def _tito(*args: str) -> tuple[int, str]:
    from tito.cli import main

    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def _mlsysim(*args: str) -> tuple[int, str]:
    from mlsysim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's --help, --version and usage errors
            code = exc.code
    return code, out.getvalue() + err.getvalue()


CLIS = [_mlsys, _tito, _mlsysim]
NAMES = ["mlsys", "tito", "mlsysim"]


@pytest.mark.parametrize("cli", CLIS, ids=NAMES)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_cli_answers_short_and_long_help(cli, flag) -> None:
    code, out = cli(flag)
    assert code == 0 and "usage" in out.lower()


@pytest.mark.parametrize("cli", CLIS, ids=NAMES)
def test_every_cli_prints_its_version(cli) -> None:
    code, out = cli("--version")
    assert code == 0 and any(ch.isdigit() for ch in out)


def test_mlsys_subcommands_accept_short_help() -> None:
    for args in (["build", "-h"], ["check", "book", "-h"], ["labs", "run", "-h"]):
        code, out = _mlsys(*args)
        assert code == 0 and "Usage:" in out, args


@pytest.mark.parametrize("cli,args,needle", [
    (_mlsys, ["labs", "run", "no_such_lab"], "unknown lab 'no_such_lab'"),
    (_tito, ["module", "start", "42"], "no module '42'"),
    (_mlsysim, ["show", "H1000"], "H100"),
], ids=NAMES)
def test_a_user_mistake_is_one_error_line_and_status_1(cli, args, needle, tmp_path,
                                                       monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    if cli is _tito:
        args = ["--workspace", str(tmp_path), *args]
    code, out = cli(*args)
    lines = [line for line in out.splitlines() if line.strip()]
    assert code == 1, out
    assert lines[-1].startswith("Error: ") and needle in lines[-1], out
    assert "Traceback" not in out


def test_a_malformed_command_line_is_status_2_everywhere() -> None:
    assert _mlsys("build", "--no-such-option")[0] == 2
    assert _tito("--no-such-option")[0] == 2
    assert _mlsysim("train", "gpt-2", "--tokens", "lots", "--global-batch", "8")[0] == 2


ROOTS = {
    "mlsys.errors": "MlsysError",
    "tito.errors": "TitoError",
    "labkit.labs_yaml": "LabkitError",
    "mlsysim.errors": "MlsysimError",
    "mlsys_kits.errors": "KitError",
    "mlsys_interviews.errors": "InterviewError",
    "mlsys_instructors.errors": "InstructorsError",
    "mlsys_slides.errors": "SlidesError",
}
MEMBERS = {
    "mlsys": ["mlsys.model", "mlsys.site", "mlsys.parse", "mlsys.yamlsource",
              "mlsys.bookexport.errors"],
    "tito": ["tito.curriculum", "tito.workspace", "tito.stub", "tito.runner", "tito.milestones"],
    "labkit": ["labkit.labs_yaml"],
}


@pytest.mark.parametrize("package", sorted(MEMBERS))
def test_every_error_a_package_raises_has_its_one_root(package) -> None:
    root_module = next(m for m in ROOTS if m.split(".")[0] == package)
    root = getattr(importlib.import_module(root_module), ROOTS[root_module])
    errors = [cls for name in MEMBERS[package]
              for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass)
              if issubclass(cls, Exception) and cls.__module__.split(".")[0] == package]
    assert len(errors) >= 2
    assert [cls.__name__ for cls in errors if not issubclass(cls, root)] == []


def test_an_unknown_milestone_is_a_milestone_error() -> None:
    from tito.milestones import MilestoneError, find_milestone

    with pytest.raises(MilestoneError, match="no milestone 'abacus'"):
        find_milestone("abacus")


def test_an_unknown_lab_is_a_catalog_error_not_a_key_error() -> None:
    import labkit

    with pytest.raises(labkit.CatalogError, match="unknown lab 'nope'"):
        labkit.info("nope")


def test_every_yaml_reader_reports_the_line_of_a_syntax_error(tmp_path: Path) -> None:
    """One loader behind curriculum-style files, kits, interviews, instructors and labs."""
    from mlsys.model import BuildError
    from mlsys.project import read_yaml
    from mlsys_instructors.yamlsrc import loads
    from mlsys_interviews.loader import parse_question

    text = "title: t\nparts: none\n  id: 3\n"  # a value where a mapping cannot start
    bad = tmp_path / "bad.yml"
    bad.write_text(text)
    with pytest.raises(BuildError) as build:
        read_yaml(bad)
    line = build.value.problems[0].line
    assert line == 3
    with pytest.raises(Exception, match=rf"bad.yml:{line}\b"):
        parse_question(text, bad)
    with pytest.raises(Exception, match=rf"bad.yml:{line}\b"):
        loads(text, bad)
    (tmp_path / "labs.yaml").write_text(text)
    import labkit

    with pytest.raises(labkit.CatalogError, match=rf"labs.yaml:{line}\b"):
        labkit.catalog(tmp_path / "labs.yaml")
