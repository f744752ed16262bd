"""A chunk stored in Chroma comes back as the same record, with its document's validity for the filters."""

from __future__ import annotations

from planbot.chunk_metadata import chunk_from_metadata, chunk_metadata
from planbot.records import Chunk, Document


def test_a_chunk_survives_the_round_trip_through_chroma_metadata() -> None:
    doc = Document(
        "plan", "Plan", "text", "plan.pdf", "h" * 64, doc_type="biblioteksplan",
        metadata={"valid_from": "2021-01-01", "valid_to": "2024-12-31"},
    )  # fmt: skip
    chunk = Chunk(
        "plan#3", "plan", 3, "Biblioteket ska läsa högt.", "s. 12", "Plan",
        doc_type="biblioteksplan", heading_path=("Mål", "Läsfrämjande"), page=14, page_label="12",
        start=40, end=66, ocr=True,
    )  # fmt: skip
    meta = chunk_metadata(chunk, doc)
    assert (meta["date_from"], meta["date_to"]) == (20210101, 20241231)
    assert meta["content_hash"] == doc.content_hash
    assert chunk_from_metadata(chunk.text, meta, f"{chunk.id}@{doc.content_hash[:16]}") == chunk
