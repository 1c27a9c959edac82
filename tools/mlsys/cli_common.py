"""What every `mlsys` command shares: the user-error decorator and the options defined once.

`user_errors` is the CLI's promise in one place: any `MlsysError` (and `BuildError`, with its
`file:line: severity: message` problems) becomes one `Error: ...` line and exit status 1,
never a traceback. Options that several commands take (`--out`, `--strict`, `-q`, `--port`,
`--headless`) are spelled here once, so they read and behave alike everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from mlsys.errors import MlsysError
from mlsys.model import BuildError, Problem

F = TypeVar("F", bound=Callable[..., Any])


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        click.secho(str(p), fg=colour, err=True)


def stop_message(problems: list[Problem]) -> str:
    """Why the command stopped; when only warnings stopped it, say that `--strict` did."""
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    text = f"stopped: {count(errors, 'error')}, {count(warnings, 'warning')}"
    if not errors and warnings:
        text += (" (--strict makes every warning fatal; fix them, or build without --strict "
                 "to get the site with these warnings)")
    return text


def user_errors(func: F) -> F:
    """Turn the build's own exceptions into a clear message and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BuildError as exc:
            _print_problems(exc.problems)
            raise click.ClickException(stop_message(exc.problems)) from None
        except MlsysError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]



def out_option(help_text: str) -> Callable[[F], F]:
    """`--out DIR`: where the command writes; each command says its own default."""
    return click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                        help=help_text)


strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
headless_option = click.option("--headless", is_flag=True, help="Do not open a browser.")


def port_option(help_text: str) -> Callable[[F], F]:
    """`--port N` on 127.0.0.1; each command says what it does when the port is not given."""
    return click.option("--port", type=int, default=None, help=help_text)


@dataclass(frozen=True)
class BuildOptions:
    """The options given to `mlsys build` itself, which its subcommands also honour."""

    out: Path | None = None
    strict: bool = False
    quiet: bool = False


# A subcommand of `mlsys build` receives the group's `BuildOptions` (defaults when run alone).
pass_build_options = click.make_pass_decorator(BuildOptions, ensure=True)
