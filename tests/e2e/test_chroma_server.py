"""planbot against a real `chroma run` server on 127.0.0.1 (PLANBOT_CHROMA_URL)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.errors import IndexUnavailable
from planbot.pipeline import Pipeline
from planbot.records import Vectors
from planbot.server.app import create_app
from planbot_dev.loadtest import free_port, stop_process

from ..support import FakeEmbedder
from .conftest import start_chroma


@pytest.fixture
def server_settings(settings: Settings, chroma_url: str, request: pytest.FixtureRequest) -> Settings:
    """The two-document corpus, indexed in its own collection on the Chroma server."""
    collection = "t-" + "".join(ch for ch in request.node.name.lower() if ch.isalnum())[:40]
    return settings.model_copy(update={"chroma_url": chroma_url, "collection": collection})


def test_ingest_ask_reingest_and_delete_work_against_a_chroma_server(server_settings: Settings) -> None:
    embedder = FakeEmbedder()
    pipeline = Pipeline(server_settings, embedder=embedder)
    first = pipeline.ingest(progress=False)
    assert sorted(first.added) == [
        "bibliotekslag-2013-801",
        "region-varmland-biblioteksverksamhetens-uppdrag",
    ]
    assert not (server_settings.index_dir / "chroma.sqlite3").exists()  # no embedded Chroma store

    _, passages = pipeline.search("Vilka är bibliotekshuvudmän enligt bibliotekslagen?")
    assert passages[0].chunk.document_id == "bibliotekslag-2013-801"

    embedded = embedder.texts
    again = pipeline.ingest(progress=False)
    assert again.chunks_embedded == 0 and embedder.texts == embedded
    assert sorted(again.unchanged) == sorted(first.added)

    pipeline.delete_document("bibliotekslag-2013-801")
    _, passages = pipeline.search("Vilka är bibliotekshuvudmän enligt bibliotekslagen?")
    assert {p.chunk.document_id for p in passages} == {"region-varmland-biblioteksverksamhetens-uppdrag"}


def test_a_second_api_process_sees_what_the_first_ingested(server_settings: Settings) -> None:
    writer = Pipeline(server_settings, embedder=FakeEmbedder())
    writer.ingest(progress=False)
    reader = Pipeline(server_settings, embedder=FakeEmbedder())
    assert reader.documents().keys() == writer.documents().keys()
    assert reader.chunk_count() == writer.chunk_count() > 0
    writer.delete_document("region-varmland-biblioteksverksamhetens-uppdrag")
    assert list(Pipeline(server_settings, embedder=FakeEmbedder()).documents()) == ["bibliotekslag-2013-801"]


def test_another_machine_reads_the_sentence_vectors_from_the_server_once_then_from_its_own_file(
    server_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = Pipeline(server_settings, embedder=FakeEmbedder())
    writer.ingest(progress=False)
    chunks = [c.id for c in writer.retriever.chunks][:20]
    expected = writer.index.sentence_vectors(chunks, writer.documents())
    # A second machine: the same Chroma server, its own disk without the writer's segments and files.
    other = server_settings.model_copy(update={"index_dir": tmp_path / "other-machine"})
    reader = Pipeline(other, embedder=FakeEmbedder())
    folder = tmp_path / "other-machine" / f"{other.collection}-sentences"
    assert len(list(folder.glob("*.sv"))) == len(writer.documents())

    def no_server_reads(*_: object, **__: object) -> None:
        raise AssertionError("sentence vectors read from the Chroma server")

    monkeypatch.setattr(reader.index._sentences, "_fetch_chroma", no_server_reads)
    got = reader.index.sentence_vectors(chunks, reader.documents())
    assert [(s.chunk_id, s.start, s.end) for s in got] == [(s.chunk_id, s.start, s.end) for s in expected]
    assert np.allclose(np.stack([s.vector for s in got]), np.stack([s.vector for s in expected]), atol=1e-3)
    # The contextual vectors (rows of their own on the server) came along, so both machines rank alike.
    assert all(s.context is not None for s in got)
    assert np.allclose(
        np.stack([s.context for s in got]),  # type: ignore[misc]
        np.stack([s.context for s in expected]),  # type: ignore[misc]
        atol=1e-3,
    )


def test_sentence_vectors_left_without_contextual_rows_are_repaired_by_the_next_ingest(
    server_settings: Settings, tmp_path: Path
) -> None:
    writer = Pipeline(server_settings, embedder=FakeEmbedder())
    writer.ingest(progress=False)
    server_rows = writer.index._sentences._collection
    server_rows.delete(where={"context": True})  # as a planbot from before the contextual vectors left it
    other = server_settings.model_copy(update={"index_dir": tmp_path / "other-machine"})
    reader = Pipeline(other, embedder=FakeEmbedder())
    folder = tmp_path / "other-machine" / f"{other.collection}-sentences"
    assert not list(folder.glob("*.sv"))  # not copied: a file without them would never be repaired
    chunks = [c.id for c in reader.retriever.chunks][:20]
    assert reader.index.sentence_vectors(chunks, reader.documents())  # served from the server meanwhile

    report = reader.ingest(progress=False)
    assert sorted(report.repaired) == sorted(writer.documents())
    got = reader.index.sentence_vectors(chunks, reader.documents())
    assert got and all(s.context is not None for s in got)
    assert server_rows.get(where={"context": True}, limit=1)["ids"]  # back on the server for every machine


def test_a_document_first_seen_in_its_second_pass_is_copied_once_the_pass_ends(
    server_settings: Settings, tmp_path: Path
) -> None:
    writer = Pipeline(server_settings, embedder=FakeEmbedder())
    writer.ingest(progress=False)
    law = "bibliotekslag-2013-801"
    # As the writer's manifest reads while the second pass embeds the law's sentences on their own.
    writer.index._manifest.update(ids=[law], metadatas=[{"sentences": "pooled"}])
    other = server_settings.model_copy(update={"index_dir": tmp_path / "other-machine"})
    reader = Pipeline(other, embedder=FakeEmbedder())
    folder = tmp_path / "other-machine" / f"{other.collection}-sentences"
    assert len(list(folder.glob("*.sv"))) == len(writer.documents()) - 1  # not the provisional law
    writer.index._manifest.update(ids=[law], metadatas=[{"sentences": None}])  # the pass ended
    reader.retriever.refresh()
    assert len(list(folder.glob("*.sv"))) == len(writer.documents())


def test_an_unreachable_chroma_server_is_reported_with_its_address(settings: Settings) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(IndexUnavailable, match=f"127.0.0.1:{url.rsplit(':', 1)[1]}"):
        Pipeline(settings.model_copy(update={"chroma_url": url}), embedder=FakeEmbedder())


@pytest.mark.real
def test_the_real_embedder_answers_with_citations_from_a_chroma_server(server_settings: Settings) -> None:
    pipeline = Pipeline(server_settings)
    pipeline.ingest(progress=False)
    answer = pipeline.ask("Vad är folkbibliotekens ändamål enligt bibliotekslagen?")
    assert not answer.refused
    assert answer.citations[0].chunk.document_id == "bibliotekslag-2013-801"


class _KillingEmbedder(FakeEmbedder):
    """Kills the Chroma server while a question is being answered, once armed."""

    def __init__(self) -> None:
        super().__init__()
        self.victim: subprocess.Popen[bytes] | None = None

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        if query and self.victim is not None:
            self.victim.kill()
            self.victim.wait(10)
        return super().embed(texts, query=query)


def test_a_chroma_server_killed_mid_request_gives_a_503_problem_not_a_plain_500(
    settings: Settings, tmp_path: Path
) -> None:
    proc, url = start_chroma(tmp_path)
    try:
        # The dense search on Chroma: on the segments' vectors a question needs no Chroma server at all.
        server_settings = settings.model_copy(
            update={"chroma_url": url, "collection": "killed", "exact_search_chunks": 0}
        )
        embedder = _KillingEmbedder()
        pipeline = Pipeline(server_settings, embedder=embedder)
        pipeline.ingest(progress=False)
        with TestClient(create_app(server_settings, pipeline), raise_server_exceptions=False) as client:
            assert (
                client.post("/api/ask", json={"question": "Vilka är bibliotekshuvudmän?"}).status_code == 200
            )
            embedder.victim = proc  # the next question's embedding kills the server before retrieval
            # A new question: a repeated one's vector comes from the retriever's cache, not the embedder.
            res = client.post("/api/ask", json={"question": "Vem är bibliotekshuvudman?"})
        assert proc.poll() is not None
        assert res.status_code == 503 and res.headers["content-type"] == "application/problem+json"
        assert res.headers["retry-after"] == "5" and "Chroma server" in res.json()["detail"]
    finally:
        stop_process(proc, 10)
