"""Incremental ingest: load, chunk, embed and store what changed; drop what was removed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from planbot.chunking import chunk_document, estimate_tokens, is_list_item, split_sentences
from planbot.embedding import Embedder
from planbot.errors import DocumentError
from planbot.index import ChromaIndex
from planbot.lexical import LexicalIndex
from planbot.loaders import load_corpus
from planbot.planmeta import annotate
from planbot.records import Chunk, Document, Vectors, embedding_text
from planbot.segments import SegmentStore

log = logging.getLogger(__name__)

# Called with (texts embedded so far, texts to embed) as an ingest goes, e.g. to update a job.
Progress = Callable[[int, int], None]

# Chunks per BM25 segment written during a bulk ingest (documents become visible segment by segment).
_SEGMENT_CHUNKS = 2000


@dataclass
class IngestReport:
    """What one ingest did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the index changed."""
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        """One line for a person."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.errors)} unreadable; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f} s"
        )


def sentence_units(chunk: Chunk) -> list[tuple[int, int, str]]:
    """Sentence spans of a chunk with the text to embed; a list item carries its lead-in sentence."""
    units: list[tuple[int, int, str]] = []
    lead: tuple[int, int] | None = None
    for start, end in split_sentences(chunk.text):
        piece = chunk.text[start:end]
        if not piece.strip():
            continue
        if is_list_item(piece) and lead is not None:
            intro = chunk.text[lead[0] : lead[1]].strip()
            units.append((lead[0], end, f"{intro} {piece.strip()}"))
        else:
            units.append((start, end, piece.strip()))
            if not is_list_item(piece):
                lead = (start, end)
    return units


def _embed(embedder: Embedder, texts: Sequence[str], batch: int, bar: tqdm | None) -> Vectors:
    """Embed in batches of similar length (less waiting on the longest text of a batch), in input order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for lo in range(0, len(order), batch):
        rows = order[lo : lo + batch]
        out[rows] = embedder.embed([texts[i] for i in rows])
        if bar is not None:
            bar.update(len(rows))
    return out


class Ingestor:
    """Brings the index in line with a set of documents."""

    def __init__(
        self,
        index: ChromaIndex,
        embedder: Embedder,
        *,
        chunk_tokens: int = 350,
        batch_size: int = 16,
        progress: bool | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        self.index = index
        self.on_progress = on_progress
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.batch_size = batch_size
        self.progress = progress
        self.store = SegmentStore(index.segment_root)
        counter = getattr(embedder, "count_tokens", None)
        self.count_tokens: Callable[[str], int] = counter if callable(counter) else estimate_tokens

    def ingest_corpus(self, root: Path, *, prune: bool = True) -> IngestReport:
        """Ingest every readable document under ``root``; with ``prune``, drop corpus documents now gone."""
        started = time.perf_counter()
        docs, errors = load_corpus(root)
        # Reads every chunk's metadata, so only the bulk ingest does it, not each upload.
        self.index.sweep_orphans()
        report = self.ingest_documents(docs)
        report.errors.extend(errors)
        if prune:
            present = {d.id for d in docs} | {e.name for e in errors}
            for doc_id, known in self.index.documents().items():
                if doc_id not in present and known.metadata.get("origin", "corpus") == "corpus":
                    self.index.delete_document(doc_id)
                    report.removed.append(doc_id)
        report.seconds = time.perf_counter() - started
        return report

    def ingest_documents(self, docs: Iterable[Document]) -> IngestReport:
        """Add new documents and replace changed ones; unchanged ones cost nothing."""
        started = time.perf_counter()
        report = IngestReport()
        known = self.index.documents()
        todo: list[tuple[Document, list[Chunk]]] = []
        for doc in docs:
            doc = annotate(doc)
            existing = known.get(doc.id)
            if existing is not None and existing.content_hash == doc.content_hash:
                # Fields found since it was indexed are added; edited ones (PATCH) are kept.
                added = {k: v for k, v in doc.metadata.items() if k not in existing.metadata}
                if added:
                    self.index.update_metadata(doc.id, added)
                report.unchanged.append(doc.id)
                continue
            chunks = chunk_document(doc, self.chunk_tokens, self.count_tokens)
            if not chunks:
                report.errors.append(DocumentError(doc.path, "no text to index after chunking"))
                continue
            todo.append((doc, chunks))
            (report.updated if existing is not None else report.added).append(doc.id)
        total = sum(len(c) + sum(len(sentence_units(x)) for x in c) for _, c in todo)
        pending: list[tuple[Document, list[Chunk]]] = []
        with tqdm(
            total=total, unit="text", desc="Embedding", disable=self.progress is False or total < 50
        ) as bar:
            for doc, chunks in todo:
                self._store(doc, chunks, bar, report)
                pending.append((doc, chunks))
                if sum(len(c) for _, c in pending) >= _SEGMENT_CHUNKS:
                    self.publish(pending)
                    pending = []
                if self.on_progress is not None:
                    self.on_progress(report.chunks_embedded + report.sentences_embedded, total)
            self.publish(pending)
        if report.changed or todo:
            self.store.merge_if_due({d.id: d.content_hash for d in self.index.documents().values()})
        report.seconds = time.perf_counter() - started
        return report

    def publish(self, stored: list[tuple[Document, list[Chunk]]]) -> None:
        """Write the BM25 segment of stored documents, then make them visible (its rows live from then)."""
        if not stored:
            return
        vocabulary = LexicalIndex(segments=[s.lexical for s in self.store.segments()]).vocabulary
        counts = {c.id: len(sentence_units(c)) for _, cs in stored for c in cs}
        self.store.add([(d.id, d.content_hash, c) for d, c in stored], vocabulary, counts)
        for doc, chunks in stored:
            self.index.publish(doc, len(chunks))

    def _store(self, doc: Document, chunks: list[Chunk], bar: tqdm, report: IngestReport) -> None:
        vectors = _embed(self.embedder, [embedding_text(c) for c in chunks], self.batch_size, bar)
        units = [(c.id, s, e, text) for c in chunks for s, e, text in sentence_units(c)]
        # Sentences are short: bigger batches mean fewer calls, spread over the cores by the engine.
        sentence_vectors = _embed(self.embedder, [u[3] for u in units], 4 * self.batch_size, bar)
        self.index.add_document(
            doc, chunks, vectors, [(c, s, e) for c, s, e, _ in units], sentence_vectors, publish=False
        )
        report.chunks_embedded += len(chunks)
        report.sentences_embedded += len(units)
        log.info("indexed %s: %d chunks, %d sentences", doc.id, len(chunks), len(units))
