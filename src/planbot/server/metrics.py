"""Prometheus metrics (GET /metrics), per-request stage timings and the index state /api/health reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from pydantic import BaseModel

from planbot.admin.jobs import JobRunner
from planbot.config import Settings
from planbot.server.deps import require_read
from planbot.server.schemas import Health
from planbot.stages import begin_stages, record_stages

__all__ = ["begin_stages", "record_stages"]

STAGES = ("embed", "retrieve", "rerank", "answer")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class IndexState(BaseModel):
    """Where the index lives and what the background jobs are doing."""

    path: str | None = None
    url: str | None = None
    last_ingest: str | None = None
    jobs_running: int = 0
    jobs_queued: int = 0


class HealthOut(Health):
    """Liveness, what is indexed, and the index's state."""

    index: IndexState
    # Answer processes running now (PLANBOT_ANSWER_PROCESSES; 0: questions are answered in threads).
    answer_processes: int = 0


def index_state(settings: Settings, runner: JobRunner) -> IndexState:
    """The index location and job counts of an app."""
    counts = runner.counts()
    last = runner.last_ingest.isoformat() if runner.last_ingest else None
    return IndexState(
        path=None if settings.chroma_url else str(settings.index_dir),
        url=settings.chroma_url,
        last_ingest=last,
        jobs_running=counts["running"],
        jobs_queued=counts["queued"],
    )


class Metrics:
    """One app's metrics, in a registry of its own so several apps (tests) never share counts."""

    def __init__(self, app_state: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "planbot_http_requests", "HTTP requests by route and status.", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "planbot_http_request_seconds", "HTTP request latency by route.", ["method", "route"],
            buckets=_LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.stages = Histogram(
            "planbot_stage_seconds", "Time per pipeline stage of a question.", ["stage"],
            buckets=_LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.rejected = Counter(
            "planbot_rejected_requests", "Requests refused before the app (rate limit, body size).",
            ["reason"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(_IndexCollector(app_state))

    def observe(self, method: str, route: str, status: int, seconds: float, stages: dict[str, float]) -> None:
        """Count one finished request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        for stage, ms in stages.items():
            if stage in STAGES:
                self.stages.labels(stage).observe(ms / 1e3)


class _IndexCollector:
    """Documents, chunks and ingest figures read at scrape time, so they are never stale."""

    def __init__(self, app_state: Any) -> None:
        self._state = app_state

    def describe(self) -> list[Metric]:
        # An empty description keeps registration from calling collect() before the pipeline exists.
        return []

    def collect(self) -> Iterator[Metric]:
        pipeline = getattr(self._state, "pipeline", None)
        if pipeline is not None:
            yield GaugeMetricFamily(
                "planbot_documents", "Documents visible in the index.", len(pipeline.documents())
            )
            yield GaugeMetricFamily("planbot_chunks", "Chunks visible in the index.", pipeline.chunk_count())
        services = getattr(self._state, "services", None)
        runner = services.jobs if services is not None else None
        jobs = GaugeMetricFamily("planbot_jobs", "Background jobs kept, by state.", labels=["state"])
        for state, n in (runner.counts() if runner else {}).items():
            jobs.add_metric([state], n)
        yield jobs
        yield CounterMetricFamily(
            "planbot_ingested_chunks",
            "Chunks embedded by background jobs.",
            runner.ingested_chunks if runner else 0,
        )
        yield CounterMetricFamily(
            "planbot_failed_jobs", "Background jobs that failed.", runner.failed if runner else 0
        )


router = APIRouter(tags=["operations"])


@router.get("/metrics", dependencies=[Depends(require_read)], include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format: request counts and latencies, stage timings, index and ingest figures."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
