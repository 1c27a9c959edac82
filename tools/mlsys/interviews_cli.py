"""`mlsys interviews ...`: check the question bank, drill it in the terminal with SM-2, see
stats, reset progress. The logic lives in `mlsys_interviews`; these verbs parse options, make
one call and report. Mistakes end as a message and exit 1, never a traceback.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F")
TRACK = click.Choice(["silicon", "memory", "distributed", "serving", "operations", "edge",
                      "efficiency"])
LEVEL = click.Choice(["L3", "L4", "L5", "L6"])


def _friendly(func: F) -> F:
    """Turn the playbook's and the build's errors into a one-line message and exit 1."""

    @functools.wraps(func)  # type: ignore[arg-type]
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from mlsys_interviews import InterviewError

        from mlsys.model import BuildError

        try:
            return func(*args, **kwargs)  # type: ignore[operator]
        except (InterviewError, BuildError) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _root() -> Path:
    from mlsys.build import find_repo_root

    return find_repo_root()


def _progress_option(f: Any) -> Any:
    return click.option("--progress", "progress_file", type=click.Path(dir_okay=False, path_type=Path),
                        help="Progress file (default: $MLSYS_INTERVIEWS_PROGRESS or the user data folder).")(f)


def _today_option(f: Any) -> Any:
    return click.option("--today", type=click.DateTime(["%Y-%m-%d"]),
                        help="Pretend today is this date (YYYY-MM-DD), to plan ahead or test.")(f)


def _open_progress(progress_file: Path | None) -> tuple[Path, Any]:
    from mlsys_interviews.progress import default_path, load_progress

    path = progress_file or default_path()
    progress, warning = load_progress(path)
    if warning:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return path, progress


def _show() -> Any:
    """Print Markdown nicely on a terminal (rich), as plain text when piped or tested."""
    import sys

    if not sys.stdout.isatty():
        return click.echo
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    return lambda text: console.print(Markdown(text))


@click.group()
def interviews() -> None:
    """Systems interview questions: check them, drill them, track your progress."""


@interviews.command()
@_friendly
def check() -> None:
    """Validate every question: schema, ids, links, napkin math, hand-checked numbers."""
    from mlsys_interviews import check_bank, load_bank

    root = _root()
    problems = check_bank(root)
    for p in problems:
        click.secho(p, fg="red", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the question bank")
    click.echo(f"{len(load_bank(root))} questions OK")


@interviews.command()
@click.option("--track", type=TRACK, help="Only this track.")
@click.option("--level", type=LEVEL, help="Only this level.")
@click.option("--new", "new", type=click.IntRange(0, 1000), default=5, show_default=True,
              help="At most this many never-seen questions after the due ones.")
@_progress_option
@_today_option
@_friendly
def drill(track: str | None, level: str | None, new: int, progress_file: Path | None,
          today: Any) -> None:
    """Review due questions: a key reveals the answer, then grade yourself 0-5 (SM-2)."""
    from mlsys_interviews import drill as d
    from mlsys_interviews import load_bank
    from mlsys_interviews.progress import save_progress

    day = today.date() if today else date.today()
    path, progress = _open_progress(progress_file)
    cards = d.pick(load_bank(_root()), progress, day, track, level, new)
    if not cards:
        click.echo("Nothing due today. `--new N` adds never-seen questions.")
        return
    io = d.DrillIO(show=_show(), key=lambda: click.getchar())
    result = d.run(cards, progress, day, io, lambda p: save_progress(path, p))
    click.echo(f"\n{'Stopped' if result.quit else 'Done'}: {result.graded} graded, "
               f"{result.repeated} repeated; progress saved in {path}")


@interviews.command()
@_progress_option
@_today_option
@_friendly
def stats(progress_file: Path | None, today: Any) -> None:
    """How many questions are new, due today and learned, per track."""
    from mlsys_interviews import drill as d
    from mlsys_interviews import load_bank

    day = today.date() if today else date.today()
    _, progress = _open_progress(progress_file)
    click.echo(f"{'track':<12}{'total':>7}{'new':>6}{'due':>6}{'learned':>9}{'mean EF':>9}")
    for r in d.stats(load_bank(_root()), progress, day):
        ef = f"{r.mean_ef:.2f}" if r.mean_ef is not None else "-"
        click.echo(f"{r.name:<12}{r.total:>7}{r.new:>6}{r.due:>6}{r.learning:>9}{ef:>9}")


@interviews.command()
@_progress_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_friendly
def reset(progress_file: Path | None, yes: bool) -> None:
    """Forget all drill progress (the file is deleted)."""
    from mlsys_interviews.progress import default_path

    path = progress_file or default_path()
    if not path.exists():
        click.echo(f"No progress to reset ({path} does not exist).")
        return
    if not yes:
        click.confirm(f"Delete {path}?", abort=True)
    path.unlink()
    click.echo(f"Progress reset ({path} deleted).")
