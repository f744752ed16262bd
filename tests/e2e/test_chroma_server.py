"""planbot against a real `chroma run` server on 127.0.0.1 (PLANBOT_CHROMA_URL)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from planbot.config import Settings
from planbot.errors import IndexUnavailable
from planbot.pipeline import Pipeline
from planbot_dev.loadtest import free_port, stop_process

from ..support import FakeEmbedder

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server in a temp dir, answering its heartbeat."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}: {(path / 'server.log').read_text()}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma run did not answer its heartbeat within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        stop_process(proc, 10)
        log.close()


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
    assert not server_settings.index_dir.exists()  # nothing was written to the embedded store

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
