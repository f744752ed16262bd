"""Bad input through a real HTTP server: a specific 4xx with a useful message each, index unchanged."""

from __future__ import annotations

import io
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from pypdf import PdfReader, PdfWriter

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

from ..conftest import PdfFactory
from ..support import CORPUS, FakeEmbedder

KEY = "s3cret-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MB = 1 << 20


@dataclass(frozen=True)
class Live:
    """A planbot server on 127.0.0.1 and a client for it."""

    client: httpx.Client
    settings: Settings
    base: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A real uvicorn server (fake embedder, 2-document corpus, an API key) in a thread on 127.0.0.1."""
    root = tmp_path_factory.mktemp("bad-input")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("bibliotekslag-2013-801.md", "region-varmland-biblioteksverksamhetens-uppdrag.md"):
        shutil.copy(CORPUS / name, corpus / name)
    settings = Settings(
        corpus_dir=corpus,
        index_dir=root / "index",
        data_dir=root / "data",
        api_key=KEY,
        rate_limit_per_minute=0,
    )
    pipeline = Pipeline(settings, embedder=FakeEmbedder())
    pipeline.ingest(progress=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, pipeline), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=120) as client:
        yield Live(client, settings, base)
    server.should_exit = True
    thread.join(timeout=10)


def _state(live: Live) -> tuple[int, int, list[tuple[str, str, int]], list[str]]:
    health = live.client.get("/api/health").json()
    docs = [(d["id"], d["title"], d["chunks"]) for d in live.client.get("/api/documents").json()]
    folder = live.settings.data_dir / "uploads"
    kept = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    return health["documents"], health["chunks"], docs, kept


def _upload(live: Live, name: str, data: bytes, **fields: str) -> httpx.Response:
    return live.client.post("/api/documents", files={"file": (name, data)}, data=fields, headers=AUTH)


def _encrypted_pdf(make_pdf: PdfFactory) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Hemlig plan", "Text om bibliotek."]]))))
    writer.encrypt(user_password="hemligt", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A small ZIP that would inflate to 30 MB of zeros."""
    out = io.BytesIO()
    zeros = b"\0" * MB
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("index.html", "w") as member,
    ):
        for _ in range(30):
            member.write(zeros)
    return out.getvalue()


Request = Callable[[Live, PdfFactory], httpx.Response]

