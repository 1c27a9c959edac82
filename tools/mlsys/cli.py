"""The `mlsys` command line: one small command per verb."""

import click


@click.group()
def main() -> None:
    """Build, preview and check the ML-systems curriculum."""


if __name__ == "__main__":
    main()
