"""The verbs that test, build and ship whole parts: `mlsys test`, `mlsys build PART`,
`mlsys publish`.

Thin, like the rest of the CLI: the logic lives in `parts`, `testing`, `dists` and `publish`.
`PartsGroup` makes `mlsys build NAME` accept any part of curriculum.yml (including parts added
later) and answer an unknown name with the closest one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mlsys.cli_common import BuildOptions, pass_build_options
from mlsys.cli_common import user_errors as _user_errors
from mlsys.model import BuildError

# --------------------------------------------------------------------------- mlsys build PART


class PartsGroup(click.Group):
    """A group whose commands are its own plus one per buildable part of curriculum.yml."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or _part_build_command(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        own = super().list_commands(ctx)
        return own + [g for g in _buildable_parts() if g not in own]

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        if args and self.get_command(ctx, args[0]) is None and not ctx.resilient_parsing:
            from mlsys.parts import unknown_part_message

            ctx.fail(unknown_part_message(args[0], self.list_commands(ctx)))
        return super().resolve_command(ctx, args)


def _groups() -> list[Any]:
    from mlsys.build import find_repo_root
    from mlsys.parts import part_groups

    try:
        return part_groups(find_repo_root())
    except BuildError:
        return []  # outside the repository or a broken curriculum.yml: the build reports it


def _buildable_parts() -> list[str]:
    return [g.name for g in _groups() if g.entries or g.package]


def _part_build_command(name: str) -> click.Command | None:
    group = next((g for g in _groups() if g.name == name and (g.entries or g.package)), None)
    if group is None:
        return None
    what = "its pages into the site" + (" and its sdist + wheel into dist/ (twine-checked)"
                                        if group.package else "")

    @click.command(name, help=f"Build {name}: {what}.")
    @pass_build_options
    @_user_errors
    def build_part(opts: BuildOptions) -> None:
        from mlsys.cli import _summary, progress_bar
        from mlsys.parts import build_part as run

        with progress_bar(opts.quiet) as progress:
            result, dists = run(group, opts.out, opts.strict, progress)
        if result is not None:
            _summary(result, opts.quiet, name)
        for d in dists or []:
            click.echo(f"{d.name} {d.version} -> {d.sdist}, {d.wheel.name} (twine check passed)")

    return build_part


# --------------------------------------------------------------------------- mlsys test


@click.command("test")
@click.argument("parts", nargs=-1)
@_user_errors
def test(parts: tuple[str, ...]) -> None:
    """Run the tests and checks of PARTS (default: every part) and print a summary table."""
    from mlsys.build import find_repo_root
    from mlsys.parts import resolve_parts
    from mlsys.testing import run_tests, testable

    root = find_repo_root()
    groups = testable(root, resolve_parts(root, parts), bool(parts), echo=click.echo)
    results = run_tests(root, groups, echo=click.echo)
    _print_table(results)
    failed = [r.part for r in results if not r.ok]
    if failed:
        raise click.ClickException(f"failed: {', '.join(failed)}")


def _print_table(results: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="mlsys test")
    for col in ("part", "tests", "passed", "failed", "skipped", "check errors", "seconds"):
        table.add_column(col, justify="left" if col == "part" else "right")
    for r in results:
        style = None if r.ok else "red"
        table.add_row(r.part, str(r.tests), str(r.passed), str(r.failed), str(r.skipped),
                      str(r.check_errors), f"{r.seconds:.1f}", style=style)
    table.add_row("total", *(str(sum(getattr(r, k) for r in results))
                             for k in ("tests", "passed", "failed", "skipped", "check_errors")),
                  f"{sum(r.seconds for r in results):.1f}", style="bold")
    Console(width=100).print(table)


# --------------------------------------------------------------------------- mlsys publish


@click.command()
@click.argument("part", default="site")
@click.option("--to", "dest", required=True,
              help="The site: a folder, or a git remote (URL, path of a bare repository). "
                   "A package: the index's upload URL (--repository-url of twine).")
@click.option("--branch", help="Branch of a git destination (default: gh-pages).")
@click.option("--dry-run", is_flag=True, help="Test, build and show what would be sent; "
                                              "send nothing.")
@_user_errors
def publish(part: str, dest: str, branch: str | None, dry_run: bool) -> None:
    """Publish PART: `site` (default) or a package (tinytorch, mlsysim), after its tests pass."""
    from mlsys.build import find_repo_root
    from mlsys.publish import publish_package, publish_site, publish_target

    root = find_repo_root()
    group = publish_target(root, part)
    if group is None:
        plan = publish_site(root, dest, branch=branch, dry_run=dry_run, echo=click.echo)
    else:
        plan = publish_package(root, group, dest, dry_run=dry_run, echo=click.echo)
    _print_plan(plan, dry_run, branch)


def _print_plan(plan: Any, dry_run: bool, branch: str | None) -> None:
    where = plan.dest + (f" (branch {branch or 'gh-pages'})" if plan.kind == "git" else "")
    verb = "would publish" if dry_run else "published"
    click.echo(f"{verb} {plan.what} to {where}: {len(plan.files)} file(s), "
               f"{plan.total_bytes / 1e6:.1f} MB")
    if plan.kind == "index" or dry_run:
        shown = [Path(f).relative_to(plan.source).as_posix() for f in plan.files]
        for rel in shown[:40]:
            click.echo(f"  {rel}")
        if len(shown) > 40:
            click.echo(f"  ... and {len(shown) - 40} more")


def attach(main: click.Group) -> None:
    """Register `test` and `publish` on the `mlsys` group."""
    main.add_command(test)
    main.add_command(publish)
