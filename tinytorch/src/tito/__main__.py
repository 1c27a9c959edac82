"""``python -m tito`` — same as the ``tito`` command."""

from .cli import main

main(prog_name="tito")
