"""`mlsys labs`: list, run, edit, export and test the marimo labs.

Commands only: the catalogue and the exporter live in `mlsys.labs`, which raises `LabError`
or `BuildError`; `mlsys.cli.user_errors` turns those into one line and exit status 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click

from mlsys.cli_common import headless_option, port_option, user_errors
from mlsys.errors import MlsysError
from mlsys.labs import Lab, catalog_or_fail, export_labs, find_lab, labs_dir
from mlsys.model import BuildError


# --------------------------------------------------------------------------- commands
@click.group()
def labs() -> None:
    """The marimo labs: list, run, edit, export and test them."""


@labs.command("list")
@user_errors
def list_cmd() -> None:
    """List every lab with its chapter and a one-line description."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Labs (mlsys labs run NAME)")
    table.add_column("name", style="bold")
    table.add_column("chapter")
    table.add_column("description")
    for lab in catalog_or_fail(None):
        table.add_row(lab.name, lab.chapter, lab.description)
    Console().print(table)


def run_child(cmd: list[str], env: dict[str, str], grace_s: float = 5.0) -> int:
    """Run `cmd` until it exits; SIGTERM or SIGINT to us stops it too.

    Without this, `kill PID` of `mlsys labs run` ended mlsys and left marimo's server holding
    its port. The handler only signals the child (waiting inside a signal handler would
    deadlock on `Popen`'s lock); a timer kills it if it is still there after `grace_s`.
    Returns the child's status, or 0 after Ctrl-C and 143 after SIGTERM."""
    proc = subprocess.Popen(cmd, env=env)
    stopped: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopped.append(signum)
        proc.terminate()
        timer = threading.Timer(grace_s, proc.kill)
        timer.daemon = True
        timer.start()

    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, on_signal) for sig in handled}
    try:
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:  # we are leaving for another reason: never leave it behind
            proc.kill()
            proc.wait()
    if stopped:
        return 0 if stopped[0] == signal.SIGINT else 128 + stopped[0]
    return code


def _marimo(verb: str, lab: Lab, extra: list[str]) -> None:
    cmd = [sys.executable, "-m", "marimo", verb, str(lab.path), *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(lab.path.parent), os.environ.get("PYTHONPATH", "")])}
    code = run_child(cmd, env)
    if code == 128 + signal.SIGTERM:
        sys.exit(code)  # stopped by `kill`: quietly, with the conventional status
    if code != 0:
        raise MlsysError(f"marimo {verb} exited with status {code}")


@labs.command("run")
@click.argument("name")
@port_option("Port on 127.0.0.1 (default: marimo's).")
@headless_option
@user_errors
def run_cmd(name: str, port: int | None, headless: bool) -> None:
    """Run a lab as an app on 127.0.0.1 (code read-only)."""
    lab = find_lab(name)
    extra = ["--host", "127.0.0.1"] + (["--port", str(port)] if port else [])
    _marimo("run", lab, extra + (["--headless"] if headless else []))


@labs.command("edit")
@click.argument("name")
@port_option("Port on 127.0.0.1 (default: marimo's).")
@headless_option
@user_errors
def edit_cmd(name: str, port: int | None, headless: bool) -> None:
    """Open a lab in marimo's editor on 127.0.0.1."""
    lab = find_lab(name)
    extra = ["--host", "127.0.0.1"] + (["--port", str(port)] if port else [])
    _marimo("edit", lab, extra + (["--headless"] if headless else []))


@labs.command("export")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: _site/labs/ at the repository root).")
@user_errors
def export_cmd(out: Path | None) -> None:
    """Export every lab as static HTML that loads nothing from another host."""
    folder = labs_dir()
    out = out or folder.parent / "_site" / "labs"
    try:
        items = export_labs(out, folder)
    except BuildError as exc:
        for p in exc.problems:
            click.secho(str(p), fg="red", err=True)
        raise click.ClickException(f"export failed: {len(exc.problems)} problem(s)") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the export to {out}: {exc.strerror} "
                                   f"({exc.filename})") from None
    click.echo(f"exported {len(items)} labs to {out}")


@labs.command("test", context_settings={"ignore_unknown_options": True})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@user_errors
def test_cmd(pytest_args: tuple[str, ...]) -> None:
    """Run the labs' test suite (labs/tests) with pytest; extra arguments go to pytest."""
    folder = labs_dir()
    code = subprocess.call([sys.executable, "-m", "pytest", str(folder / "tests"),
                            *pytest_args], cwd=folder.parent)
    if code != 0:
        raise MlsysError(f"labs tests failed (pytest exit status {code})")

