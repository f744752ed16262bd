"""The HTTP API with a fake embedder: shapes, validation as problem JSON, documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

from ..support import FakeEmbedder


@pytest.fixture
def client(settings: Settings, fake_embedder: FakeEmbedder) -> Iterator[TestClient]:
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    with TestClient(create_app(settings, pipeline)) as c:
        yield c


def test_health_reports_documents_chunks_and_embedder(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["documents"] == 2 and body["chunks"] > 18
    assert body["embedder"] == FakeEmbedder.name


def test_ask_returns_passages_best_first_with_verbatim_quotes(client: TestClient) -> None:
    res = client.post(
        "/api/ask", json={"question": "Bibliotekshuvudmän kommunerna regionerna staten", "top_k": 4}
    )
    assert res.status_code == 200
    body = res.json()
    assert [p["rank"] for p in body["passages"]] == [1, 2, 3, 4]
    scores = [p["score"] for p in body["passages"]]
    assert scores == sorted(scores, reverse=True)
    texts = {(p["document_id"], p["locator"]): p["text"] for p in body["passages"]}
    for c in body["citations"]:
        assert c["quote"] in texts[(c["document_id"], c["locator"])]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"question": ""}, "empty"),
        ({"question": "   \n "}, "empty"),
        ({"question": "x" * 2001}, "2000"),
        ({"question": "Vad?", "top_k": 0}, "top_k"),
        ({"question": "Vad?", "top_k": 51}, "top_k"),
        ({"question": "Vad?", "filters": {"färg": "blå"}}, "not a known field"),
        ({"top_k": 3}, "'question' is required"),
    ],
)
def test_invalid_questions_get_problem_json_a_person_understands(
    client: TestClient, payload: dict[str, object], fragment: str
) -> None:
    res = client.post("/api/ask", json=payload)
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")
    body = res.json()
    assert body["status"] == 422 and fragment in body["detail"]


def test_invalid_json_is_a_problem_not_a_crash(client: TestClient) -> None:
    res = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert res.status_code == 422 and "not valid JSON" in res.json()["detail"]


def test_documents_list_and_detail_let_a_citation_be_followed(client: TestClient) -> None:
    docs = client.get("/api/documents").json()
    law = next(d for d in docs if d["id"] == "bibliotekslag-2013-801")
    assert law["doc_type"] == "lag" and law["source_url"].startswith("https://") and law["chunks"] >= 18
    detail = client.get("/api/documents/bibliotekslag-2013-801").json()
    locators = [s["locator"] for s in detail["sections"]]
    assert "3 §" in locators
    assert any("Bibliotekshuvudmän är kommunerna" in s["text"] for s in detail["sections"])


def test_unknown_document_is_404_problem(client: TestClient) -> None:
    res = client.get("/api/documents/finns-inte")
    assert res.status_code == 404 and "/api/documents" in res.json()["detail"]


def test_filters_restrict_passages_to_the_document_type(client: TestClient) -> None:
    res = client.post(
        "/api/ask", json={"question": "bibliotek samverkan kommuner", "filters": {"doc_type": ["webbsida"]}}
    )
    assert {p["document_id"] for p in res.json()["passages"]} == {
        "region-varmland-biblioteksverksamhetens-uppdrag"
    }
