"""``tito``: the TinyTorch student CLI.

One small function per verb. Everything a learner can get wrong (unknown module, missing
prerequisites, edited files, broken YAML) ends as a ``click.ClickException`` with a message and
a non-zero exit — never a traceback.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .curriculum import (
    CurriculumError,
    Lesson,
    curriculum_dir,
    find_module,
    load_curriculum,
)
from .errors import TitoError
from .implementation import (
    WORKSPACE_SWITCH,
    installed_has_solutions,
    reference_label,
    require_reference,
)
from .runner import TestReport, child_env, run_module_tests
from .workspace import Workspace, WorkspaceError, enclosing_workspace

console = Console(highlight=False)


@dataclass(frozen=True)
class TitoState:
    """What the `tito` group passes to its commands: the `--workspace` given before the verb."""

    workspace: Path | None = None


def _friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our domain errors into ClickExceptions (message + exit 1, no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TitoError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def _workspace_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--workspace",
        "-w",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Workspace folder (default: the --workspace given to tito, or the current folder).",
    )(fn)


def _ws(ctx: click.Context, workspace: Path | None) -> Workspace:
    state = ctx.find_object(TitoState)
    root = workspace or (state.workspace if state else None) or enclosing_workspace(Path.cwd())
    return Workspace(Path(root))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@_workspace_option
@click.version_option(package_name="tinytorch", prog_name="tito")
@click.pass_context
def main(ctx: click.Context, workspace: Path | None) -> None:
    """Build your own deep-learning framework, one module at a time.

    Typical loop: `tito module start 01`, edit tinytorch/tensor.py, `tito module test 01`,
    `tito module complete 01`, then the next module.
    """
    ctx.obj = TitoState(workspace)


# ----------------------------------------------------------------------------- module


@main.group()
def module() -> None:
    """Start, test, complete or reset a module."""


@module.command("list")
@_friendly
def module_list() -> None:
    """List the modules with their prerequisites."""
    table = Table(title="TinyTorch modules")
    for col in ("#", "module", "group", "requires", "summary"):
        table.add_column(col)
    for m in load_curriculum():
        req = " ".join(f"{r:02d}" for r in m.requires) or "-"
        table.add_row(m.key, m.title, m.group, req, m.summary)
    console.print(table)


@module.command("start")
@click.argument("name")
@click.option("--force", is_flag=True, help="Ignore prerequisites and replace edited files (backed up).")
@_workspace_option
@click.pass_context
@_friendly
def module_start(ctx: click.Context, name: str, force: bool, workspace: Path | None) -> None:
    """Copy module NAME's source files, with the solutions removed, into your workspace."""
    ws = _ws(ctx, workspace)
    modules = load_curriculum()
    mod = find_module(name, modules)
    written, backup = ws.start(mod, modules, force=force)
    console.print(f"[bold green]Started module {mod.key}: {mod.title}[/]")
    for p in written:
        console.print(f"  wrote {p.relative_to(ws.root)}")
    if backup:
        console.print(f"  your previous files were saved to {backup.relative_to(ws.root)}")
    console.print(f"Read the lesson: {lesson_page(mod)}")
    console.print(f"Then fill in every `NotImplementedError` and run `tito module test {mod.key}`.")


def lesson_page(mod: Lesson) -> str:
    """Where the learner reads module `mod`'s lesson: the built page, not its `.qmd` source.

    In a checkout whose site is built this is the page's `file://` address; otherwise it says
    which page of the site to open and how to build it.
    """
    rel = f"tinytorch/{mod.name}/lesson.html"
    site = curriculum_dir().resolve().parent.parent / "_site" / rel
    if site.is_file():
        return site.as_uri()
    return (f"the page {rel} of the curriculum site "
            "(build it with `mlsys build`, then open it with `mlsys preview`)")


def _print_report(report: TestReport, ws: Workspace, verbose: bool = False) -> None:
    table = Table(title=f"Module {report.module.key}: {report.module.title}")
    table.add_column("behaviour")
    table.add_column("result")
    table.add_column("details", overflow="fold")
    styles = {"passed": "[green]pass[/]", "skipped": "[yellow]skip[/]",
              "failed": "[red]FAIL[/]", "error": "[red]ERROR[/]"}
    for r in report.results:
        table.add_row(r.behaviour, styles.get(r.outcome, r.outcome),
                      "" if r.outcome == "passed" else r.message)
    console.print(table)
    if verbose:
        for r in report.results:
            if r.outcome in ("failed", "error") and r.details:
                console.rule(f"[red]{r.behaviour}[/]")
                console.print(r.details, markup=False)
    where = report.tinytorch_file or "(tinytorch was not imported)"
    console.print(f"implementation: your workspace (tested: {where})", markup=False)
    c = report.counts
    summary = ", ".join(f"{v} {k}" for k, v in sorted(c.items())) or "no tests ran"
    colour = "green" if report.passed else "red"
    console.print(f"[bold {colour}]{summary}[/]")


