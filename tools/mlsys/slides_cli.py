"""`mlsys slides ...`: the thin door to the slides part (`mlsys_slides`).

Commands parse options and report; building, checking and theming live in the package. A
mistake in a deck (missing figure, LaTeX error, overflowing slide, unknown theme) ends as its
`file:line: slide 'Title': message` and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
THEME_CHOICES = ("light", "dark", "minimal", "high-contrast", "all")


def slide_errors(func: F) -> F:
    """Turn `SlidesError` (and a missing curriculum root) into a clear message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from mlsys_slides import SlidesError

        from mlsys.model import BuildError

        try:
            return func(*args, **kwargs)
        except SlidesError as exc:
            raise click.ClickException(str(exc)) from None
        except BuildError as exc:
            raise click.ClickException("; ".join(str(p) for p in exc.problems)) from None

    return wrapper  # type: ignore[return-value]


@click.group()
def slides() -> None:
    """Lecture slides: one deck per chapter, HTML and Beamer PDF."""


@slides.command("build")
@click.argument("chapter", required=False)
@click.option("--theme", default="light", show_default=True, metavar="|".join(THEME_CHOICES),
              help="Beamer theme (and the HTML deck's default); 'all' builds the four.")
@click.option("--to", "to", type=click.Choice(["html", "pdf", "all"]), default="html",
              show_default=True, help="Output format.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: _build/slides).")
@click.option("--no-overflow-check", is_flag=True, help="Skip the Chromium measurement.")
@click.option("--strict", is_flag=True, help="Warnings (missing notes, deck length) are errors.")
@slide_errors
def build_cmd(chapter: str | None, theme: str, to: str, out: Path | None,
              no_overflow_check: bool, strict: bool) -> None:
    """Build CHAPTER's deck (or every deck) to HTML slides or Beamer PDFs."""
    from mlsys_slides import THEMES, build_decks

    from mlsys.build import find_repo_root

    root = find_repo_root(Path.cwd())
    _report_checks(root, chapter, strict)
    themes = THEMES if theme == "all" else (theme,)
    formats = ("html", "pdf") if to == "all" else (to,)
    report = build_decks(root, out or root / "_build" / "slides", chapter, themes, formats,
                         overflow=not no_overflow_check)
    for o in report.outputs:
        pages = f" ({o.pages} pages)" if o.pages else ""
        click.echo(f"{o.to:4} {o.theme:13} {o.path}{pages}")
    click.echo(f"{len(report.outputs)} file(s) from {len(report.decks)} deck(s) in "
               f"{report.seconds:.1f} s", err=True)


def _report_checks(root: Path, chapter: str | None, strict: bool) -> None:
    """Print the decks' problems; stop on errors, and on warnings under `--strict`."""
    from mlsys_slides.check import check

    problems = check(root, chapter)
    for p in problems:
        click.secho(p, fg="yellow" if ": warning: " in p else "red", err=True)
    if problems and (strict or any(": error: " in p for p in problems)):
        raise click.ClickException(f"stopped: {len(problems)} problem(s) in the decks")


@slides.command("list")
@slide_errors
def list_cmd() -> None:
    """The decks, in the book's chapter order."""
    from mlsys_slides import find_decks

    from mlsys.build import find_repo_root

    for path in find_decks(find_repo_root(Path.cwd())):
        click.echo(path.stem)


def register(main: click.Group) -> None:
    """Add `mlsys slides ...`, and `mlsys build slides [CHAPTER] [--theme] [--to]` as the same
    command (the site's copy of the HTML decks comes with `mlsys build`)."""
    main.add_command(slides, "slides")
    build = main.commands["build"]
    assert isinstance(build, click.Group)
    build.add_command(build_cmd, "slides")
