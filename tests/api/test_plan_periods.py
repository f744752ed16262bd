"""Which plan applies, over the API: two versions of Exempelkommun's biblioteksplan, one expired."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

from ..support import ROOT, FakeEmbedder

PDF_FIXTURES = ROOT / "tests" / "fixtures" / "pdf"

OLD_PLAN = """---
title: "Biblioteksplan 2021–2024"
doc_type: "biblioteksplan"
publisher: "Exempelkommun"
period: "2021-2024"
---

# Biblioteksplan 2021–2024

Antagen av kommunfullmäktige 2021-03-15, § 45.

## Läsfrämjande för äldre

Läsfrämjande för äldre: biblioteket läser högt för äldre på äldreboenden varje vecka.
"""

NEW_PLAN = """---
title: "Biblioteksplan 2025–2028"
doc_type: "biblioteksplan"
publisher: "Exempelkommun"
period: "2025-2028"
---

# Biblioteksplan 2025–2028

Antagen av kommunfullmäktige 2025-03-17, § 12.

## Läsfrämjande

Biblioteket startar digitala bokcirklar för seniorer under planperioden.
"""

QUESTION = "Hur ser läsfrämjande för äldre ut, läser biblioteket högt på äldreboenden?"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The two-document corpus and two versions of one plan, for conftest's fake_pipeline and fake_client."""
    (settings.corpus_dir / "exempel-biblioteksplan-2021.md").write_text(OLD_PLAN, encoding="utf-8")
    (settings.corpus_dir / "exempel-biblioteksplan-2025.md").write_text(NEW_PLAN, encoding="utf-8")
    # The fake embedder's similarities are not e5's: answer from the best passage rather than refuse.
    return settings.model_copy(
        update={"refuse_min_sentence": 0.0, "refuse_min_coverage": 0.0, "refuse_min_placed": 0.0}
    )


@pytest.fixture
def pipeline(fake_pipeline: Pipeline) -> Pipeline:
    return fake_pipeline


@pytest.fixture
def client(fake_client: TestClient) -> TestClient:
    return fake_client


def _ask(client: TestClient, question: str, **extra: Any) -> dict[str, Any]:
    res = client.post("/api/ask", json={"question": question, **extra})
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def _cited(answer: dict[str, Any]) -> set[str]:
    return {c["document_id"] for c in answer["citations"]}


def test_a_plain_question_is_answered_from_the_plan_in_force(client: TestClient) -> None:
    answer = _ask(client, QUESTION)
    assert {p["document_id"] for p in answer["passages"]} <= {
        "exempel-biblioteksplan-2025",
        "bibliotekslag-2013-801",
        "region-varmland-biblioteksverksamhetens-uppdrag",
    }
    assert all(c["period_note"] is None for c in answer["citations"])


def test_the_expired_plan_answers_when_the_question_names_its_period(client: TestClient) -> None:
    answer = _ask(
        client, "Vad stod det i biblioteksplanen 2021–2024 om läsfrämjande för äldre på äldreboenden?"
    )
    assert not answer["refused"], answer
    assert _cited(answer) == {"exempel-biblioteksplan-2021"}
    assert {c["period_note"] for c in answer["citations"]} == {"gällde 2021–2024"}


@pytest.mark.parametrize(
    "question",
    [
        "Vad stod det i den förra biblioteksplanen om läsfrämjande för äldre på äldreboenden?",
        "Läste biblioteket högt på äldreboenden under 2022?",
    ],
)
def test_earlier_plans_answer_questions_about_earlier_plans_or_years(
    client: TestClient, question: str
) -> None:
    answer = _ask(client, question)
    assert "exempel-biblioteksplan-2021" in _cited(answer)
    assert "exempel-biblioteksplan-2025" not in {p["document_id"] for p in answer["passages"]}


def test_a_plan_not_in_the_index_is_named_instead_of_answering_from_another(client: TestClient) -> None:
    answer = _ask(client, "Vad står det i Karlstads biblioteksplan om läsfrämjande för äldre?")
    said = answer["answer"] + " " + (answer["note"] or "")
    assert "Karlstads biblioteksplan finns inte bland dokumenten" in said
    plans = {"exempel-biblioteksplan-2021", "exempel-biblioteksplan-2025"}
    assert not plans & {p["document_id"] for p in answer["passages"]}


def test_filters_that_choose_documents_bypass_the_default_scope(client: TestClient) -> None:
    answer = _ask(client, QUESTION, filters={"document_id": ["exempel-biblioteksplan-2021"]})
    assert _cited(answer) == {"exempel-biblioteksplan-2021"}


