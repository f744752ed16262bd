"""PLANBOT_ANSWER_PROCESSES: /api/ask answered in worker processes over the same embedded index."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.records import Document
from planbot.server.app import create_app
from planbot.server.worker_process import pipeline_handler

from ..support import fake_pipeline as build_fake_pipeline
from .test_chat import events

QUESTION = "Vad är folkbibliotekens ändamål?"


@pytest.fixture
def processes_client(
    settings: Settings, fake_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app with two answer processes (fake embedder); the serving process's own ask must not run."""
    expected = fake_pipeline.ask(QUESTION)

    def not_here(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("asked in the serving process")

    monkeypatch.setattr(fake_pipeline, "ask", not_here)
    app = create_app(
        settings.model_copy(update={"answer_processes": 2, "rate_limit_per_minute": 0}),
        fake_pipeline,
        answer_handler=functools.partial(pipeline_handler, build=build_fake_pipeline),
    )
    with TestClient(app) as client:
        client.expected = expected  # type: ignore[attr-defined]
        yield client


def test_a_question_gets_the_same_cited_answer_from_an_answer_process(processes_client: TestClient) -> None:
    assert processes_client.get("/api/health").json()["answer_processes"] == 2
    response = processes_client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = processes_client.expected  # type: ignore[attr-defined]
    assert body["answer"] == expected.text
    assert [(p["document_id"], p["locator"]) for p in body["passages"]] == [
        (p.chunk.document_id, p.chunk.locator) for p in expected.passages
    ]
    assert body["passages"]


def test_a_question_too_long_is_refused_by_the_answer_process_with_a_clear_422(
    processes_client: TestClient,
) -> None:
    response = processes_client.post("/api/ask", json={"question": "bibliotek " * 300})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "limit is 2000" in response.json()["detail"]


def test_documents_added_and_deleted_in_the_serving_process_are_seen_by_the_next_question(
    processes_client: TestClient, fake_pipeline: Pipeline
) -> None:
    text = (
        "# Sagostund\n\nSagostunden för barn hålls i Fryksdalens bibliotek varje tisdag med drakar och troll."
    )
    doc = Document(
        id="sagostund",
        title="Sagostund i Fryksdalen",
        text=text,
        path="sagostund.md",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    question = "När är sagostunden med drakar och troll i Fryksdalen?"

    def cited() -> list[str]:
        response = processes_client.post("/api/ask", json={"question": question})
        assert response.status_code == 200, response.text
        return [p["document_id"] for p in response.json()["passages"]]

    assert "sagostund" not in cited()  # the workers have read the index once before the change
    fake_pipeline.ingest_documents([doc])
    for _ in range(4):  # whichever worker takes the question
        assert cited()[0] == "sagostund"
    fake_pipeline.delete_document("sagostund")
    for _ in range(4):
        assert "sagostund" not in cited()


def test_questions_asked_while_documents_are_ingested_and_deleted_are_all_answered(
    processes_client: TestClient, fake_pipeline: Pipeline
) -> None:
    statuses: list[int] = []
    done = threading.Event()

    def keep_asking(filters: dict[str, list[str]] | None) -> None:
        while not done.is_set():
            body = {"question": "Vad gör regionen för biblioteken?", "filters": filters}
            statuses.append(processes_client.post("/api/ask", json=body).status_code)

    def plan(doc_id: str, n: int) -> Document:
        text = f"# Plan {n}\n\nRegionen stöder biblioteken med fortbildning, runda {n}."
        digest = hashlib.sha256(text.encode()).hexdigest()
        return Document(id=doc_id, title=f"Plan {n}", text=text, path=f"{doc_id}.md", content_hash=digest)

    fake_pipeline.ingest_documents([plan("plan", 0)])
    # A filter is answered from Chroma's metadata, which is live, against the graph a worker loaded
    # earlier: a new version of a filtered document is in the one before the other.
    askers = [threading.Thread(target=keep_asking, args=(f,)) for f in (None, {"document_id": ["plan"]})]
    for t in askers:
        t.start()
    try:
        for n in range(1, 9):
            fake_pipeline.ingest_documents([plan("plan", n)])  # a new version of the same plan
            fake_pipeline.ingest_documents([plan(f"plan-{n}", n)])
            if n % 2:
                fake_pipeline.delete_document(f"plan-{n}")
    finally:
        done.set()
        for t in askers:
            t.join()
    assert len(statuses) > 10
    assert set(statuses) == {200}


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_chat_turns_are_answered_by_an_answer_process_and_stored(
    processes_client: TestClient, path: str
) -> None:
    response = processes_client.post(path, json={"message": QUESTION})
    assert response.status_code == 200, response.text
    turn = response.json() if path == "/api/chat" else events(response.text)[-2][1]
    assert turn["answer"] == processes_client.expected.text  # type: ignore[attr-defined]
    stored = processes_client.get(f"/api/conversations/{turn['conversation_id']}").json()["turns"]
    assert [t["role"] for t in stored] == ["user", "assistant"]
    assert stored[1]["answer"]["answer"] == turn["answer"]
