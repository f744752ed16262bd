"""The HTTP API with a fake embedder: shapes, validation as problem JSON, documents."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings

from ..support import FakeEmbedder
from .conftest import ANSWER_ALWAYS


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Answers rather than refusals, so every quote has a passage to be checked against."""
    return settings.model_copy(update=ANSWER_ALWAYS)


def test_health_reports_documents_chunks_and_embedder(fake_client: TestClient) -> None:
    body = fake_client.get("/api/health").json()
    assert body["status"] == "ok" and body["documents"] == 2 and body["chunks"] > 18
    assert body["embedder"] == FakeEmbedder.name


def test_ask_returns_passages_best_first_with_verbatim_quotes(fake_client: TestClient) -> None:
    res = fake_client.post(
        "/api/ask", json={"question": "Bibliotekshuvudmän kommunerna regionerna staten", "top_k": 4}
    )
    assert res.status_code == 200
    body = res.json()
    assert [p["rank"] for p in body["passages"]] == [1, 2, 3, 4]
    scores = [p["score"] for p in body["passages"]]
    assert scores == sorted(scores, reverse=True)
    texts = {(p["document_id"], p["locator"]): p["text"] for p in body["passages"]}
    assert not body["refused"] and body["citations"], "an answer with citations to check"
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
    fake_client: TestClient, payload: dict[str, object], fragment: str
) -> None:
    res = fake_client.post("/api/ask", json=payload)
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")
    body = res.json()
    assert body["status"] == 422 and fragment in body["detail"]


def test_invalid_json_is_a_problem_not_a_crash(fake_client: TestClient) -> None:
    res = fake_client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert res.status_code == 422 and "not valid JSON" in res.json()["detail"]


def test_documents_list_and_detail_let_a_citation_be_followed(fake_client: TestClient) -> None:
    docs = fake_client.get("/api/documents").json()
    law = next(d for d in docs if d["id"] == "bibliotekslag-2013-801")
    assert law["doc_type"] == "lag" and law["source_url"].startswith("https://") and law["chunks"] >= 18
    detail = fake_client.get("/api/documents/bibliotekslag-2013-801").json()
    locators = [s["locator"] for s in detail["sections"]]
    assert "3 §" in locators
    assert any("Bibliotekshuvudmän är kommunerna" in s["text"] for s in detail["sections"])


def test_unknown_document_is_404_problem(fake_client: TestClient) -> None:
    res = fake_client.get("/api/documents/finns-inte")
    assert res.status_code == 404 and "/api/documents" in res.json()["detail"]


def test_filters_restrict_passages_to_the_document_type(fake_client: TestClient) -> None:
    res = fake_client.post(
        "/api/ask", json={"question": "bibliotek samverkan kommuner", "filters": {"doc_type": ["webbsida"]}}
    )
    assert {p["document_id"] for p in res.json()["passages"]} == {
        "region-varmland-biblioteksverksamhetens-uppdrag"
    }


def test_a_message_asking_two_things_answers_each_in_its_own_paragraph(fake_client: TestClient) -> None:
    question = "Är bibliotekshuvudmän kommunerna, regionerna och staten? Och vad ska kommuner anta?"
    body = fake_client.post("/api/ask", json={"question": question}).json()
    first, second = body["parts"]
    assert first["question"] == "Är bibliotekshuvudmän kommunerna, regionerna och staten?"
    assert second["question"] == "Vad ska kommuner anta?"
    paragraphs = body["answer"].split("\n\n")
    assert [p.split(" – ")[0] for p in paragraphs] == [first["question"], second["question"]]
    cited = {c["n"]: c["locator"] for c in body["citations"]}
    assert "3 §" in {cited[n] for n in first["citations"]}
    assert "17 §" in {cited[n] for n in second["citations"]}
