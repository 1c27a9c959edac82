"""The `mlsys` command line: one small command per verb.

Commands only parse options, call `mlsys.build` (or preview, doctor) and report. Mistakes in
the sources or the command line end as a list of problems with file and line, and a non-zero
exit; never a traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from mlsys.cli_common import (  # noqa: F401 (stop_message: part of the CLI's API)
    BuildOptions,
    _print_problems,
    out_option,
    pass_build_options,
    port_option,
    quiet_option,
    stop_message,
    strict_option,
    user_errors,
)
from mlsys.kits_cli import kits as kits_group
from mlsys.model import BuildError, Problem
from mlsys.ship_cli import PartsGroup, attach

F = TypeVar("F", bound=Callable[..., Any])
# Tools a site build can do without; the rest are required and make `mlsys doctor` fail.
OPTIONAL_TOOLS = {"chromium": "browser tests (optional)", "typst": "PDF output (optional)",
                  "R + knitr": "R cells (optional)"}


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar fed by the pipeline's (stage, done, total) callback; when stderr
    is not a terminal (CI, a pipe, a log file), plain stage lines instead (`stage_lines`)."""
    if quiet:
        yield None
        return
    if not sys.stderr.isatty():
        yield stage_lines(lambda line: click.echo(line, err=True))
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def stage_lines(echo: Callable[[str], None], every_s: float = 10.0,
                clock: Callable[[], float] = time.monotonic) -> Callable[[str, int, int], None]:
    """A progress callback that prints a line when a stage starts, every `every_s` seconds
    while it runs, and when it ends: a build whose output is a pipe or a log is never silent
    for long (the first full build takes minutes)."""
    started: dict[str, float] = {}
    last: dict[str, float] = {}

    def update(stage: str, done: int, total: int) -> None:
        now = clock()
        finished = bool(total) and done >= total
        if stage not in started:  # first report of this stage (or again after it ended)
            started[stage] = last[stage] = now
            echo(f"{stage}: started ({total} to do)")
        if finished:
            echo(f"{stage}: done {done}/{total} in {now - started.pop(stage):.1f} s")
        elif now - last[stage] >= every_s:
            echo(f"{stage}: {done}/{total}")
            last[stage] = now

    return update


def _summary(result: Any, quiet: bool, what: str) -> None:
    _print_problems(result.problems)
    if quiet:
        return
    rep = result.report
    search = "reused" if rep.search_seconds is None else f"{rep.search_seconds:.2f} s"
    click.echo(
        f"{what} -> {result.out}  ({len(rep.written)} written, {rep.unchanged} unchanged, "
        f"search index {search}, {rep.total_seconds + result.render_seconds:.2f} s)"
    )


def _repo_builder(out: Path | None, strict: bool, progress: Any, search: bool = True) -> Any:
    from mlsys.build import SiteBuilder, find_repo_root

    return SiteBuilder(find_repo_root(), out, strict=strict, progress=progress, search=search)


# --------------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mlsys")
def main() -> None:
    """Build, preview and check the ML-systems curriculum."""


@main.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--to", "fmt", type=click.Choice(["html"]), default="html", show_default=True,
              help="Output format (only HTML for now).")
@out_option("Output folder (default: the project's output-dir, else PATH/_book).")
@click.option("--profile", help="Quarto profile to apply (_quarto-<NAME>.yml).")
@strict_option
@quiet_option
@user_errors
def render(path: Path, fmt: str, out: Path | None, profile: str | None, strict: bool,
           quiet: bool) -> None:
    """Render any Quarto book project at PATH into a static site."""
    from mlsys.build import render_project

    with progress_bar(quiet) as progress:
        result = render_project(path, out, profile=profile, strict=strict, progress=progress)
    _summary(result, quiet, "rendered")


@main.group(cls=PartsGroup, invoke_without_command=True)
@out_option("Site folder (default: _site/ at the repository root).")
@strict_option
@quiet_option
@click.pass_context
@user_errors
def build(ctx: click.Context, out: Path | None, strict: bool, quiet: bool) -> None:
    """Build every part of curriculum.yml into one site (or one part: see commands)."""
    ctx.obj = BuildOptions(out, strict, quiet)
    if ctx.invoked_subcommand is not None:
        return
    with progress_bar(quiet) as progress:
        builder = _repo_builder(out, strict, progress)
        result = builder.build()
    _summary(result, quiet, "site")


@build.command("book")
@click.argument("chapters", nargs=-1)
@click.option("--vol", type=click.Choice(["1", "2"]), help="Only this volume (default: both).")
@click.option("--to", "fmt", type=click.Choice(["html", "pdf", "epub"]), default="html",
              show_default=True, help="The website, or one PDF/EPUB per volume in dist/book/.")
@out_option("Site folder (default: _site/ at the repository root); with --to pdf|epub, "
            "the folder for vol<N>.pdf|epub (default: dist/book/).")
@strict_option
@quiet_option
@pass_build_options
@user_errors
def build_book(parent: BuildOptions, chapters: tuple[str, ...], vol: str | None, fmt: str,
               out: Path | None, strict: bool, quiet: bool) -> None:
    """Render the textbook (both volumes, or --vol), optionally only CHAPTERS.

    Chapters are named by file name or title; a unique prefix is enough. `--to pdf|epub`
    writes whole volumes to dist/book/vol<N>.pdf|epub (or to --out).
    """
    out = out or parent.out
    strict = strict or parent.strict
    quiet = quiet or parent.quiet
    if fmt != "html":
        _export_book(fmt, vol, chapters, out, strict, quiet)
        return
    with progress_bar(quiet) as progress:
        builder = _repo_builder(out, strict, progress)
        parts = builder.book_parts([vol] if vol else None)
        if not parts:
            raise click.ClickException("no volume of book/ found on disk to build")
        if chapters:
            _check_chapters(builder, parts, list(chapters))
        result = builder.build(parts, list(chapters) or None, with_labs=False)
    _summary(result, quiet, "book")


