"""Rerankers: reorder fused candidates before the answer is built."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from planbot.errors import ModelUnavailable
from planbot.records import ScoredChunk, Vectors

if TYPE_CHECKING:
    from planbot.config import Settings
    from planbot.retrieval import Retriever


@runtime_checkable
class Reranker(Protocol):
    """Reorders candidate passages for a question, best first."""

    def rerank(
        self, question: str, query_vector: Vectors, candidates: list[ScoredChunk]
    ) -> list[ScoredChunk]:
        """Return ``candidates`` rescored and sorted best first."""
        ...


class FusionOrder:
    """Keeps the fused order (no reranking)."""

    def rerank(
        self, question: str, query_vector: Vectors, candidates: list[ScoredChunk]
    ) -> list[ScoredChunk]:
        """Return candidates unchanged."""
        return list(candidates)


class SentenceWindowReranker:
    """Offline default: rescore each candidate by its best sentence's e5 similarity, its own, and BM25.

    A passage that holds one sentence squarely answering the question beats a passage that is
    generally on topic; the sentence vectors are computed once at ingest.
    """

    def __init__(
        self,
        retriever: Retriever,
        *,
        depth: int = 20,
        sentence_weight: float = 1.0,
        passage_weight: float = 1.0,
        lexical_weight: float = 0.08,
    ) -> None:
        self.retriever = retriever
        self.depth = depth
        self.sentence_weight = sentence_weight
        self.passage_weight = passage_weight
        self.lexical_weight = lexical_weight

    def rerank(
        self, question: str, query_vector: Vectors, candidates: list[ScoredChunk]
    ) -> list[ScoredChunk]:
        """Rescore the top ``depth`` candidates; the rest keep their order below them."""
        head, tail = candidates[: self.depth], candidates[self.depth :]
        best: dict[str, float] = defaultdict(lambda: 0.0)
        for sv in self.retriever.index.sentence_vectors([c.chunk.id for c in head], self.retriever.documents):
            best[sv.chunk_id] = max(best[sv.chunk_id], float(sv.vector @ query_vector))
        top_lexical = max((c.lexical or 0.0 for c in head), default=0.0) or 1.0
        rescored = []
        for cand in head:
            dense = cand.dense if cand.dense is not None else 0.0
            sentence = best.get(cand.chunk.id, dense)
            score = (
                self.sentence_weight * sentence
                + self.passage_weight * dense
                + self.lexical_weight * (cand.lexical or 0.0) / top_lexical
            )
            rescored.append(replace(cand, score=score, sentence=sentence))
        rescored.sort(key=lambda c: -c.score)
        floor = rescored[-1].score if rescored else 0.0
        return rescored + [replace(c, score=floor - 1e-3 * (i + 1)) for i, c in enumerate(tail)]


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder (a local model path or cached id, loaded offline)."""

    def __init__(self, model: str | Any, depth: int = 20) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.depth = depth
        if not isinstance(model, str):
            self._model = model
            return
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise ModelUnavailable("the cross-encoder needs `pip install 'planbot[st]'`") from exc
        try:
            self._model = CrossEncoder(model, device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelUnavailable(f"cannot load cross-encoder {model!r} offline: {exc}") from exc

    def rerank(
        self, question: str, query_vector: Vectors, candidates: list[ScoredChunk]
    ) -> list[ScoredChunk]:
        """Score (question, passage) pairs with the cross-encoder."""
        head, tail = candidates[: self.depth], candidates[self.depth :]
        if not head:
            return []
        raw = self._model.predict([(question, c.chunk.text) for c in head], convert_to_numpy=True)
        scores = np.asarray(raw, dtype=np.float32).reshape(len(head), -1)[:, -1]
        order = np.argsort(-scores, kind="stable")
        ranked = [replace(head[i], score=float(scores[i])) for i in order]
        floor = ranked[-1].score
        return ranked + [replace(c, score=floor - 1e-3 * (i + 1)) for i, c in enumerate(tail)]


def create_reranker(settings: Settings, retriever: Retriever) -> Reranker:
    """Build the reranker the settings name."""
    if settings.reranker == "cross-encoder":
        if not settings.reranker_model:
            raise ModelUnavailable(
                "PLANBOT_RERANKER=cross-encoder needs PLANBOT_RERANKER_MODEL (a model path)"
            )
        return CrossEncoderReranker(settings.reranker_model)
    if settings.reranker == "none":
        return FusionOrder()
    return SentenceWindowReranker(retriever)
