"""`planbot sync` (being built)."""

from __future__ import annotations

import click


@click.command(name="sync")
def sync() -> None:
    """Not built yet."""
    raise click.ClickException("planbot sync is not built yet")
