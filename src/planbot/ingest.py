"""Incremental ingest: load, chunk, embed and store what changed; drop what was removed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from tqdm import tqdm

from planbot.chunking import chunk_document, estimate_tokens, is_list_item, split_sentences
from planbot.embedding import Embedder, PoolingEmbedder
from planbot.errors import DocumentError, ModelUnavailable, PlanbotError
from planbot.index import ChromaIndex
from planbot.lexical import LexicalIndex
from planbot.loaders import load_corpus
from planbot.planmeta import annotate
from planbot.records import Chunk, Document, Vectors, embedding_text, sentence_embedding_text
from planbot.segments import SegmentStore

log = logging.getLogger(__name__)

# What the texts being counted are for: the first pass (a document is searchable after it), or the second
# pass that replaces a searchable document's pooled sentence vectors with separately embedded ones.
Pass = Literal["embedding", "refining"]
# Called with (texts embedded so far, texts to embed, which pass) as an ingest goes, e.g. to update a job.
Progress = Callable[[int, int, Pass], None]

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
    # When the documents became searchable (after the first pass), if a second pass refined them after.
    searchable_seconds: float | None = None
    refined: list[str] = field(default_factory=list)
    # Final versions whose sentence vectors could not be read here (damaged or missing file), re-embedded.
    repaired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the index changed."""
        return bool(self.added or self.updated or self.removed or self.refined or self.repaired)

    def summary(self) -> str:
        """One line for a person."""
        repaired = f", {len(self.repaired)} repaired" if self.repaired else ""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed{repaired}, {len(self.errors)} unreadable; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f} s"
        )


def sentence_groups(chunk: Chunk) -> list[tuple[int, int, str, list[int]]]:
    """Sentence units of a chunk: span, text to embed, and which of ``split_sentences`` it is made of.

    A list item carries its lead-in sentence, so the item is understood as what it lists.
    """
    units: list[tuple[int, int, str, list[int]]] = []
    lead: tuple[int, int, int] | None = None
    for i, (start, end) in enumerate(split_sentences(chunk.text)):
        piece = chunk.text[start:end]
        if not piece.strip():
            continue
        if is_list_item(piece) and lead is not None:
            intro = chunk.text[lead[0] : lead[1]].strip()
            units.append((lead[0], end, f"{intro} {piece.strip()}", [lead[2], i]))
        else:
            units.append((start, end, piece.strip(), [i]))
            if not is_list_item(piece):
                lead = (start, end, i)
    return units


def sentence_units(chunk: Chunk) -> list[tuple[int, int, str]]:
    """Sentence spans of a chunk with the text to embed; a list item carries its lead-in sentence."""
    return [(start, end, text) for start, end, text, _ in sentence_groups(chunk)]


def passage_pieces(chunk: Chunk) -> tuple[list[str], list[list[int]]]:
    """The chunk's embedding text cut at word boundaries into pieces, and each sentence unit's pieces.

    Piece 0 is the title and heading line; then every sentence of ``split_sentences`` is a piece of its own
    (with any non-blank text between sentences as a piece too), so pooling over a unit's pieces gives the
    unit's vector from the chunk's one encoder pass.
    """
    full = embedding_text(chunk)
    pieces = [full[: len(full) - len(chunk.text)].strip()]
    sentence_piece: dict[int, int] = {}
    cursor = 0
    for i, (start, end) in enumerate(split_sentences(chunk.text)):
        if chunk.text[cursor:start].strip():
            pieces.append(chunk.text[cursor:start].strip())
        sentence_piece[i] = len(pieces)
        pieces.append(chunk.text[start:end].strip())
        cursor = end
    if chunk.text[cursor:].strip():
        pieces.append(chunk.text[cursor:].strip())
    groups = [[sentence_piece[i] for i in members] for _, _, _, members in sentence_groups(chunk)]
    return pieces, groups


