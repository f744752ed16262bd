"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by weighted reciprocal rank."""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from planbot.batching import MicroBatcher
from planbot.embedding import Embedder
from planbot.filters import Filters, document_period
from planbot.index import ChromaIndex
from planbot.lexical import Compounds, LexicalIndex, stems
from planbot.records import Chunk, IndexedDocument, ScoredChunk, Vectors
from planbot.segments import ChunkTable, SegmentStore

log = logging.getLogger(__name__)

# Query vectors kept for repeated questions (a few KB each).
_QUERY_CACHE = 1024
# Chunk records kept parsed (a few KB each): a question reads ~130 (BM25 hits of it and its expansion).
_CHUNK_CACHE = 4096
# Chunk vectors read from Chroma per call when a segment is written for documents no segment holds.
_COVER_BATCH = 5000


@runtime_checkable
class LexicalBackend(Protocol):
    """Where the lexical side searches: the local BM25 segments or a search engine."""

    def search(self, question: str, n: int, filters: Filters | None) -> list[tuple[Chunk, float]]:
        """The ``n`` best chunks for ``question`` by a lexical score, best first (positive scores only)."""
        ...


class ChromaFullText:
    """A lexical backend on Chroma's own full-text filter, for processes without the BM25 segments.

    Chroma finds the chunks containing a question's word stems (substring match, so compounds match
    too) but does not rank them; they are ranked here by the stems' rarity among the hits.
    """

    def __init__(
        self, index: ChromaIndex, documents: Callable[[], dict[str, IndexedDocument]], per_term: int = 200
    ):
        self.index = index
        self.documents = documents
        self.per_term = per_term

    def search(self, question: str, n: int, filters: Filters | None) -> list[tuple[Chunk, float]]:
        """Chunks containing the question's rarest-looking stems, scored by IDF over the hits."""
        terms = sorted({t for t in stems(question) if len(t) >= 4}, key=len, reverse=True)[:6]
        where = filters.to_where() if filters else None
        live = self.documents()
        hits: dict[str, tuple[Chunk, float]] = {}
        for term in terms:
            found = self.index.chunks_containing([term, term.capitalize()], where, self.per_term, live)
            # Fewer hits means a rarer word; a term hitting the cap is common and weighs least.
            weight = math.log(1 + self.per_term / (len(found) + 0.5))
            for chunk in found:
                tf = chunk.text.lower().count(term)
                gain = weight * tf * 2.2 / (tf + 1.2)
                prev = hits.get(chunk.id)
                hits[chunk.id] = (chunk, gain + (prev[1] if prev else 0.0))
        ranked = sorted(hits.values(), key=lambda h: -h[1])
        return ranked[:n]


@dataclass(frozen=True)
class FusionWeights:
    """Weights of reciprocal rank fusion; chosen with `planbot eval --sweep` (see README)."""

    dense: float = 1.0
    lexical: float = 0.6
    k: int = 20


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int
) -> dict[str, float]:
    """Fuse ranked id lists: each contributes ``weight / (k + rank)``."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, cid in enumerate(ranking, start=1):
            fused[cid] = fused.get(cid, 0.0) + weight / (k + rank)
    return fused


def _text_key(chunk: Chunk) -> tuple[str, str]:
    """A passage's document and text with its spacing normalised: copies share it."""
    return chunk.document_id, " ".join(chunk.text.split())


def _distinct_top(
    fetch: Callable[[int], list[tuple[Chunk, float]]], n: int, widest: int = 4
) -> list[tuple[Chunk, float]]:
    """The best ``n`` passages of ``fetch(m)`` whose text no better one of their document already has.

    A plan that repeats a section word for word in every chapter would otherwise fill the candidates
    with copies and push everything else out; fetching deeper (up to ``widest`` times) refills them.
    """
    m = n
    while True:
        got = fetch(m)
        seen: set[tuple[str, str]] = set()
        out = []
        for chunk, score in got:
            key = _text_key(chunk)
            if key not in seen:
                seen.add(key)
                out.append((chunk, score))
        if len(out) >= n or len(got) < m or m >= widest * n:
            return out[:n]
        m *= 2


