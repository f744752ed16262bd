"""`planbot bench` (being built)."""

from __future__ import annotations

import click


@click.command(name="bench")
def bench() -> None:
    """Not built yet."""
    raise click.ClickException("planbot bench is not built yet")
