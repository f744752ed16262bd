"""Administration: uploads embedded in the background, ids that never overwrite, delete and re-index."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planbot.chroma import drop_index
from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

from ..conftest import PdfFactory
from ..support import FakeEmbedder, FakePoolingEmbedder

PLAN = "# Plan för läsfrämjande\n\nBiblioteket i Torsby samverkar med skolan om läsfrämjande för barn.\n"


def _done(client: TestClient, url: str) -> dict[str, Any]:
    runner = client.app.state.services.jobs  # type: ignore[attr-defined]
    job_id = url.rsplit("/", 1)[1]
    runner.wait(job_id, timeout=60)
    body: dict[str, Any] = client.get(url).json()
    return body


def _upload(client: TestClient, name: str, data: bytes, **fields: str) -> dict[str, Any]:
    res = client.post("/api/documents", files={"file": (name, data)}, data=fields)
    assert res.status_code == 202, res.text
    body: dict[str, Any] = res.json()
    assert res.headers["location"] == body["job"]["url"]
    return body


def test_upload_is_searchable_after_its_job_with_the_metadata_given(
    fake_client: TestClient, settings: Settings
) -> None:
    body = _upload(
        fake_client,
        "Läsplan Torsby.md",
        PLAN.encode(),
        doc_type="plan",
        valid_from="2024-01-01",
        valid_to="2027-12-31",
    )
    assert body["document_id"] == "lasplan-torsby" and body["job"]["state"] in ("queued", "running")
    job = _done(fake_client, body["job"]["url"])
    assert job["state"] == "done" and job["progress"]["done"] == job["progress"]["total"] > 0
    assert job["report"]["added"] == ["lasplan-torsby"]
    doc = next(d for d in fake_client.get("/api/documents").json() if d["id"] == "lasplan-torsby")
    assert doc["title"] == "Plan för läsfrämjande" and doc["doc_type"] == "plan"
    assert doc["metadata"]["origin"] == "upload" and doc["metadata"]["valid_from"] == "2024-01-01"
    answer = fake_client.post(
        "/api/ask", json={"question": "Torsby skolan läsfrämjande", "filters": {"date_from": "2025-06-01"}}
    ).json()
    assert answer["passages"][0]["document_id"] == "lasplan-torsby"
    assert (settings.data_dir / "uploads" / "lasplan-torsby.md").read_bytes() == PLAN.encode()


def test_pdf_upload_keeps_its_pages_for_citations(fake_client: TestClient, make_pdf: PdfFactory) -> None:
    pdf = make_pdf(
        [["Kulturplan", "Biblioteken i Värmland samverkar."], ["Mål", "Läsning för alla barn i länet."]]
    )
    body = _upload(fake_client, "kulturplan.pdf", pdf)
    assert _done(fake_client, body["job"]["url"])["state"] == "done"
    sections = fake_client.get("/api/documents/kulturplan").json()["sections"]
    assert {s["page"] for s in sections} == {1, 2}


def test_a_name_clash_with_other_content_gets_a_suffix_and_never_overwrites(fake_client: TestClient) -> None:
    first = _upload(fake_client, "plan.md", PLAN.encode())
    second = _upload(fake_client, "PLAN.md", PLAN.replace("Torsby", "Arvika").encode())
    clash = _upload(fake_client, "bibliotekslag 2013 801.md", b"# Annan lag\n\nHelt annan text om arkiv.\n")
    assert (first["document_id"], second["document_id"]) == ("plan", "plan-2")
    assert clash["document_id"] == "bibliotekslag-2013-801-2"
    for body in (first, second, clash):
        assert _done(fake_client, body["job"]["url"])["state"] == "done"
    law = fake_client.get("/api/documents/bibliotekslag-2013-801").json()
    assert law["metadata"].get("origin", "corpus") == "corpus" and law["chunks"] >= 18


def test_simultaneous_uploads_of_one_name_get_distinct_ids(fake_client: TestClient) -> None:
    ids: list[str] = []

    def send(n: int) -> None:
        ids.append(
            _upload(fake_client, "plan.md", PLAN.replace("Torsby", f"Ort {n}").encode())["document_id"]
        )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids) == ["plan", "plan-2", "plan-3", "plan-4"]


def test_the_same_content_queued_twice_is_a_conflict(fake_client: TestClient) -> None:
    fake_client.app.state.pipeline._write_lock.acquire()  # type: ignore[attr-defined]  # hold the job queued
    try:
        _upload(fake_client, "plan.md", PLAN.encode())
        res = fake_client.post("/api/documents", files={"file": ("kopia.md", PLAN.encode())})
    finally:
        fake_client.app.state.pipeline._write_lock.release()  # type: ignore[attr-defined]
    assert res.status_code == 409 and "already being indexed as document 'plan'" in res.json()["detail"]


def test_stray_control_characters_in_text_are_not_indexed(fake_client: TestClient) -> None:
    body = _upload(fake_client, "plan.txt", b"# Plan\n\nBiblioteket\x07 samverkar\x1b med skolan.\n")
    _done(fake_client, body["job"]["url"])
    text = fake_client.get("/api/documents/plan").json()["sections"][0]["text"]
    assert "\x07" not in text and "\x1b" not in text and "samverkar" in text


def test_delete_removes_an_upload_and_its_kept_file(fake_client: TestClient, settings: Settings) -> None:
    body = _upload(fake_client, "plan.md", PLAN.encode())
    _done(fake_client, body["job"]["url"])
    before = fake_client.get("/api/health").json()
    res = fake_client.delete("/api/documents/plan")
    assert res.status_code == 200 and res.json() == {"deleted": "plan", "note": None}
    after = fake_client.get("/api/health").json()
    assert after["documents"] == before["documents"] - 1 and after["chunks"] < before["chunks"]
    assert fake_client.get("/api/documents/plan").status_code == 404
    assert not any((settings.data_dir / "uploads").iterdir())


def test_deleting_a_corpus_document_says_it_returns_at_the_next_reindex(fake_client: TestClient) -> None:
    res = fake_client.delete("/api/documents/bibliotekslag-2013-801")
    assert res.status_code == 200 and "next re-index" in res.json()["note"]
    job = _done(fake_client, fake_client.post("/api/reindex").json()["url"])
    assert job["report"]["added"] == ["bibliotekslag-2013-801"]


def test_reindex_keeps_uploads_and_restores_them_after_a_rebuild(
    settings: Settings, fake_pipeline: Pipeline, fake_embedder: FakeEmbedder
) -> None:
    with TestClient(create_app(settings, fake_pipeline)) as client:
        _done(client, _upload(client, "plan.md", PLAN.encode(), title="Läsplan")["job"]["url"])
        job = _done(client, client.post("/api/reindex").json()["url"])
        assert job["state"] == "done" and "plan" not in job["report"]["removed"]
        assert "plan" in {d["id"] for d in client.get("/api/documents").json()}
    drop_index(settings)
    rebuilt = Pipeline(settings, embedder=fake_embedder)
    with TestClient(create_app(settings, rebuilt)) as client:
        job = _done(client, client.post("/api/reindex").json()["url"])
        assert "plan" in job["report"]["added"]
        doc = client.get("/api/documents/plan").json()
        assert doc["title"] == "Läsplan" and doc["metadata"]["origin"] == "upload"


def test_a_failed_embedding_marks_the_job_failed_and_forgets_the_file(
    fake_client: TestClient, settings: Settings, fake_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(docs: object, **_: object) -> object:
        raise RuntimeError("disk full")

    monkeypatch.setattr(fake_pipeline, "ingest_documents", broken)
    job = _done(fake_client, _upload(fake_client, "plan.md", PLAN.encode())["job"]["url"])
    assert job["state"] == "failed" and "disk full" in job["error"]
    assert not list(Path(settings.data_dir / "uploads").glob("plan*"))
    assert fake_client.get("/api/health").json()["index"]["jobs_running"] == 0


def test_health_reports_where_the_index_is_and_the_last_ingest(
    fake_client: TestClient, settings: Settings
) -> None:
    index = fake_client.get("/api/health").json()["index"]
    assert index == {
        "path": str(settings.index_dir), "url": None, "last_ingest": None, "jobs_running": 0, "jobs_queued": 0
    }  # fmt: skip
    _done(fake_client, _upload(fake_client, "plan.md", PLAN.encode())["job"]["url"])
    assert fake_client.get("/api/health").json()["index"]["last_ingest"].startswith("20")


class _GatedPooling(FakePoolingEmbedder):
    """Its first pass waits for ``first_pass``; records when each upload's first and second passes ran."""

    def __init__(self) -> None:
        super().__init__()
        self.first_pass = threading.Event()
        self.first_pass.set()
        self.log: list[str] = []

    def embed_pooled(self, passages: Any, groups: Any) -> Any:
        assert self.first_pass.wait(30)
        self.log.append("first " + ("torsby" if "Torsby" in " ".join(passages[0]) else "other"))
        return super().embed_pooled(passages, groups)

    def embed(self, texts: list[str], *, query: bool = False) -> Any:
        if not query:
            self.log.append("second " + ("torsby" if any("Torsby" in t for t in texts) else "other"))
        return super().embed(texts, query=query)


def test_an_upload_queued_behind_another_is_searchable_before_the_others_second_pass(
    settings: Settings,
) -> None:
    embedder = _GatedPooling()
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest(progress=False)
    with TestClient(create_app(settings, pipeline)) as client:
        embedder.log.clear()
        embedder.first_pass.clear()
        first = _upload(client, "torsby.md", PLAN.encode())
        second = _upload(
            client, "kil.md", "# Plan för Kil\n\nBiblioteket i Kil ordnar sagostunder.\n".encode()
        )
        embedder.first_pass.set()
        a, b = _done(client, first["job"]["url"]), _done(client, second["job"]["url"])
    assert embedder.log.index("first other") < embedder.log.index("second torsby")
    assert b["searchable"] < a["finished"]
    assert a["state"] == b["state"] == "done"
    assert (a["report"]["refined"], b["report"]["refined"]) == (["torsby"], ["kil"])  # each job its own