def test_the_document_list_shows_the_plan_metadata(client: TestClient) -> None:
    docs = {d["id"]: d for d in client.get("/api/documents").json()}
    old = docs["exempel-biblioteksplan-2021"]
    assert (old["organisation"], old["kind"], old["period"], old["in_force"]) == (
        "Exempelkommun",
        "biblioteksplan",
        "2021–2024",
        False,
    )
    assert (old["adopted"], old["adopted_by"]) == ("2021-03-15", "kommunfullmäktige")
    assert docs["bibliotekslag-2013-801"]["kind"] == "lag" and docs["bibliotekslag-2013-801"]["in_force"]


def test_patch_changes_what_is_shown_and_filtered_without_embedding_again(
    client: TestClient, pipeline: Pipeline, fake_embedder: FakeEmbedder
) -> None:
    embedded = fake_embedder.texts
    res = client.patch(
        "/api/documents/exempel-biblioteksplan-2021",
        json={"organisation": "Karlstads kommun", "adopted": None},
    )
    assert res.status_code == 200, res.text
    assert res.json()["organisation"] == "Karlstads kommun" and res.json()["adopted"] is None
    listed = {d["id"]: d for d in client.get("/api/documents").json()}
    assert listed["exempel-biblioteksplan-2021"]["organisation"] == "Karlstads kommun"
    assert fake_embedder.texts == embedded
    pipeline.ingest(progress=False)  # the unchanged file does not undo the edit
    assert pipeline.documents()["exempel-biblioteksplan-2021"].metadata["organisation"] == "Karlstads kommun"
    filtered = _ask(
        client, "läsfrämjande äldre", filters={"organisation": ["Karlstads kommun"], "date_to": "2022-01-01"}
    )
    assert {p["document_id"] for p in filtered["passages"]} == {"exempel-biblioteksplan-2021"}
    named = _ask(client, "Vad står det i Karlstads biblioteksplan om läsfrämjande för äldre på äldreboenden?")
    assert _cited(named) == {"exempel-biblioteksplan-2021"}
    assert named["citations"][0]["period_note"] == "gällde 2021–2024"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"kind": "roman"}, 422),
        ({"period": "nästa år"}, 422),
        ({"adopted": "15 mars"}, 422),
        ({"colour": "blå"}, 422),
        ({"organisation": 7}, 422),
    ],
)
def test_patch_refuses_bad_metadata_with_a_problem(
    client: TestClient, body: dict[str, Any], status: int
) -> None:
    res = client.patch("/api/documents/exempel-biblioteksplan-2021", json=body)
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")


def test_patch_of_an_unknown_document_is_404(client: TestClient) -> None:
    assert client.patch("/api/documents/finns-inte", json={"kind": "kulturplan"}).status_code == 404


def test_patch_needs_the_write_key(settings: Settings, pipeline: Pipeline) -> None:
    keyed = settings.model_copy(update={"api_key": "hemlig-nyckel-1234"})
    with TestClient(create_app(keyed, pipeline)) as c:
        url = "/api/documents/exempel-biblioteksplan-2021"
        assert c.patch(url, json={"kind": "kulturplan"}).status_code == 401
        ok = c.patch(url, json={"kind": "kulturplan"}, headers={"Authorization": "Bearer hemlig-nyckel-1234"})
        assert ok.status_code == 200 and ok.json()["kind"] == "kulturplan"


def test_an_uploaded_plan_shows_what_was_detected_and_the_form_wins(
    client: TestClient, tmp_path: Path
) -> None:
    data = (PDF_FIXTURES / "biblioteksplan-word.pdf").read_bytes()
    res = client.post(
        "/api/documents",
        files={"file": ("biblioteksplan.pdf", data)},
        data={"organisation": "Region Värmland", "period": "2025-2028"},
    )
    assert res.status_code == 202, res.text
    body = res.json()
    assert body["detected"] == {
        "kind": "biblioteksplan",
        "period": "2025–2028",
        "organisation": "Exempelkommun",
        "adopted": "2025-03-17",
        "adopted_by": "kommunfullmäktige",
        "adopted_ref": "§ 45",
    }
    assert body["metadata"]["organisation"] == "Region Värmland" and body["metadata"]["period"] == "2025–2028"
    client.app.state.services.jobs.wait(body["job"]["id"], timeout=60)  # type: ignore[attr-defined]
    doc = next(d for d in client.get("/api/documents").json() if d["id"] == body["document_id"])
    assert (doc["organisation"], doc["kind"], doc["adopted"]) == (
        "Region Värmland",
        "biblioteksplan",
        "2025-03-17",
    )


def test_an_upload_with_a_bad_period_is_refused(client: TestClient) -> None:
    res = client.post(
        "/api/documents", files={"file": ("plan.md", NEW_PLAN.encode())}, data={"period": "alltid"}
    )
    assert res.status_code == 422, res.text
