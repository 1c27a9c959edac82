"""`mlsys kits`: the hardware kits' verbs. Each command parses, calls `mlsys_kits`, reports.

Errors from the kits (unknown board, missing toolchain, a model that does not fit, a board not
connected) end as one clear message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def kit_errors(func: F) -> F:
    """Turn `mlsys_kits.KitError` into a `ClickException` (exit 1, message only)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from mlsys_kits import KitError

        try:
            return func(*args, **kwargs)
        except KitError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _models(kit: Any, model: str | None) -> tuple[str, ...]:
    from mlsys_kits import KitError

    if model and model not in kit.models:
        raise KitError(f"{kit.id} has no model {model!r} (its models: {', '.join(kit.models)})")
    return (model,) if model else kit.models


model_option = click.option("--model", "-m", help="Only this model (default: all of the kit's).")


@click.group()
def kits() -> None:
    """Hardware kits: TinyTorch model -> int8 C runtime on MCUs, Pi and Jetson."""


@kits.command("list")
@kit_errors
def list_cmd() -> None:
    """The kits, with the hardware facts mlsysim holds for each."""
    from mlsys_kits.boards import all_kits

    from mlsysim import si

    for k in all_kits().values():
        d = k.device
        clock = si(d.clock_hz, "Hz") if d.clock_hz else "?"
        click.echo(f"{k.id:<20} {k.name:<28} {d.name} ({d.core}, {clock}), "
                   f"RAM {si(k.ram_limit, 'B')}, flash {si(k.flash_limit, 'B')}; "
                   f"models: {', '.join(k.models)}")


@kits.command()
@click.argument("kit")
@model_option
@kit_errors
def build(kit: str, model: str | None) -> None:
    """Compile KIT's firmware (MCU), export its sketch (ESP32) or stage its app (Linux)."""
    from mlsys_kits.boards import find_kit
    from mlsys_kits.build import build_kit

    k = find_kit(kit)
    for line in build_kit(k, _models(k, model)):
        click.echo(line)


@kits.command()
@click.argument("kit", nargs=-1)
@kit_errors
def test(kit: tuple[str, ...]) -> None:
    """Bit-exact checks of KIT (default: every kit) under QEMU / on the host."""
    from mlsys_kits.boards import all_kits, find_kit
    from mlsys_kits.checks import run_checks

    chosen = [find_kit(k) for k in kit] or list(all_kits().values())
    failed = 0
    for k in chosen:
        for c in run_checks(k):
            failed += not c.ok
            mark = click.style("ok  ", fg="green") if c.ok else click.style("FAIL", fg="red")
            click.echo(f"{mark} {c.kit}/{c.model}: {c.what}: {c.detail} ({c.seconds:.2f} s)")
    if failed:
        raise click.ClickException(f"{failed} check(s) failed")


@kits.command()
@click.argument("kit")
@model_option
@kit_errors
def size(kit: str, model: str | None) -> None:
    """Flash and RAM of KIT's firmware against the board; fails when a model does not fit."""
    from mlsys_kits.boards import find_kit
    from mlsys_kits.firmware import gate, size_report
    from mlsys_kits.report import size_lines

    k = find_kit(kit)
    reports = [size_report(k, m) for m in _models(k, model)]
    for line in size_lines(k, reports):
        click.echo(line)
    gate(reports)


@kits.command()
@click.argument("kit")
@click.option("--model", "-m", required=True, help="The model to flash.")
@click.option("--dry-run", is_flag=True, help="Only print the command.")
@kit_errors
def flash(kit: str, model: str, dry_run: bool) -> None:
    """Flash KIT with its board's tool, or print the exact command when the tool is absent."""
    from mlsys_kits.boards import find_kit
    from mlsys_kits.deploy import flash as run_flash
    from mlsys_kits.deploy import flash_plan

    k = find_kit(kit)
    plan = flash_plan(k, _models(k, model)[0])
    if dry_run or not plan.available:
        why = "" if dry_run else f"{k.flash.tool} not found (get it: {k.flash.package}); "
        click.echo(f"{why}run:\n  {' '.join(plan.command)}\nimage {plan.image} at "
                   f"0x{k.flash.address:08x}. {plan.note}")
        return
    click.echo(run_flash(k, model))


@kits.command()
@click.argument("kit")
@click.option("--host", required=True, help="user@host of the board (ssh).")
@click.option("--port", type=int, help="ssh port.")
@click.option("--identity", "-i", type=click.Path(exists=True, path_type=Path),
              help="ssh private key.")
@click.option("--known-hosts", type=click.Path(exists=True, path_type=Path),
              help="known_hosts file holding the board's host key (default: ~/.ssh's).")
@click.option("--python", default="python3", show_default=True,
              help="Python on the board (needs numpy and onnxruntime).")
@click.option("--path", help="Folder on the board (default: ~/mlsys-kit).")
@kit_errors
def deploy(kit: str, host: str, port: int | None, identity: Path | None,
           known_hosts: Path | None, python: str, path: str | None) -> None:
    """Copy KIT's app to a Pi/Jetson over ssh (rsync) and run it there."""
    from mlsys_kits.boards import find_kit
    from mlsys_kits.deploy import deploy as run_deploy

    click.echo(run_deploy(find_kit(kit), host, port, identity, known_hosts, python, path), nl=False)
