"""Middleware: request ids, JSON-lines logs with stage timings, body and rate limits, /metrics."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app
from planbot.server.metrics import begin_stages, record_stages
from planbot.server.middleware import JsonFormatter

from ..support import FakeEmbedder

ClientFactory = Callable[..., TestClient]
QUESTION = {"question": "Bibliotekshuvudmän kommunerna regionerna"}


@pytest.fixture
def make_client(settings: Settings, fake_embedder: FakeEmbedder) -> Iterator[ClientFactory]:
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    opened: list[TestClient] = []

    def build(client: tuple[str, int] = ("127.0.0.1", 5000), **overrides: object) -> TestClient:
        c = TestClient(create_app(settings.model_copy(update=overrides), pipeline), client=client).__enter__()
        opened.append(c)
        return c

    yield build
    for c in opened:
        c.__exit__(None, None, None)


@pytest.mark.parametrize(
    ("sent", "kept"), [("abc-123.x", True), ("bad id with spaces", False), ("x" * 65, False), (None, False)]
)
def test_every_response_carries_a_request_id_keeping_a_safe_one_from_the_client(
    make_client: ClientFactory, sent: str | None, kept: bool
) -> None:
    headers = {"X-Request-ID": sent} if sent is not None else {}
    rid = make_client().get("/api/health", headers=headers).headers["x-request-id"]
    assert (rid == sent) is kept and 1 <= len(rid) <= 64


def test_json_logs_carry_request_id_route_status_and_stage_timings(make_client: ClientFactory) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("planbot.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        make_client().post("/api/ask", json=QUESTION, headers={"X-Request-ID": "req-42"})
    finally:
        access.removeHandler(handler)
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["request_id"] == "req-42" and entry["route"] == "/api/ask" and entry["status"] == 200
    assert set(entry["stages_ms"]) == {"embed", "retrieve", "rerank", "answer"}
    assert all(v >= 0 for v in entry["stages_ms"].values())


def test_stage_timings_recorded_in_a_request_stay_in_that_request() -> None:
    first = begin_stages()
    record_stages(embed=1.0)
    second = begin_stages()
    record_stages(embed=2.0, answer=3.0)
    assert first == {"embed": 1.0} and second == {"embed": 2.0, "answer": 3.0}


def test_a_json_body_over_the_limit_is_refused_before_parsing(make_client: ClientFactory) -> None:
    client = make_client(max_body_kb=1)
    res = client.post("/api/ask", json={"question": "x" * 2000})
    assert res.status_code == 413 and "PLANBOT_MAX_BODY_KB" in res.json()["detail"]
    assert res.headers["content-type"] == "application/problem+json"


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(make_client: ClientFactory) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    res = make_client(max_body_kb=4).post(
        "/api/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert res.status_code == 413


def test_rate_limit_answers_429_with_retry_after_and_spares_other_clients(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_per_minute=3)
    statuses = [client.get("/api/documents").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    res = client.get("/api/documents")
    assert res.status_code == 429 and 1 <= int(res.headers["retry-after"]) <= 20
    assert "PLANBOT_RATE_LIMIT_PER_MINUTE" in res.json()["detail"]
    assert client.get("/api/health").status_code == 200, "monitoring is never throttled"
    other = TestClient(client.app, client=("192.0.2.7", 5000))
    assert other.get("/api/documents").status_code == 200


def test_rate_limit_zero_turns_it_off(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_per_minute=0)
    assert {client.get("/api/documents").status_code for _ in range(30)} == {200}


def test_metrics_count_requests_by_route_and_status_and_report_the_index(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_per_minute=2)
    client.post("/api/ask", json=QUESTION)
    client.get("/api/documents/finns-inte")
    client.get("/api/documents/finns-inte")  # the third request is over the limit
    text = client.get("/metrics").text
    assert 'planbot_http_requests_total{method="POST",route="/api/ask",status="200"} 1.0' in text
    assert 'route="/api/documents/{doc_id}",status="404"} 1.0' in text
    assert 'route="unmatched",status="429"} 1.0' in text, "refused before routing: no per-path labels"
    assert 'planbot_rejected_requests_total{reason="rate_limit"} 1.0' in text
    assert 'planbot_http_request_seconds_bucket{le="+Inf",method="POST",route="/api/ask"} 1.0' in text
    assert 'planbot_stage_seconds_count{stage="embed"} 1.0' in text
    health = client.get("/api/health").json()
    assert f"planbot_documents {float(health['documents'])}" in text
    assert f"planbot_chunks {float(health['chunks'])}" in text
    assert "planbot_ingested_chunks_total 0.0" in text
