"""GET /api/jobs/{id} as the page follows it: a figure that moves while embedding, a phase, a PDF's pages."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from PIL import Image

from planbot.chroma import drop_index
from planbot.config import Settings
from planbot.ingest import Pass
from planbot.pipeline import Pipeline
from planbot.records import Vectors
from planbot.server.app import create_app

from ..support import FakeEmbedder

SECTIONS = ("Inledning", "Barn och unga", "Läsfrämjande", "Tillgänglighet", "Samverkan", "Uppföljning")
PLAN = "\n".join(
    ["# Biblioteksplan för Testby kommun 2025–2028"]
    + [f"\n## {s}\n\nBiblioteket i Testby arbetar med {s.lower()}. Det följs upp varje år." for s in SECTIONS]
).encode()


class GatedEmbedder(FakeEmbedder):
    """The fake embedder; once ``gated``, each call waits for a ``gate`` release (a test looks between)."""

    def __init__(self) -> None:
        super().__init__()
        self.gated = False
        self.gate = threading.Semaphore(0)
        self.waiting = threading.Semaphore(0)

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        """Embed as the fake does, after the test lets this call through."""
        if self.gated:
            self.waiting.release()
            assert self.gate.acquire(timeout=30), "the test never let this embedding through"
        return super().embed(texts, query=query)


def _job(client: TestClient, url: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(url).json()
    return body


def _upload(client: TestClient, name: str, data: bytes) -> dict[str, Any]:
    res = client.post("/api/documents", files={"file": (name, data)})
    assert res.status_code == 202, res.text
    body: dict[str, Any] = res.json()
    return body


@pytest.fixture
def gated() -> GatedEmbedder:
    return GatedEmbedder()


@pytest.fixture
def gated_client(settings: Settings, gated: GatedEmbedder) -> Iterator[TestClient]:
    """The app with the gated embedder, embedding four texts a batch so an upload takes several steps."""
    small = settings.model_copy(update={"embed_batch_size": 4})
    pipeline = Pipeline(small, embedder=gated)
    pipeline.ingest(progress=False)
    gated.gated = True
    with TestClient(create_app(small, pipeline)) as client:
        yield client
    gated.gated = False
    for _ in range(100):
        gated.gate.release()


def test_an_uploads_figure_moves_while_it_embeds_and_names_its_phase(
    gated_client: TestClient, gated: GatedEmbedder
) -> None:
    upload = _upload(gated_client, "plan.md", PLAN)
    assert upload["job"]["progress"] == {"done": 0, "total": None, "phase": "queued"}
    url = upload["job"]["url"]
    assert gated.waiting.acquire(timeout=30)
    # The first batch is on its way: the job is embedding, with nothing counted yet.
    assert _job(gated_client, url)["progress"]["phase"] == "embedding"
    gated.gate.release()
    assert gated.waiting.acquire(timeout=30)
    # One batch of four is done and the next is waiting: the figure has moved, the job is not over.
    running = _job(gated_client, url)
    assert running["state"] == "running"
    assert running["progress"]["phase"] == "embedding"
    assert 0 < running["progress"]["done"] < running["progress"]["total"]
    gated.gated = False
    for _ in range(100):
        gated.gate.release()
    gated_client.app.state.services.jobs.wait(running["id"], timeout=30)  # type: ignore[attr-defined]
    done = _job(gated_client, url)
    assert done["state"] == "done"
    assert done["progress"] == {
        "done": running["progress"]["total"],
        "total": running["progress"]["total"],
        "phase": "done",
    }


def _pdf_with_a_blank_scan() -> bytes:
    """Two pages of text and a third that is only a (blank) image, as a scan nobody can read."""
    pdf = FPDF()
    for heading, line in (
        ("Biblioteksplan", "Biblioteket i Testby läser med barnen."),
        ("Mål", "Alla barn läser."),
    ):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    scan = io.BytesIO()
    Image.new("L", (400, 560), color=255).save(scan, format="PNG")
    pdf.add_page()
    pdf.image(scan, x=10, y=10, w=180)
    return bytes(pdf.output())


def test_an_upload_names_a_pdfs_pages_and_those_it_could_not_read(fake_client: TestClient) -> None:
    upload = _upload(fake_client, "plan.pdf", _pdf_with_a_blank_scan())
    assert (upload["pages"], upload["unreadable_pages"], upload["ocr_pages"]) == (3, [3], [])
    text = _upload(fake_client, "plan.md", PLAN)
    assert (text["pages"], text["unreadable_pages"], text["ocr_pages"]) == (None, [], [])


def test_a_reindex_figure_never_runs_backwards_from_the_corpus_to_the_kept_uploads(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    with TestClient(create_app(settings, Pipeline(settings, embedder=fake_embedder))) as client:
        runner = client.app.state.services.jobs  # type: ignore[attr-defined]
        runner.wait(_upload(client, "plan.md", PLAN)["job"]["id"], timeout=30)
    drop_index(settings)
    # Both passes embed now: the corpus's two documents, then the kept upload.
    with TestClient(create_app(settings, Pipeline(settings, embedder=fake_embedder))) as client:
        runner = client.app.state.services.jobs  # type: ignore[attr-defined]
        reported: list[tuple[int, int]] = []
        progress = runner._progress

        def record(job_id: str, done: int, total: int, stage: Pass) -> None:
            reported.append((done, total))
            progress(job_id, done, total, stage)

        runner._progress = record
        job = runner.wait(client.post("/api/reindex").json()["id"], timeout=60)
    assert job.state == "done" and "plan" in (job.report or {})["added"]
    dones = [d for d, _ in reported]
    totals = [t for _, t in reported]
    assert dones == sorted(dones) and totals == sorted(totals) and totals[0] < totals[-1]
    assert (job.done, job.total) == reported[-1] == (totals[-1], totals[-1])
