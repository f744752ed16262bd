"""Sync: fetch the sources in corpus/sources.toml and ingest what is new or changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planbot.admin.sources import (
    Fetcher,
    SourceCache,
    SyncReport,
    cached_documents,
    fetch_sources,
    load_manifest,
)
from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.ingest import IngestReport

if TYPE_CHECKING:
    from planbot.pipeline import Pipeline


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
            from planbot.pipeline import Pipeline

            pipeline = Pipeline(settings)
        # Unchanged copies cost only a hash compare, and re-offering them restores a rebuilt index.
        report.ingest = pipeline.ingest_documents(docs)
    elif errors:
        report.ingest = IngestReport()
    if report.ingest is not None:
        report.ingest.errors.extend(errors)
    return report
