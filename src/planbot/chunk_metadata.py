"""Chunks and documents as Chroma metadata and back: the chunk and manifest rows' format (Chroma adapter)."""

from __future__ import annotations

from typing import Any

from planbot.records import Chunk, Document, IndexedDocument


def chunk_metadata(chunk: Chunk, doc: Document) -> dict[str, Any]:
    """What Chroma stores beside a chunk of a document version (filters read these fields)."""
    meta: dict[str, Any] = {
        "document_id": chunk.document_id,
        "ordinal": chunk.ordinal,
        "locator": chunk.locator,
        "title": chunk.title,
        "doc_type": chunk.doc_type,
        "heading_path": " > ".join(chunk.heading_path),
        "start": chunk.start,
        "end": chunk.end,
        "content_hash": doc.content_hash,
    }
    for key, value in (
        ("source_url", chunk.source_url),
        ("section", chunk.section),
        ("page", chunk.page),
        ("page_label", chunk.page_label),
        ("ocr", chunk.ocr or None),
        ("date_from", _date_key(doc.metadata, "from")),
        ("date_to", _date_key(doc.metadata, "to")),
    ):
        if value is not None:
            meta[key] = value
    return meta


def _date_key(metadata: dict[str, str], end: str) -> int | None:
    """A document's validity as yyyymmdd, from valid_from/valid_to, period or its publication date."""
    from planbot.filters import document_period

    period = document_period(metadata)
    if period is None:
        return None
    return period[0] if end == "from" else period[1]


def chunk_from_metadata(text: str, meta: dict[str, Any], chunk_id: str) -> Chunk:
    """Rebuild our Chunk record from what Chroma stored."""
    path = str(meta.get("heading_path") or "")
    page = meta.get("page")
    return Chunk(
        id=chunk_id.split("@", 1)[0],
        document_id=str(meta["document_id"]),
        ordinal=int(meta.get("ordinal", 0)),
        text=text,
        locator=str(meta.get("locator", "")),
        title=str(meta.get("title", "")),
        doc_type=str(meta.get("doc_type", "dokument")),
        source_url=meta.get("source_url"),
        heading_path=tuple(path.split(" > ")) if path else (),
        section=meta.get("section"),
        page=int(page) if page is not None else None,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        page_label=str(label) if (label := meta.get("page_label")) is not None else None,
        ocr=bool(meta.get("ocr", False)),
    )


def manifest_metadata(doc: Document, chunks: int, *, provisional: bool = False) -> dict[str, Any]:
    """A document version's manifest entry: what the index lists it with (``meta_`` fields: its metadata)."""
    manifest: dict[str, Any] = {
        "title": doc.title,
        "doc_type": doc.doc_type,
        "path": doc.path,
        "content_hash": doc.content_hash,
        "chunks": chunks,
    }
    if provisional:
        manifest["sentences"] = "pooled"
    if doc.source_url:
        manifest["source_url"] = doc.source_url
    manifest.update({f"meta_{k}": str(v) for k, v in doc.metadata.items() if v is not None})
    return manifest


def document_from_manifest(doc_id: str, meta: dict[str, Any]) -> IndexedDocument:
    """The published document a manifest entry describes."""
    return IndexedDocument(
        id=doc_id,
        title=str(meta.get("title", doc_id)),
        doc_type=str(meta.get("doc_type", "dokument")),
        source_url=meta.get("source_url"),
        path=str(meta.get("path", "")),
        content_hash=str(meta["content_hash"]),
        chunks=int(meta.get("chunks", 0)),
        metadata={k[5:]: str(v) for k, v in meta.items() if k.startswith("meta_")},
        provisional=meta.get("sentences") == "pooled",
    )