def _export_book(fmt: str, vol: str | None, chapters: tuple[str, ...], out: Path | None,
                 strict: bool, quiet: bool) -> None:
    """Each chosen volume as one PDF or EPUB; a book file holds every chapter."""
    from mlsys.bookexport import export_volume
    from mlsys.build import find_repo_root

    if chapters:
        raise click.UsageError(f"--to {fmt} exports whole volumes: drop {' '.join(chapters)}")
    root = find_repo_root()
    for v in [vol] if vol else ["1", "2"]:
        target = (out or root / "dist" / "book") / f"vol{v}.{fmt}"
        with progress_bar(quiet) as progress:
            result = export_volume(root / "book", f"vol{v}", fmt, target, strict=strict,
                                   progress=progress)
        _print_problems(result.problems)
        if not quiet:
            click.echo(f"book {fmt} -> {result.path}  ({result.seconds:.1f} s)")


def _check_chapters(builder: Any, parts: list[Any], names: list[str]) -> None:
    """A chapter name must exist in at least one selected volume; report the rest."""
    from mlsys.build import resolve_chapters

    unresolved: dict[str, list[Problem]] = {}
    for name in names:
        for part in parts:
            try:
                resolve_chapters(builder.root / part.path, part.profile, [name])
                unresolved.pop(name, None)
                break
            except BuildError as exc:
                unresolved.setdefault(name, []).extend(exc.problems)
    if unresolved:  # one problem per name: the volume whose answer says the most
        raise BuildError([max(probs, key=lambda p: len(p.message))
                          for probs in unresolved.values()])


@main.command()
@click.argument("part", required=False, type=click.Choice(["book"]))
@port_option("Port on 127.0.0.1 (default: a free one).")
@click.option("--no-build", is_flag=True, help="Serve the existing _site/ without building.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@user_errors
def preview(part: str | None, port: int | None, no_build: bool, quiet: bool) -> None:
    """Build, serve _site/ on 127.0.0.1 and re-render a chapter when it is saved."""
    from mlsys.preview import run_preview

    with progress_bar(quiet) as progress:
        builder = _repo_builder(None, False, progress)
    try:
        run_preview(builder, part=part, port=port or 0, build_first=not no_build,
                    echo=lambda m: click.echo(m, err=True))
    except OSError as exc:  # the port is taken, or the address cannot be bound
        raise click.ClickException(
            f"cannot serve on 127.0.0.1:{port} ({exc.strerror or exc}); "
            "choose another with --port, or omit it to pick a free one") from None


@main.group()
def check() -> None:
    """Validate sources without writing a site."""


@check.command("book")
@click.option("--vol", type=click.Choice(["1", "2"]), help="Only this volume (default: both).")
@strict_option
@quiet_option
@user_errors
def check_book(vol: str | None, strict: bool, quiet: bool) -> None:
    """Render the textbook in memory and report every problem; writes nothing."""
    from mlsys.build import check_book as run_check
    from mlsys.build import find_repo_root

    with progress_bar(quiet) as progress:
        problems = run_check(find_repo_root(), [vol] if vol else None, strict, progress)
    _print_problems(problems)
    if not quiet:
        click.echo(f"book checked: {len(problems)} warning(s)")


@main.command()
@user_errors
def clean() -> None:
    """Remove _site/ and every build cache."""
    from mlsys.build import clean as run_clean
    from mlsys.build import find_repo_root

    removed = run_clean(find_repo_root())
    for path in removed:
        click.echo(f"removed {path}")
    if not removed:
        click.echo("nothing to clean")


@main.command()
def doctor() -> None:
    """Show which tools of the toolchain are installed; fails if a required one is missing."""
    from rich.console import Console
    from rich.table import Table

    try:
        from mlsys.doctor import toolchain_report
    except ImportError as exc:
        raise click.ClickException(f"the toolchain report is unavailable: {exc}") from None
    rows = toolchain_report()
    table = Table(title="mlsys toolchain")
    table.add_column("tool")
    table.add_column("version")
    table.add_column("needed for")
    table.add_column("how to get it")
    missing = []
    for name, version, hint in rows:
        optional = name in OPTIONAL_TOOLS
        shown = version or ("[yellow]missing[/yellow]" if optional else "[red]missing[/red]")
        table.add_row(name, shown, OPTIONAL_TOOLS.get(name, "building the site"),
                      "" if version else hint)
        if version is None and not optional:
            missing.append(name)
    Console().print(table)
    if missing:
        raise click.ClickException(f"missing: {', '.join(missing)}")


main.add_command(kits_group)
from mlsys.instructors_cli import register as _register_instructors  # noqa: E402

_register_instructors(main)

try:  # the labs part is optional: the site builds without it
    from mlsys.labs_cli import labs as _labs_group

    main.add_command(_labs_group, "labs")
except ImportError:
    pass

main.add_command(__import__("mlsys.interviews_cli", fromlist=["interviews"]).interviews)
from mlsys.slides_cli import register as _register_slides  # noqa: E402

_register_slides(main)


attach(main)  # mlsys test, mlsys publish

if __name__ == "__main__":
    main()
