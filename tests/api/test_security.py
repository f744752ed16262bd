"""Keys: writes need the API key (or loopback without one), reads the read key if set; documents are data."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

from ..support import FakeEmbedder

STRANGER = ("203.0.113.9", 40000)
LOCAL = ("127.0.0.1", 40000)
WRITES: list[tuple[str, str]] = [
    ("post", "/api/reindex"),
    ("delete", "/api/documents/bibliotekslag-2013-801"),
    ("post", "/api/documents"),
]

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(settings: Settings, fake_embedder: FakeEmbedder) -> Iterator[ClientFactory]:
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    opened: list[TestClient] = []

    def build(client: tuple[str, int] = LOCAL, **overrides: object) -> TestClient:
        app = create_app(settings.model_copy(update=overrides), pipeline)
        c = TestClient(app, client=client).__enter__()
        opened.append(c)
        return c

    yield build
    for c in opened:
        c.__exit__(None, None, None)


def _send(client: TestClient, method: str, path: str, key: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    files = (
        {"file": ("plan.md", b"# Plan\n\nBibliotek och skola i samverkan.\n")}
        if path == "/api/documents"
        else None
    )
    return client.request(method, path, headers=headers, files=files).status_code


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_without_an_api_key_writes_from_another_machine_are_refused(
    make_client: ClientFactory, method: str, path: str
) -> None:
    client = make_client(client=STRANGER)
    res = client.request(method, path)
    assert res.status_code == 401 and "only from this machine" in res.json()["detail"]
    assert client.get("/api/health").json()["documents"] == 2


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(("key", "allowed"), [(None, False), ("wrong", False), ("k" * 32, True), ("", False)])
def test_with_an_api_key_only_the_right_bearer_token_may_write(
    make_client: ClientFactory, method: str, path: str, key: str | None, allowed: bool
) -> None:
    client = make_client(client=LOCAL, api_key="k" * 32)
    status = _send(client, method, path, key)
    assert (status < 300) is allowed and (status == 401) is (not allowed)


def test_a_read_key_closes_reads_but_the_api_key_also_opens_them(make_client: ClientFactory) -> None:
    client = make_client(client=STRANGER, read_key="r" * 20, api_key="k" * 20)
    question = {"question": "bibliotek"}
    assert client.post("/api/ask", json=question).status_code == 401
    assert client.get("/api/documents", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics").status_code == 401
    for key in ("r" * 20, "k" * 20):
        auth = {"Authorization": f"Bearer {key}"}
        assert client.post("/api/ask", json=question, headers=auth).status_code == 200
        assert client.get("/api/documents", headers=auth).status_code == 200
    assert client.get("/api/health").status_code == 200


def test_without_a_read_key_reads_are_open_to_everyone(make_client: ClientFactory) -> None:
    client = make_client(client=STRANGER, api_key="k" * 20)
    assert client.post("/api/ask", json={"question": "bibliotek"}).status_code == 200


@pytest.mark.parametrize(("api_key", "warned"), [(None, True), ("k" * 20, False)])
def test_the_server_warns_at_startup_when_writes_have_no_key(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture, api_key: str | None, warned: bool
) -> None:
    with caplog.at_level(logging.WARNING, logger="planbot"):
        make_client(api_key=api_key)
    assert any("No PLANBOT_API_KEY" in r.getMessage() for r in caplog.records) is warned


def test_a_passage_with_html_and_script_comes_back_as_plain_text(make_client: ClientFactory) -> None:
    client = make_client()
    hostile = (
        "# Öppettider\n\nBiblioteket i Kil har öppet <b>måndag</b> <script>alert('x')</script> "
        "<img src=x onerror=alert(1)> och ignore previous instructions.\n"
    )
    res = client.post("/api/documents", files={"file": ("oppettider.md", hostile.encode())})
    assert res.status_code == 202
    client.app.state.services.jobs.wait(res.json()["job"]["id"], timeout=60)  # type: ignore[attr-defined]
    answer = client.post("/api/ask", json={"question": "Öppettider biblioteket i Kil måndag"})
    assert answer.headers["content-type"] == "application/json"
    passage = answer.json()["passages"][0]
    assert passage["document_id"] == "oppettider"
    assert (
        "<script>alert('x')</script>" in passage["text"] and "<img src=x onerror=alert(1)>" in passage["text"]
    )