class _Meter:
    """Counts embedded texts for the console bar and for ``on_progress`` (a job's progress figure)."""

    def __init__(
        self, bar: tqdm, total: int, on_progress: Progress | None, stage: Pass = "embedding"
    ) -> None:
        self.bar, self.total, self.on_progress, self.stage, self.done = bar, total, on_progress, stage, 0

    def update(self, n: int) -> None:
        """``n`` more texts embedded."""
        self.done += n
        self.bar.update(n)
        if self.on_progress is not None:
            self.on_progress(min(self.done, self.total), self.total, self.stage)


def _embed(embedder: Embedder, texts: Sequence[str], batch: int, bar: _Meter | None) -> Vectors:
    """Embed in batches of similar length (less waiting on the longest text of a batch), in input order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    for lo in range(0, len(order), batch):
        rows = order[lo : lo + batch]
        out[rows] = embedder.embed([texts[i] for i in rows])
        if bar is not None:
            bar.update(len(rows))
    return out


def _embed_sentences(
    embedder: Embedder, units: Sequence[tuple[Chunk, str]], batch: int, bar: _Meter | None
) -> tuple[Vectors, Vectors]:
    """Each sentence (with its chunk) alone and behind its chunk's place (``SentenceVector.context``).

    One call for both, so the length-sorted batches mix them (fewer half-empty batches).
    """
    texts = [t for _, t in units] + [sentence_embedding_text(c, t) for c, t in units]
    both = _embed(embedder, texts, batch, bar)
    return both[: len(units)], both[len(units) :]


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
        pool_sentences: bool = True,
        searchable_first: bool = False,
    ) -> None:
        self.index = index
        # Sentence vectors pooled from the chunk's own encoder pass where the embedder can (README "Ingest"):
        # for good, or (searchable_first) only until a second pass has embedded each sentence on its own.
        pooling = pool_sentences or searchable_first
        self.pooler = embedder if pooling and isinstance(embedder, PoolingEmbedder) else None
        self.refine_after = searchable_first and not pool_sentences
        # What the last ingest stored, for the second pass (so it need not read the chunks back).
        self._fresh: dict[str, list[Chunk]] = {}
        self._started = time.perf_counter()
        self.on_progress = on_progress
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.batch_size = batch_size
        self.progress = progress
        self.store = SegmentStore(index.segment_root)
        counter = getattr(embedder, "count_tokens", None)
        self.count_tokens: Callable[[str], int] = counter if callable(counter) else estimate_tokens

    def ingest_corpus(self, root: Path, *, prune: bool = True, refine: bool = True) -> IngestReport:
        """Ingest every readable document under ``root``; with ``prune``, drop corpus documents now gone.

        With ``refine`` false the second pass is left to the caller (``refine(..., repair=True)``), e.g. to
        run it unlocked; it also repairs sentence vectors this machine cannot read.
        """
        started = time.perf_counter()
        docs, errors = load_corpus(root)
        # Reads every chunk's metadata, so only the bulk ingest does it, not each upload.
        self.index.sweep_orphans()
        report = self.ingest_documents(docs, refine=False)
        report.errors.extend(errors)
        if prune:
            present = {d.id for d in docs} | {e.name for e in errors}
            for doc_id, known in self.index.documents().items():
                if doc_id not in present and known.metadata.get("origin", "corpus") == "corpus":
                    self.index.delete_document(doc_id)
                    report.removed.append(doc_id)
            if report.removed:
                self.merge_if_due()
        self._started = started
        if refine:
            self.refine(report, repair=True)
        report.seconds = time.perf_counter() - started
        return report

    def ingest_documents(self, docs: Iterable[Document], *, refine: bool = True) -> IngestReport:
        """Add new documents and replace changed ones; unchanged ones cost nothing.

        With ``refine`` false the second pass is left to the caller (``refine``), e.g. to run it unlocked.
        """
        started = self._started = time.perf_counter()
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
        # Embedded separately, each sentence is embedded twice: alone and behind its place.
        per_sentence = 1 if self.pooler is not None else 2
        total = sum(len(c) + per_sentence * sum(len(sentence_units(x)) for x in c) for _, c in todo)
        pending: list[tuple[Document, list[Chunk]]] = []
        vectors: dict[str, Vectors] = {}
        with self._bar(total, "Embedding") as bar:
            meter = _Meter(bar, total, self.on_progress)
            for doc, chunks in todo:
                stored = self._store(doc, chunks, meter, report)
                vectors.update(zip((c.id for c in chunks), stored, strict=True))
                pending.append((doc, chunks))
                if sum(len(c) for _, c in pending) >= _SEGMENT_CHUNKS:
                    self.publish(pending, vectors)
                    pending, vectors = [], {}
            self.publish(pending, vectors)
        if report.changed or todo:
            self.merge_if_due()
        self._fresh = {doc.id: chunks for doc, chunks in todo}
        if refine:
            self.refine(report)
        report.seconds = time.perf_counter() - started
        return report

    def merge_if_due(self) -> bool:
        """Rewrite the BM25 segments when small ones or dead rows have piled up; True if it did.

        Rows of removed or replaced documents still count in the word statistics (IDF) until their
        segment is rewritten, so a deletion that leaves many dead rows is followed by this too.
        """
        return self.store.merge_if_due({d.id: d.content_hash for d in self.index.documents().values()})

    def publish(
        self, stored: list[tuple[Document, list[Chunk]]], vectors: Mapping[str, Vectors] | None = None
    ) -> None:
        """Write the segment of stored documents (``vectors``: their chunks'), then make them visible."""
        if not stored:
            return
        vocabulary = LexicalIndex(segments=[s.lexical for s in self.store.segments()]).vocabulary
        counts = {c.id: len(sentence_units(c)) for _, cs in stored for c in cs}
        self.store.add([(d.id, d.content_hash, c) for d, c in stored], vocabulary, counts, vectors)
        for doc, chunks in stored:
            self.index.publish(doc, len(chunks), provisional=self.refine_after and self.pooler is not None)

    def _bar(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, unit="text", desc=desc, disable=self.progress is False or total < 50)

    def refine(
        self,
        report: IngestReport,
        swap_lock: AbstractContextManager[object] | None = None,
        only: Collection[str] | None = None,
        *,
        repair: bool = False,
    ) -> None:
        """Second pass: embed each sentence of a provisional document on its own and swap the vectors in.

        Covers the documents the last ingest stored and any an interrupted ingest left provisional, or
        only the documents ``only`` names. Only the swap holds ``swap_lock``: embedding takes most of a
        minute for a long plan, and edits and deletions should not wait for it. A document replaced or
        deleted meanwhile is left alone. With ``repair``, also final versions whose sentence vectors this
        machine cannot read (a damaged file, or one an older planbot wrote in another layout): without
        them the best-sentence signal is missing and answers get quietly worse.
        """
        wanted = [d for d in self.index.documents().values() if only is None or d.id in only]
        provisional = [d for d in wanted if d.provisional] if self.refine_after else []
        broken = {d.id: d for d in self.index.unreadable_sentences(wanted)} if repair else {}
        for doc_id in broken:
            log.warning("sentence vectors of %s unreadable here: embedding them again", doc_id)
        if not (provisional or broken):
            return
        lock = swap_lock if swap_lock is not None else nullcontext()
        if provisional:
            report.searchable_seconds = time.perf_counter() - self._started
        fresh = self._fresh
        work = [
            (d, fresh.get(d.id) or self.index.document_chunks(d.id, d.content_hash))
            for d in (*provisional, *broken.values())
        ]
        units = {d.id: [(c, s, e, t) for c in cs for s, e, t in sentence_units(c)] for d, cs in work}
        total = 2 * sum(len(u) for u in units.values())  # each sentence alone, and behind its place
        with self._bar(total, "Refining") as bar:
            meter = _Meter(bar, total, self.on_progress, "refining")
            meter.update(0)
            for doc, _ in work:
                mine = units[doc.id]
                try:
                    pairs = [(c, t) for c, _, _, t in mine]
                    vectors, context = _embed_sentences(self.embedder, pairs, 4 * self.batch_size, meter)
                    spans = [(c.id, s, e) for c, s, e, _ in mine]
                    with lock:
                        current = self.index.documents().get(doc.id)
                        if current is None or current.content_hash != doc.content_hash:
                            continue  # deleted or replaced while its sentences were embedded
                        self.index.replace_sentence_vectors(current, spans, vectors, context)
                except PlanbotError as exc:  # it stays searchable as it is; the next ingest tries again
                    report.errors.append(DocumentError(doc.path, f"sentence vectors not refined: {exc}"))
                    continue
                (report.repaired if doc.id in broken else report.refined).append(doc.id)
                log.info("refined %s: %d sentences embedded on their own", doc.id, len(mine))
        report.seconds = time.perf_counter() - self._started

    def _store(self, doc: Document, chunks: list[Chunk], bar: _Meter, report: IngestReport) -> Vectors:
        """Embed and store a document version's chunks and sentences (unpublished); its chunk vectors."""
        units = [(c, s, e, t) for c in chunks for s, e, t in sentence_units(c)]
        vectors, sentence_vectors, context = None, None, None
        if self.pooler is not None:
            try:
                vectors, sentence_vectors = self._embed_pooled(chunks, len(units), bar)
            except ModelUnavailable as exc:  # the optional native build is missing: one way for all
                log.warning("sentence vectors embedded separately: %s", exc)
                self.pooler = None
        if vectors is None or sentence_vectors is None:
            vectors, sentence_vectors, context = self._embed_separately(chunks, units, bar)
        spans = [(c.id, s, e) for c, s, e, _ in units]
        self.index.add_document(doc, chunks, vectors, spans, sentence_vectors, context=context, publish=False)
        report.chunks_embedded += len(chunks)
        report.sentences_embedded += len(units)
        log.info("indexed %s: %d chunks, %d sentences", doc.id, len(chunks), len(units))
        return vectors

    def _embed_separately(
        self, chunks: list[Chunk], units: list[tuple[Chunk, int, int, str]], bar: _Meter | None
    ) -> tuple[Vectors, Vectors, Vectors]:
        """Chunks, then every sentence unit alone and behind its place (``SentenceVector.context``)."""
        vectors = _embed(self.embedder, [embedding_text(c) for c in chunks], self.batch_size, bar)
        # Sentences are short: bigger batches mean fewer calls, spread over the cores by the engine.
        pairs = [(c, t) for c, _, _, t in units]
        return vectors, *_embed_sentences(self.embedder, pairs, 4 * self.batch_size, bar)

    def _embed_pooled(
        self, chunks: list[Chunk], unit_count: int, bar: _Meter | None
    ) -> tuple[Vectors, Vectors]:
        """One encoder pass per chunk; its sentence vectors are pooled from the same pass (late chunking)."""
        assert self.pooler is not None
        dim = self.embedder.dimension
        vectors = np.zeros((len(chunks), dim), dtype=np.float32)
        per_chunk: list[Vectors] = [np.zeros((0, dim), dtype=np.float32)] * len(chunks)
        order = sorted(range(len(chunks)), key=lambda i: len(chunks[i].text))
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo : lo + self.batch_size]
            cut = [passage_pieces(chunks[i]) for i in rows]
            passage_vectors, pooled = self.pooler.embed_pooled([p for p, _ in cut], [g for _, g in cut])
            for row, i, units in zip(rows, range(len(rows)), pooled, strict=True):
                if units is None:  # longer than one encoder window: embed it the ordinary way
                    texts = [t for _, _, t in sentence_units(chunks[row])]
                    vectors[row] = self.embedder.embed([embedding_text(chunks[row])])[0]
                    units = self.embedder.embed(texts) if texts else per_chunk[row]
                else:
                    vectors[row] = passage_vectors[i]
                per_chunk[row] = units
            if bar is not None:
                bar.update(sum(1 + len(g) for _, g in cut))
        sentence_vectors = np.concatenate(per_chunk) if per_chunk else np.zeros((0, dim), dtype=np.float32)
        assert len(sentence_vectors) == unit_count
        return vectors, sentence_vectors
