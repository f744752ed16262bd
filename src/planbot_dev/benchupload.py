"""Upload to searchable for a plan PDF through the API, against one embed pass over its chunks (the floor)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

QUESTION = "läsfestival vecka 46"


@dataclass(frozen=True)
class UploadTiming:
    """Seconds from sending the file: accepted (parsed), answered from, second pass done; and the floor."""

    pdf: str
    chunks: int
    accepted_s: float
    searchable_s: float
    refined_s: float
    floor_s: float
    sorted_floor_s: float
    first_hit: str

    def line(self) -> str:
        """One line for the bench output."""
        return (
            f"upload of {self.pdf} ({self.chunks} chunks): accepted (parsed) in {self.accepted_s:.1f} s, "
            f"answered from after {self.searchable_s:.1f} s (goal <= 60 s), second pass done after "
            f"{self.refined_s:.1f} s; floor (one embed pass over its chunk texts) {self.floor_s:.1f} s, in "
            f"length-sorted batches {self.sorted_floor_s:.1f} s: searchable at "
            f"{self.searchable_s / self.sorted_floor_s:.2f}x the sorted floor; first hit {self.first_hit}"
        )


def _floor(settings: Settings, pipeline: Pipeline, pdf: Path) -> tuple[int, float, float]:
    """Chunks, one embed call over their texts (s), and the texts in length-sorted batches (s)."""
    from planbot.chunking import chunk_document
    from planbot.loaders import load_document
    from planbot.records import embedding_text

    doc = load_document(pdf, pdf.parent)
    chunks = chunk_document(doc, settings.chunk_tokens, pipeline.ingestor(False).count_tokens)
    texts = [embedding_text(c) for c in chunks]
    started = time.perf_counter()
    pipeline.embedder.embed(texts)
    plain = time.perf_counter() - started
    texts.sort(key=len)
    started = time.perf_counter()
    for lo in range(0, len(texts), settings.embed_batch_size):
        pipeline.embedder.embed(texts[lo : lo + settings.embed_batch_size])
    return len(chunks), plain, time.perf_counter() - started


def time_upload(pdf: Path, base: Settings | None = None) -> UploadTiming:
    """Upload ``pdf`` to a fresh keyed app (real embedder) and time it until a question finds it."""
    with tempfile.TemporaryDirectory(prefix="planbot-upload-") as tmp:
        root = Path(tmp)
        (root / "corpus").mkdir()
        settings = (base or Settings()).model_copy(
            update={
                "corpus_dir": root / "corpus",
                "index_dir": root / "index",
                "data_dir": root / "data",
                "chroma_url": None,
                "api_key": "bench-upload-key",
            }
        )
        key = {"Authorization": "Bearer bench-upload-key"}
        pipeline = Pipeline(settings)
        with TestClient(create_app(settings, pipeline)) as client:
            client.post("/api/ask", json={"question": "uppvärmning"})  # the model is loaded before the clock
            chunks, floor_s, sorted_s = _floor(settings, pipeline, pdf)
            start = time.perf_counter()
            res = client.post("/api/documents", files={"file": (pdf.name, pdf.read_bytes())}, headers=key)
            res.raise_for_status()
            accepted = time.perf_counter() - start
            job_id = res.json()["job"]["id"]
            jobs = client.app.state.services.jobs  # type: ignore[attr-defined]
            while (job := jobs.get(job_id)).searchable is None and job.state not in ("done", "failed"):
                time.sleep(0.05)
            question = {"question": QUESTION, "filters": {"document_id": [res.json()["document_id"]]}}
            passages = client.post("/api/ask", json=question).json()["passages"]
            searchable = time.perf_counter() - start
            jobs.wait(job_id, timeout=3600)
            refined = time.perf_counter() - start
    return UploadTiming(
        pdf=pdf.name,
        chunks=chunks,
        accepted_s=accepted,
        searchable_s=searchable,
        refined_s=refined,
        floor_s=floor_s,
        sorted_floor_s=sorted_s,
        first_hit=passages[0]["locator"] if passages else "(none)",
    )
