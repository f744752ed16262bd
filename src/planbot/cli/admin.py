"""`planbot sync`: fetch the sources in corpus/sources.toml and ingest what is new or changed."""

from __future__ import annotations

import sys

import click

from planbot.admin.sync import run_sync
from planbot.config import Settings


@click.command(name="sync")
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
def sync(only: tuple[str, ...]) -> None:
    """Download the sources in corpus/sources.toml (only what changed) and ingest them."""
    settings = Settings()
    report = run_sync(settings, only=only)
    for line in report.lines():
        click.echo(line)
    if report.failed:
        # A non-zero exit lets a cron job notice, although the last good copies stay indexed.
        click.echo(f"{len(report.failed)} source(s) failed; their last good copies were kept.", err=True)
        sys.exit(1)