def _run(ctx: click.Context, name: str, workspace: Path | None,
         verbose: bool = False) -> tuple[Workspace, TestReport]:
    ws = _ws(ctx, workspace)
    modules = load_curriculum()
    mod = find_module(name, modules)
    prog = ws.load_progress()
    if mod.number not in prog.started:
        raise click.ClickException(
            f"module {mod.key} is not started in {ws.root}; run `tito module start {mod.key}` first"
        )
    ws.rewrite_init(modules)
    report = run_module_tests(ws.root, mod)
    _print_report(report, ws, verbose)
    if report.tinytorch_file and not Path(report.tinytorch_file).resolve().is_relative_to(ws.root):
        raise click.ClickException(
            f"the tests imported {report.tinytorch_file}, not your workspace; "
            f"is {ws.package} missing?"
        )
    return ws, report


@module.command("test")
@click.argument("name")
@click.option("--verbose", "-v", is_flag=True, help="Show the traceback of every failing test.")
@_workspace_option
@click.pass_context
@_friendly
def module_test(ctx: click.Context, name: str, verbose: bool, workspace: Path | None) -> None:
    """Run module NAME's tests against YOUR code (exit status 1 when any fails)."""
    _, report = _run(ctx, name, workspace, verbose)
    if not report.passed:
        raise click.ClickException(f"module {report.module.key}: tests failed")


@module.command("complete")
@click.argument("name")
@_workspace_option
@click.pass_context
@_friendly
def module_complete(ctx: click.Context, name: str, workspace: Path | None) -> None:
    """Run module NAME's tests and record it as completed only if they all pass."""
    ws, report = _run(ctx, name, workspace)
    if not report.passed:
        raise click.ClickException(
            f"module {report.module.key} is not complete: fix the failing tests first"
        )
    ws.mark_completed(report.module)
    console.print(f"[bold green]Module {report.module.key} completed.[/]")
    unlocked = [m for m in load_curriculum() if report.module.number in m.requires
                and not ws.missing_prerequisites(m)]
    if unlocked:
        console.print("Now available: " + ", ".join(f"{m.key} {m.title}" for m in unlocked))


@module.command("reset")
@click.argument("name")
@_workspace_option
@click.pass_context
@_friendly
def module_reset(ctx: click.Context, name: str, workspace: Path | None) -> None:
    """Restore module NAME's stubbed files (your current files are backed up first)."""
    ws = _ws(ctx, workspace)
    modules = load_curriculum()
    mod = find_module(name, modules)
    _, backup = ws.reset(mod, modules)
    console.print(f"[bold]Module {mod.key} reset to its starting point.[/]")
    if backup:
        console.print(f"  your files were saved to {backup.relative_to(ws.root)}")


# ----------------------------------------------------------------------------- status


@main.command()
@_workspace_option
@click.pass_context
@_friendly
def status(ctx: click.Context, workspace: Path | None) -> None:
    """Show your progress through the modules."""
    ws = _ws(ctx, workspace)
    prog = ws.load_progress()
    modules = load_curriculum()
    table = Table(title=f"Progress in {ws.root}")
    for col in ("#", "module", "group", "state", "since"):
        table.add_column(col)
    for m in modules:
        if m.number in prog.completed:
            state, since = "[green]completed[/]", prog.completed[m.number]
        elif m.number in prog.started:
            state, since = "[yellow]in progress[/]", prog.started[m.number]
        elif not ws.missing_prerequisites(m):
            state, since = "available", ""
        else:
            state, since = "[dim]locked[/]", ""
        table.add_row(m.key, m.title, m.group, state, since)
    console.print(table)
    console.print(f"{len(prog.completed)} of {len(modules)} modules completed.")
    current = [m for m in modules if m.number in prog.started and m.number not in prog.completed]
    ready = [m for m in modules if m.number not in prog.started and not ws.missing_prerequisites(m)]
    if current:
        console.print(f"Next: finish module {current[0].key} (`tito module test {current[0].key}`).")
    elif ready:
        console.print(f"Next: `tito module start {ready[0].key}` ({ready[0].title}).")