@functools.cache
def _one_blas_thread() -> None:
    """Keep numpy's BLAS (the exact dense search's product) to one thread in this process.

    Its threads spin for a while after each product and took the cores the embedder's threads needed
    next: at 100k chunks a question's embedding went from 10 to 100 ms. The search runs per question,
    so questions answered at once still use every core.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class Retriever:
    """Finds candidate passages for a question, dense and lexical, fused."""

    def __init__(
        self,
        index: ChromaIndex,
        embedder: Embedder,
        weights: FusionWeights | None = None,
        compounds: Compounds = "split",
        lexical_backend: LexicalBackend | None = None,
        exact_search_chunks: int = 2_000_000,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.exact_search_chunks = exact_search_chunks
        _one_blas_thread()
        self.weights = weights or FusionWeights()
        self.compounds = compounds
        self.store = SegmentStore(index.segment_root, compounds)
        # None: the local BM25 segments (this object's own ``search``).
        self.lexical_backend = lexical_backend
        self._queries: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_lock = threading.Lock()
        # The embedder already uses every core: concurrent questions are embedded in one call.
        self._embed: MicroBatcher[str, Vectors] = MicroBatcher(self._embed_new)
        self._store_stamp = ""
        self.documents: dict[str, IndexedDocument] = {}  # as of the last refresh
        # Counts refreshes: answer workers in other processes catch up when the serving process's moves.
        self.generation = 0
        self.refresh()

    def refresh(self) -> None:
        """Reload the visible documents and open new BM25 segments (after an ingest)."""
        documents: dict[str, IndexedDocument] = self.index.documents()
        stamp = self.index.stamp(documents)
        live = {d.id: d.content_hash for d in documents.values()}
        table = ChunkTable(self.store.segments(), live)
        missing = [d for d in live if d not in table.covered]
        if missing:
            # An index written before segments existed, or ingested by a process on another machine.
            table = self._cover(documents, missing, table, live)
        self._keep_refined_local(self.documents, documents, table)
        self.documents = documents
        self._stamp = stamp
        self._store_stamp = self.store.stamp()
        self._checked = time.monotonic()
        self.chunks: ChunkTable = table
        # Parsing a record from the segment's JSON lines was a tenth of a question's time.
        self._chunk_at = functools.lru_cache(maxsize=_CHUNK_CACHE)(table.at)
        self.lexical = LexicalIndex(compounds=self.compounds, segments=[s.lexical for s in table.segments])
        self._periods = {d.id: document_period(d.metadata) for d in documents.values()}
        self._versions = live  # a filtered dense query stays within them (Filters.to_where)
        self._doc_of = table.document_of()
        self._doc_ids = table.document_ids()
        self.index.know_sentence_counts(table.sentence_count)
        self.generation += 1

    def _cover(
        self,
        documents: dict[str, IndexedDocument],
        missing: list[str],
        table: ChunkTable,
        live: dict[str, str],
    ) -> ChunkTable:
        """Write a segment for published documents no segment holds, and reopen."""
        wanted = {d: documents[d] for d in missing}
        chunks = (
            self.index.all_chunks(wanted)
            if len(missing) > 20
            else [c for d in missing for c in self.index.document_chunks(d, documents[d].content_hash)]
        )
        by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            by_doc.setdefault(c.document_id, []).append(c)
        log.info("building BM25 for %d documents no segment holds (%d chunks)", len(missing), len(chunks))
        vocabulary = LexicalIndex(
            compounds=self.compounds, segments=[s.lexical for s in table.segments]
        ).vocabulary
        counts = self.index.sentence_counts()
        # Their vectors too, so the dense search stays on the segments (in batches: Chroma reads them by id).
        vectors: dict[str, Vectors] = {}
        for lo in range(0, len(chunks), _COVER_BATCH):
            vectors |= self.index.chunk_vectors(chunks[lo : lo + _COVER_BATCH], documents)
        self.store.add([(d, live[d], by_doc.get(d, [])) for d in missing], vocabulary, counts, vectors)
        # Their sentence vectors too, so questions read them here rather than from the Chroma server.
        kept = sum(
            self.index.keep_sentences_local(documents[d], [c.id for c in by_doc.get(d, [])]) for d in missing
        )
        if kept:
            log.info("copied the sentence vectors of %d documents from Chroma to this machine", kept)
        return ChunkTable(self.store.segments(), live)

    def _keep_refined_local(
        self, before: dict[str, IndexedDocument], now: dict[str, IndexedDocument], table: ChunkTable
    ) -> None:
        """Copy here the sentence vectors of documents whose second pass ended since the last refresh.

        A document first seen while provisional is read from the Chroma server (its vectors were about to
        change there); a no-op where the document's file is already on this machine.
        """
        for doc in now.values():
            old = before.get(doc.id)
            if old is None or not old.provisional or doc.provisional or old.content_hash != doc.content_hash:
                continue
            ids = [cid for n in range(doc.chunks) if table.row_of(cid := f"{doc.id}#{n}") is not None]
            self.index.keep_sentences_local(doc, ids)

    def refresh_if_stale(self, every_s: float) -> bool:
        """Refresh when another process changed the index; looks at most every ``every_s`` seconds."""
        if not self.stale(every_s):
            return False
        self.refresh()
        return True

    def stale(self, every_s: float) -> bool:
        """Whether another process changed the index since the last refresh (checked every ``every_s`` s)."""
        if every_s <= 0 or time.monotonic() - self._checked < every_s:
            return False
        self._checked = time.monotonic()
        return self.index.stamp() != self._stamp or self.store.stamp() != self._store_stamp

    def embed_query(self, question: str) -> Vectors:
        """The question's query vector (a repeated question's comes from memory)."""
        with self._cache_lock:
            cached = self._queries.get(question)
            if cached is not None:
                self._queries.move_to_end(question)
                return cached
        return self._embed(question)

    def _embed_new(self, questions: list[str]) -> list[Vectors]:
        """Embed, in one call, those of ``questions`` not cached meanwhile, and cache them.

        A question asked again while its first ask is being embedded waits for that call and then
        finds its vector here, instead of being embedded a second time.
        """
        with self._cache_lock:
            known = {q: self._queries[q] for q in questions if q in self._queries}
        todo = [q for q in questions if q not in known]
        if todo:
            fresh = dict(zip(todo, self.embedder.embed(todo, query=True), strict=True))
            with self._cache_lock:
                self._queries.update(fresh)
                while len(self._queries) > _QUERY_CACHE:
                    self._queries.popitem(last=False)
            known |= fresh
        return [known[q] for q in questions]

    def _mask(self, filters: Filters | None) -> np.ndarray:
        alive = self.chunks.alive
        if filters is None or filters.is_empty():
            return alive
        docs = self.documents
        passes = np.array(
            [d in docs and filters.matches(docs[d].doc_type, d, self._periods.get(d)) for d in self._doc_ids]
            or [False],
            dtype=bool,
        )
        return alive & passes[self._doc_of] if len(self._doc_of) else alive

    @property
    def exact_dense(self) -> bool:
        """Whether the dense search runs on the segments' vectors here, not on Chroma's graph."""
        return self.chunks.has_vectors and len(self.chunks) <= self.exact_search_chunks

    def dense(self, vector: Vectors, n: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity."""
        if self.exact_dense:
            return [
                (self._chunk_at(row), score)
                for row, score in self.chunks.nearest(vector, n, self._mask(filters))
            ]
        # Segments without vectors (an index of an older planbot, or documents read back from a Chroma
        # server that another machine ingested): Chroma's graph.
        where = filters.to_where(self._versions) if filters else None
        return self.index.query(vector, n, where, self.documents, known=self._known_chunk)

    def _vectors(self, chunks: list[Chunk]) -> dict[str, Vectors]:
        """Stored vectors of live chunks, by id: from the segments if they hold them, else from Chroma."""
        if self.exact_dense:
            found = {c.id: self.chunks.vector_of(c.id) for c in chunks}
            return {cid: v for cid, v in found.items() if v is not None}
        return self.index.chunk_vectors(chunks, self.documents)

    def _known_chunk(self, chunk_id: str) -> Chunk | None:
        """A live chunk's record from the segments (already in memory or mapped), or None."""
        row = self.chunks.row_of(chunk_id)
        return None if row is None else self._chunk_at(row)

    def lexical_ranking(
        self, question: str, n: int, filters: Filters | None = None
    ) -> list[tuple[Chunk, float]]:
        """Best chunks by BM25 (only those with a positive score)."""
        if self.lexical_backend is not None:
            return self.lexical_backend.search(question, n, filters)
        return self.search(question, n, filters)

    def search(self, question: str, n: int, filters: Filters | None) -> list[tuple[Chunk, float]]:
        """The local BM25 segments as a ``LexicalBackend``."""
        scores = self.lexical.scores(question, self._mask(filters))
        if scores.size == 0:
            return []
        if scores.size > n:
            part = np.argpartition(-scores, n)[:n]
            top = part[np.argsort(-scores[part], kind="stable")]
        else:
            top = np.argsort(-scores, kind="stable")
        return [(self._chunk_at(int(i)), float(scores[i])) for i in top[:n] if scores[i] > 0]

    def retrieve(
        self, question: str, vector: Vectors, n: int, filters: Filters | None = None
    ) -> list[ScoredChunk]:
        """Fused candidates, best first; ``score`` is the fused score, dense/lexical kept beside it."""
        dense = _distinct_top(lambda m: self.dense(vector, m, filters), n)
        lexical = _distinct_top(lambda m: self.lexical_ranking(question, m, filters), n)
        # Where both rankings found a repeated text, each may hold a different copy: fuse them as one.
        first = {_text_key(c): c for c, _ in dense}
        merged: dict[str, tuple[Chunk, float]] = {}
        for chunk, score in lexical:
            same = first.get(_text_key(chunk), chunk)
            merged.setdefault(same.id, (same, score))
        lexical = list(merged.values())
        dense_score = {c.id: s for c, s in dense}
        lexical_score = {c.id: s for c, s in lexical}
        chunks = {c.id: c for c, _ in dense} | {c.id: c for c, _ in lexical}
        w = self.weights
        fused = reciprocal_rank_fusion(
            [[c.id for c, _ in dense], [c.id for c, _ in lexical]], [w.dense, w.lexical], w.k
        )
        missing = [cid for cid in chunks if cid not in dense_score]
        if missing:
            # Lexical-only candidates still need a dense score for the reranker and the refusal rule.
            stored = self._vectors([chunks[c] for c in missing])
            for cid, v in stored.items():
                dense_score[cid] = float(v @ vector)
        ranked = sorted(fused, key=lambda cid: -fused[cid])
        return [
            ScoredChunk(
                chunks[cid], fused[cid], dense=dense_score.get(cid), lexical=lexical_score.get(cid, 0.0)
            )
            for cid in ranked
        ]

    def neighbours(self, chunk: Chunk, radius: int = 1) -> list[Chunk]:
        """The chunks just before and after ``chunk`` in its document."""
        row = self.chunks.row_of(chunk.id)
        if row is None:
            return []
        out = []
        # A document's chunks are consecutive rows of one segment, in reading order.
        for r in range(max(0, row - radius), min(len(self.chunks.alive), row + radius + 1)):
            if r != row and self.chunks.alive[r]:
                other = self._chunk_at(r)
                if other.document_id == chunk.document_id:
                    out.append(other)
        return out
