"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by weighted reciprocal rank."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planbot.embedding import Embedder
from planbot.filters import Filters, document_period
from planbot.index import ChromaIndex
from planbot.lexical import Compounds, LexicalIndex
from planbot.records import Chunk, IndexedDocument, ScoredChunk, Vectors, embedding_text


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


class Retriever:
    """Finds candidate passages for a question, dense and lexical, fused."""

    def __init__(
        self,
        index: ChromaIndex,
        embedder: Embedder,
        weights: FusionWeights | None = None,
        compounds: Compounds = "split",
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.weights = weights or FusionWeights()
        self.compounds = compounds
        self.refresh()

    def refresh(self) -> None:
        """Reload the visible documents and rebuild the BM25 index (after an ingest)."""
        self.documents: dict[str, IndexedDocument] = self.index.documents()
        self._stamp = self.index.stamp()
        self._checked = time.monotonic()
        self.chunks: list[Chunk] = self.index.all_chunks(self.documents)
        self._by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self.lexical = LexicalIndex([embedding_text(c) for c in self.chunks], self.compounds)
        self._periods = {d.id: document_period(d.metadata) for d in self.documents.values()}

    def refresh_if_stale(self, every_s: float) -> bool:
        """Refresh when another process changed the index; looks at most every ``every_s`` seconds."""
        if every_s <= 0 or time.monotonic() - self._checked < every_s:
            return False
        self._checked = time.monotonic()
        if self.index.stamp() == self._stamp:
            return False
        self.refresh()
        return True

    def embed_query(self, question: str) -> Vectors:
        """The question's query vector."""
        vector: Vectors = self.embedder.embed([question], query=True)[0]
        return vector

    def _mask(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        return np.array(
            [
                filters.matches(c.doc_type, c.document_id, self._periods.get(c.document_id))
                for c in self.chunks
            ],
            dtype=bool,
        )

    def dense(self, vector: Vectors, n: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity."""
        where = filters.to_where() if filters else None
        return self.index.query(vector, n, where, self.documents)

    def lexical_ranking(
        self, question: str, n: int, filters: Filters | None = None
    ) -> list[tuple[Chunk, float]]:
        """Best chunks by BM25 (only those with a positive score)."""
        scores = self.lexical.scores(question, self._mask(filters))
        if scores.size == 0:
            return []
        top = np.argsort(-scores, kind="stable")[:n]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def retrieve(
        self, question: str, vector: Vectors, n: int, filters: Filters | None = None
    ) -> list[ScoredChunk]:
        """Fused candidates, best first; ``score`` is the fused score, dense/lexical kept beside it."""
        dense = self.dense(vector, n, filters)
        lexical = self.lexical_ranking(question, n, filters)
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
            stored = self.index.chunk_vectors([chunks[c] for c in missing], self.documents)
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
        i = self._by_id.get(chunk.id)
        if i is None:
            return []
        lo, hi = max(0, i - radius), min(len(self.chunks), i + radius + 1)
        return [c for c in self.chunks[lo:hi] if c.document_id == chunk.document_id and c.id != chunk.id]