# ----------------------------------------------------------------------------- milestones


@main.group()
def milestone() -> None:
    """Reproduce landmarks of ML history with your own framework."""


@milestone.command("list")
@_friendly
def milestone_list() -> None:
    """List the milestones, their targets and the modules they need."""
    from .milestones import MILESTONES

    table = Table(title="Milestones")
    for col in ("name", "year", "title", "target", "needs modules"):
        table.add_column(col)
    for ms in MILESTONES.values():
        table.add_row(ms.name, str(ms.year), ms.title, ms.target,
                      " ".join(f"{n:02d}" for n in ms.requires))
    console.print(table)


@milestone.command("run")
@click.argument("name")
@click.option("--reference", is_flag=True, help="Run on the reference TinyTorch, not your code.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@_workspace_option
@click.pass_context
@_friendly
def milestone_run(
    ctx: click.Context, name: str, reference: bool, seed: int, workspace: Path | None
) -> None:
    """Run milestone NAME (e.g. 1957 or perceptron) on your code or the reference."""
    from .milestones import find_milestone

    ms = find_milestone(name)
    ws = _ws(ctx, workspace)
    args = [sys.executable, "-P", "-m", "tito.milestones", ms.name, "--seed", str(seed)]
    if reference:
        require_reference()
        env = child_env(None)
        env[WORKSPACE_SWITCH] = "off"
        args.append("--reference")
    else:
        prog = ws.load_progress()
        missing = [n for n in ms.requires if n not in prog.completed]
        if missing:
            need = ", ".join(f"{n:02d}" for n in missing)
            raise click.ClickException(
                f"milestone {ms.name} needs modules {need} completed in {ws.root} "
                "(or run it with --reference)"
            )
        ws.rewrite_init(load_curriculum())
        env = child_env(ws.root)
    proc = subprocess.run(args, cwd=ws.root if ws.root.is_dir() else None, env=env)
    if proc.returncode != 0:
        raise click.ClickException(f"milestone {ms.name} did not reach its target")


# ----------------------------------------------------------------------------- doctor


@main.command()
@_workspace_option
@click.pass_context
def doctor(ctx: click.Context, workspace: Path | None) -> None:
    """Check that Python, numpy, pytest, the curriculum and your workspace are usable."""
    rows: list[tuple[str, bool, str]] = []
    rows.append(("python >= 3.11", sys.version_info >= (3, 11), platform.python_version()))
    for pkg in ("numpy", "pytest", "hypothesis", "yaml", "rich"):
        spec = importlib.util.find_spec(pkg)
        version = ""
        if spec is not None:
            try:
                from importlib.metadata import version as _v

                version = _v({"yaml": "pyyaml"}.get(pkg, pkg))
            except Exception:  # noqa: BLE001 - metadata may be missing in odd installs
                version = "installed"
        rows.append((pkg, spec is not None, version or "missing"))
    try:
        modules = load_curriculum()
        rows.append(("curriculum", len(modules) > 0, f"{len(modules)} modules in {curriculum_dir()}"))
    except CurriculumError as exc:
        modules = []
        rows.append(("curriculum", False, str(exc)))
    starting = ("reference source checkout (solution regions are stubbed on start)"
                if installed_has_solutions() else "stubs only (no solutions installed)")
    rows.append(("installed tinytorch", True, starting))
    rows.append(("reference", True, reference_label()
                 or "not installed (instructors: pip install tinytorch-reference)"))
    ws = _ws(ctx, workspace)
    try:
        prog = ws.load_progress()
        detail = (f"{ws.root}: {len(prog.started)} started, {len(prog.completed)} completed"
                  if ws.progress_file.exists() else f"{ws.root}: new (no modules started)")
        rows.append(("workspace", os.access(ws.root if ws.root.exists() else ws.root.parent,
                                            os.W_OK), detail))
    except WorkspaceError as exc:
        rows.append(("workspace", False, str(exc)))
    table = Table(title="tito doctor")
    for col in ("check", "ok", "details"):
        table.add_column(col)
    for check, ok, detail in rows:
        table.add_row(check, "[green]ok[/]" if ok else "[red]problem[/]", detail)
    console.print(table)
    if not all(ok for _, ok, _ in rows):
        raise click.ClickException("some checks failed (see the table above)")