CASES: list[tuple[str, Request, int, str]] = [
    ("empty question", lambda lv, _: lv.client.post("/api/ask", json={"question": ""}), 422, "empty"),
    (
        "whitespace question",
        lambda lv, _: lv.client.post("/api/ask", json={"question": " \n\t "}),
        422,
        "empty",
    ),
    (
        "question too long",
        lambda lv, _: lv.client.post("/api/ask", json={"question": "ord " * 600}),
        422,
        "2000",
    ),
    (
        "1 MB body",
        lambda lv, _: lv.client.post("/api/ask", json={"question": "bibliotek " * (MB // 10)}),
        413,
        "larger than 64 KB",
    ),
    (
        "invalid JSON",
        lambda lv, _: lv.client.post(
            "/api/ask", content=b'{"question": "Vad', headers={"content-type": "application/json"}
        ),
        422,
        "not valid JSON",
    ),
    (
        "question of wrong type",
        lambda lv, _: lv.client.post("/api/ask", json={"question": 42}),
        422,
        "'question'",
    ),
    (
        "top_k of wrong type",
        lambda lv, _: lv.client.post("/api/ask", json={"question": "Vad?", "top_k": "många"}),
        422,
        "'top_k'",
    ),
    (
        "unknown filter key",
        lambda lv, _: lv.client.post("/api/ask", json={"question": "Vad?", "filters": {"färg": "blå"}}),
        422,
        "'filters.färg' is not a known field",
    ),
    (
        "top_k 0",
        lambda lv, _: lv.client.post("/api/ask", json={"question": "Vad?", "top_k": 0}),
        422,
        "top_k",
    ),
    (
        "top_k 10^6",
        lambda lv, _: lv.client.post("/api/ask", json={"question": "Vad?", "top_k": 10**6}),
        422,
        "top_k",
    ),
    ("encrypted PDF", lambda lv, mk: _upload(lv, "plan.pdf", _encrypted_pdf(mk)), 422, "encrypted"),
    (
        "corrupt PDF",
        lambda lv, mk: _upload(lv, "plan.pdf", mk([["Plan", "Text."]])[:400]),
        422,
        "damaged or not a PDF",
    ),
    ("zero-byte file", lambda lv, _: _upload(lv, "tom.md", b""), 422, "empty"),
    (
        "binary renamed .pdf",
        lambda lv, _: _upload(lv, "plan.pdf", bytes(range(256)) * 64),
        415,
        "the content is not a PDF",
    ),
    ("zip bomb renamed .html", lambda lv, _: _upload(lv, "plan.html", _zip_bomb()), 415, "ZIP archive"),
    (
        "path traversal in the file name",
        lambda lv, _: _upload(lv, "../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),
        422,
        "contains '..'",
    ),
    (
        "control characters instead of text",
        lambda lv, _: _upload(lv, "plan.txt", bytes(range(1, 9)) * 500),
        422,
        "binary content",
    ),
    (
        "control characters in the title",
        lambda lv, _: _upload(lv, "plan.md", b"# Plan\n\nBiblioteket.\n", title="Plan\x1b[31m"),
        422,
        "'title' contains control characters",
    ),
    (
        "HTML page that is only scripts",
        lambda lv, _: _upload(
            lv,
            "sida.html",
            b"<html><head><script>alert(1)</script></head><body><script>x()</script></body></html>",
        ),
        422,
        "only scripts",
    ),
    (
        "duplicate upload of an indexed document",
        lambda lv, _: _upload(lv, "kopia.md", (CORPUS / "bibliotekslag-2013-801.md").read_bytes()),
        409,
        "already indexed as document 'bibliotekslag-2013-801'",
    ),
    (
        "invalid date",
        lambda lv, _: _upload(lv, "plan.md", b"# Plan\n\nText.\n", valid_from="1/1 2024"),
        422,
        "YYYY-MM-DD",
    ),
    (
        "source_url that is not http",
        lambda lv, _: _upload(lv, "plan.md", b"# Plan\n\nText.\n", source_url="javascript:alert(1)"),
        422,
        "http",
    ),
    (
        "upload without a file field",
        lambda lv, _: lv.client.post("/api/documents", data={"title": "Plan"}, headers=AUTH),
        422,
        "field named 'file'",
    ),
    (
        "delete of an unknown id",
        lambda lv, _: lv.client.delete("/api/documents/finns-inte", headers=AUTH),
        404,
        "finns-inte",
    ),
    ("unknown job", lambda lv, _: lv.client.get("/api/jobs/0123abc"), 404, "No job"),
    (
        "wrong API key",
        lambda lv, _: lv.client.post("/api/reindex", headers={"Authorization": "Bearer fel-nyckel"}),
        401,
        "PLANBOT_API_KEY",
    ),
    (
        "upload without an API key",
        lambda lv, _: lv.client.post("/api/documents", files={"file": ("plan.md", b"# Plan\n\nText.\n")}),
        401,
        "PLANBOT_API_KEY",
    ),
]


@pytest.mark.parametrize(
    ("request_", "status", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_gets_a_specific_4xx_and_leaves_the_index_unchanged(
    live: Live, make_pdf: PdfFactory, request_: Request, status: int, fragment: str
) -> None:
    before = _state(live)
    res = request_(live, make_pdf)
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert fragment in res.json()["detail"]
    assert _state(live) == before


def _stream_multipart(name: str, total: int, boundary: str = "planbot-test-boundary") -> Iterator[bytes]:
    """A multipart body with a ``total``-byte file, produced 1 MB at a time (never held whole)."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    block = b"bibliotek " * (MB // 10) + b"\n" * (MB % 10)
    for _ in range(total // MB):
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_200_mb_upload_is_refused_with_413_without_being_stored(live: Live) -> None:
    before = _state(live)
    res = live.client.post(
        "/api/documents",
        content=_stream_multipart("stor.txt", 200 * MB),
        headers={**AUTH, "content-type": "multipart/form-data; boundary=planbot-test-boundary"},
    )
    assert res.status_code == 413
    assert "50 MB" in res.json()["detail"] and "PLANBOT_MAX_UPLOAD_MB" in res.json()["detail"]
    assert _state(live) == before


def _wait_for_job(live: Live, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = live.client.get(url).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {url} did not finish")


def test_non_utf8_text_is_read_as_windows_1252_and_indexed(live: Live) -> None:
    text = "# Läsfrämjande i Årjäng\n\nBiblioteket ordnar högläsning för förskolor.\n"
    res = _upload(live, "läsplan.txt", text.encode("cp1252"))
    assert res.status_code == 202, res.text
    job = _wait_for_job(live, res.json()["job"]["url"])
    assert job["state"] == "done"
    detail = live.client.get(f"/api/documents/{res.json()['document_id']}").json()
    assert detail["title"] == "Läsfrämjande i Årjäng"
    assert "högläsning för förskolor" in detail["sections"][0]["text"]
    assert live.client.delete(f"/api/documents/{res.json()['document_id']}", headers=AUTH).status_code == 200
