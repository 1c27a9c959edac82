"""`mlsys instructors ...`: the thin door to the instructor hub (`mlsys_instructors`).

Each command parses its options, makes one call into the package and reports. Bad input
(an unknown id, a plan that cannot fit, a bad date, a malformed submission) ends as one clear
message and exit code 1; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mlsys.cli_common import BuildOptions, pass_build_options

F = TypeVar("F", bound=Callable[..., Any])


def instructor_errors(func: F) -> F:
    """Turn the hub's `InstructorsError` into a `ClickException`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from mlsys_instructors import InstructorsError

        try:
            return func(*args, **kwargs)
        except InstructorsError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _dates(values: tuple[str, ...], what: str) -> tuple[dt.date, ...]:
    from mlsys_instructors.courses import parse_date

    return tuple(parse_date(v, what) for v in values)


def _root() -> Path:
    from mlsys.build import find_repo_root

    return find_repo_root()


def _emit(data: str | bytes, out: Path | None) -> None:
    if out is None:
        click.echo(data if isinstance(data, str) else data.decode(), nl=False)
        return
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    tmp.replace(out)
    click.echo(f"wrote {out}", err=True)


@click.group()
def instructors() -> None:
    """Plan courses, export calendars, grade problem sets, build the solutions bundle."""


@instructors.command()
@click.option("--weeks", type=int, required=True, help="Length of the term in weeks.")
@click.option("--volume", type=click.Choice(["1", "2"]), required=True, help="Book volume.")
@click.option("--start", required=True, help="First day of the term, YYYY-MM-DD.")
@click.option("--skip", multiple=True, help="A holiday (YYYY-MM-DD); repeat for more.")
@click.option("--title", help="Course title (default: Volume N in W weeks).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the course YAML here (default: standard output).")
@instructor_errors
def plan(weeks: int, volume: str, start: str, skip: tuple[str, ...], title: str | None,
         out: Path | None) -> None:
    """Plan a course: spread a volume's chapters over a term by size, around holidays."""
    from mlsys_instructors import planner, resolver

    course = planner.plan(resolver.index(_root()), int(volume), weeks,
                          _dates((start,), "--start")[0], _dates(skip, "--skip"), title)
    _emit(planner.dump(course), out)


@instructors.command()
@click.argument("course")
@click.option("--start", required=True, help="First day of the term, YYYY-MM-DD.")
@click.option("--skip", multiple=True, help="An extra holiday (YYYY-MM-DD); repeat for more.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Output .ics file (default: COURSE.ics in the current folder).")
@instructor_errors
def calendar(course: str, start: str, skip: tuple[str, ...], out: Path | None) -> None:
    """Export COURSE (an id or a YAML file) as an iCalendar file of lectures, labs, deadlines."""
    from mlsys_instructors import calendar as ics
    from mlsys_instructors import courses, resolver

    root = _root()
    idx = resolver.index(root)
    c = courses.find_course(root, course, idx)
    cal = ics.build_calendar(c, idx, _dates((start,), "--start")[0], _dates(skip, "--skip"))
    _emit(ics.to_ics(cal), out or Path(f"{c.id}.ics"))


@instructors.command()
@click.argument("submission", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--show-answers", is_flag=True, help="Print the expected answer of every part.")
@instructor_errors
def grade(submission: Path, show_answers: bool) -> None:
    """Grade SUBMISSION.yaml against its problem set and print a score report."""
    from mlsys_instructors.grader import grade as run_grade
    from mlsys_instructors.report import score_report

    click.echo(score_report(run_grade(submission, _root()), show_answers), nl=False)


@instructors.command()
@instructor_errors
def check() -> None:
    """Check every course reference and evaluate every problem set."""
    from mlsys_instructors.check import check as run_check

    problems = run_check(_root())
    for p in problems:
        click.secho(p, fg="red" if ": error:" in p else "yellow", err=True)
    errors = sum(": error:" in p for p in problems)
    if errors:
        raise click.ClickException(f"{errors} error(s)")
    click.echo(f"instructors checked: {len(problems)} warning(s)")


@click.command("instructors")
@click.option("--solutions", is_flag=True,
              help="Build the worked-solutions bundle instead (kept out of _site/).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Site folder, or with --solutions the bundle folder (default: _instructors/).")
@pass_build_options
@instructor_errors
def build_instructors(parent: BuildOptions, solutions: bool, out: Path | None) -> None:
    """Build the hub's public pages into the site, or with --solutions the solutions bundle
    (an HTML folder and a zip, never linked from the site)."""
    if solutions:
        from mlsys_instructors.site import build_bundle

        bundle = build_bundle(_root(), out)
        click.echo(f"solutions for {bundle.problem_sets} problem set(s) -> {bundle.folder} "
                   f"and {bundle.zip}")
        return
    from mlsys.build import SiteBuilder
    from mlsys.cli_common import _print_problems, user_errors

    builder = SiteBuilder(_root(), out or parent.out, strict=parent.strict)
    part = [p for p in builder.curriculum.parts if p.id == "instructors"]
    result = user_errors(builder.build)(part, with_labs=False)
    _print_problems(result.problems)
    click.echo(f"instructors -> {result.out / 'instructors'}")


def register(main: click.Group) -> None:
    """Add `mlsys instructors ...` and `mlsys build instructors --solutions` to the CLI."""
    main.add_command(instructors, "instructors")
    build = main.commands["build"]
    assert isinstance(build, click.Group)
    build.add_command(build_instructors)
