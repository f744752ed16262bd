"""`planbot chat` (being built)."""

from __future__ import annotations

import click


@click.command(name="chat")
def chat() -> None:
    """Not built yet."""
    raise click.ClickException("planbot chat is not built yet")
