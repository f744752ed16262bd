"""HTTP: /api/lagkoll (JSON, upload, exports), /api/support, /api/compare, and the /verktyg page."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planbot.pipeline import Pipeline
from planbot.server.app import create_app
from planbot.server.worker_process import pipeline_handler

from ..support import FakeEmbedder, fake_pipeline
from ..unit.test_lagkoll import planwork_settings

PLAN = (
    "# Biblioteksplan för Testby 2025–2028\n\n## Barn\n\nVi ska erbjuda sagostunder för barn varje vecka "
    "för att stärka barnens språk och läsning.\n\n## Avgifter\n\nDet är gratis att låna och vi ska ta bort "
    "alla förseningsavgifter.\n"
)


@pytest.fixture(params=["in process", "answer processes"])
def client(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The plan tools' API, run in the serving process, or in two answer processes (PLANBOT_ANSWER_PROCESSES).

    With answer processes the serving process's own search must not run: the tools are computed there.
    """
    # Uploading a plan for Lagkoll is a write: allowed without a key from this machine (PLANBOT_LOCAL_WRITES).
    settings = planwork_settings(tmp_path).model_copy(
        update={"local_writes": True, "allowed_hosts": ["testserver"]}
    )
    pipeline = Pipeline(settings, embedder=FakeEmbedder())
    pipeline.ingest(progress=False)
    options: dict[str, Any] = {}
    if request.param == "answer processes":
        settings = settings.model_copy(update={"answer_processes": 2, "rate_limit_per_minute": 0})
        options["answer_handler"] = functools.partial(pipeline_handler, build=fake_pipeline)

        def not_here(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("a plan tool ran in the serving process")

        for name in ("search", "ask"):
            monkeypatch.setattr(pipeline, name, not_here)
    with TestClient(create_app(settings, pipeline, **options)) as c:
        yield c


def test_lagkoll_by_document_id(client: TestClient) -> None:
    res = client.post("/api/lagkoll", json={"document_id": "biblioteksplan-alunda"})
    assert res.status_code == 200
    body = res.json()
    assert len(body["requirements"]) == sum(body["counts"].values()) >= 16
    first = body["requirements"][0]
    assert first["law"]["verified"] and first["law"]["locator"] == "2 §"
    for req in body["requirements"]:
        assert req["status"] in {"behandlas", "nämns", "saknas"}


@pytest.mark.parametrize(
    ("fmt", "media", "start"), [("csv", "text/csv", "krav_id,"), ("md", "text/markdown", "# Lagkoll")]
)
def test_lagkoll_exports(client: TestClient, fmt: str, media: str, start: str) -> None:
    res = client.post(f"/api/lagkoll?format={fmt}", json={"document_id": "biblioteksplan-brovik"})
    assert res.status_code == 200 and res.headers["content-type"].startswith(media)
    assert res.text.startswith(start) and "attachment" in res.headers["content-disposition"]


def test_lagkoll_of_an_uploaded_plan_indexes_it_first(client: TestClient) -> None:
    res = client.post("/api/lagkoll", files={"file": ("testby.md", PLAN.encode(), "text/markdown")})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["document_id"] == "testby"
    status = {r["id"]: r["status"] for r in body["requirements"]}
    assert status["bl-9-avgiftsfritt"] == "behandlas" and status["bl-5-minoritetssprak"] == "saknas"
    again = client.post("/api/lagkoll", files={"file": ("copy.md", PLAN.encode(), "text/markdown")})
    assert again.json()["document_id"] == "testby"  # the same content is not indexed twice


@pytest.mark.parametrize(
    ("kwargs", "status", "detail"),
    [
        ({"json": {"document_id": "nope"}}, 404, "nope"),
        ({"json": {"document_id": "biblioteksplan-alunda", "extra": 1}}, 422, "'extra' is not a known field"),
        ({"json": {}}, 422, "'document_id' is required"),
        ({"content": b"{", "headers": {"content-type": "application/json"}}, 422, "not valid JSON"),
        ({"content": b"hej", "headers": {"content-type": "text/plain"}}, 422, "multipart"),
        ({"files": {"other": ("a.md", b"x", "text/markdown")}}, 422, "'file'"),
        ({"files": {"file": ("a.zip", b"PK\x03\x04zzzz", "application/zip")}}, 415, "ZIP"),
    ],
)
def test_lagkoll_bad_input(client: TestClient, kwargs: dict[str, object], status: int, detail: str) -> None:
    res = client.post("/api/lagkoll", **kwargs)  # type: ignore[arg-type]
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert detail in res.json()["detail"]


def test_support_returns_cited_items_and_stores_nothing_by_default(
    client: TestClient, tmp_path: Path
) -> None:
    res = client.post(
        "/api/support",
        json={
            "description": "Sagostunder och bokpåsar för små barn för att stärka språket.",
            "document_ids": ["biblioteksplan-alunda"],
        },
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["stored"] is False and not (tmp_path / "data" / "support").exists()
    assert [d["document_id"] for d in body["searched"]] == ["biblioteksplan-alunda", "bibliotekslag-2013-801"]
    assert all(s.endswith("]") for s in body["sentences"])


def test_support_stores_only_when_asked(client: TestClient, tmp_path: Path) -> None:
    res = client.post("/api/support", json={"description": "Sagostunder för barn.", "store": True})
    assert res.json()["stored"] is True
    assert (tmp_path / "data" / "support" / f"{res.json()['stored_as']}.json").is_file()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"description": "x" * 5001}, 422),
        ({"description": "x" * 200_000}, 413),
        ({"description": "Läsning", "unknown": True}, 422),
        ({"description": "Läsning", "document_ids": ["nope"]}, 404),
        ({"description": ""}, 422),
    ],
)
def test_support_bad_input(client: TestClient, body: dict[str, object], status: int) -> None:
    res = client.post("/api/support", json=body)
    assert res.status_code == status, res.text
    assert res.json()["detail"]


def test_compare_gives_one_column_per_document(client: TestClient) -> None:
    ids = ["biblioteksplan-alunda", "biblioteksplan-ekeby", "biblioteksplan-grenas"]
    res = client.post("/api/compare", json={"question": "Hur följs planen upp?", "document_ids": ids})
    assert res.status_code == 200, res.text
    assert [c["document_id"] for c in res.json()["columns"]] == ids
    csv_res = client.post(
        "/api/compare?format=csv", json={"question": "Hur följs planen upp?", "document_ids": ids}
    )
    assert (
        csv_res.headers["content-type"].startswith("text/csv") and len(csv_res.text.strip().splitlines()) == 4
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": "Läsning?", "document_ids": ["biblioteksplan-alunda"]}, 422),
        ({"question": "Läsning?", "document_ids": ["biblioteksplan-alunda", "nope"]}, 404),
        ({"question": "", "document_ids": ["biblioteksplan-alunda", "biblioteksplan-ekeby"]}, 422),
        ({"question": "Läsning?", "doc_type": "biblioteksplan", "extra": 1}, 422),
        ({"question": "Läsning?"}, 422),
    ],
)
def test_compare_bad_input(client: TestClient, body: dict[str, object], status: int) -> None:
    res = client.post("/api/compare", json=body)
    assert res.status_code == status, res.text


def test_tools_page_and_link_from_the_chat_page(client: TestClient) -> None:
    page = client.get("/verktyg")
    assert page.status_code == 200 and "Lagkoll" in page.text and "Jämför" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/verktyg.js").status_code == 200
    assert "@media print" in client.get("/static/verktyg.css").text
    assert 'href="/verktyg"' in client.get("/").text
