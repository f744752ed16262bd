"""`planbot sync`: fetch the sources in corpus/sources.toml and ingest what is new or changed."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .config import Settings
from .errors import InvalidInput, PlanbotError
from .ingest import IngestReport
from .sources import Fetcher, SourceCache, SyncReport, cached_documents, fetch_sources, load_manifest

if TYPE_CHECKING:
    from .pipeline import Pipeline


def run_sync(settings: Settings, pipeline: Pipeline | None = None, only: tuple[str, ...] = ()) -> SyncReport:
    """Fetch every source (conditionally), then ingest the last good copy of each with origin "sync"."""
    sources = load_manifest(settings.sources_manifest())
    if only:
        unknown = sorted(set(only) - {s.id for s in sources})
        if unknown:
            known = ", ".join(s.id for s in sources) or "none"
            raise InvalidInput(f"unknown source id(s) {', '.join(unknown)}; the manifest has: {known}.")
        sources = [s for s in sources if s.id in only]
    cache = SourceCache(settings.sources_cache())
    fetcher = Fetcher(cache, settings.sync_timeout_s, settings.sync_max_bytes)
    try:
        report = SyncReport(items=fetch_sources(sources, cache, fetcher))
    finally:
        fetcher.close()
    docs, errors = cached_documents(cache, sources)
    if docs:
        if pipeline is None:
            from .pipeline import Pipeline

            pipeline = Pipeline(settings)
        # Unchanged copies cost only a hash compare, and re-offering them restores a rebuilt index.
        report.ingest = pipeline.ingest_documents(docs)
    elif errors:
        report.ingest = IngestReport()
    if report.ingest is not None:
        report.ingest.errors.extend(errors)
    return report


@click.command(name="sync")
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
def sync(only: tuple[str, ...]) -> None:
    """Download the sources in corpus/sources.toml (only what changed) and ingest them."""
    settings = Settings()
    try:
        report = run_sync(settings, only=only)
    except PlanbotError as exc:
        click.echo(f"planbot: {exc.title.lower()}: {exc.detail}", err=True)
        sys.exit(exc.exit_code)
    for line in report.lines():
        click.echo(line)
    if report.failed:
        # A non-zero exit lets a cron job notice, although the last good copies stay indexed.
        click.echo(f"{len(report.failed)} source(s) failed; their last good copies were kept.", err=True)
        sys.exit(1)
