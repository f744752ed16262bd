"""Rerankers: reorder fused candidates before the answer is built."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from planbot.errors import ModelUnavailable
from planbot.expansion import Expander, create_expander
from planbot.filters import Filters
from planbot.lru import Recent
from planbot.records import Chunk, ScoredChunk, Vectors
from planbot.signals import HAND_SET, RankerWeights, collapse_duplicates, feature_matrix, load_weights

if TYPE_CHECKING:
    from planbot.config import Settings
    from planbot.retrieval import LexicalBackend, Retriever


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


class ExpandedLexical:
    """A lexical backend that also searches a question's expansion terms, added with their own weight.

    Wraps whichever backend the retriever had (local BM25 or a search engine), so the expansion works
    with both; the expansion's own scores are kept for the reranker's ``expansion`` signal. The weight
    0.25 was chosen on the tune split (eval/tune.py: 0 / 0.25 / 0.5 gave top-1 0.575 / 0.604 / 0.604).
    """

    def __init__(
        self, inner: LexicalBackend, expander: Expander, weight: float = 0.25, depth: int = 100
    ) -> None:
        self.inner = inner
        self.expander = expander
        self.weight = weight
        self.depth = depth
        self._recent: Recent[str, dict[str, float]] = Recent(64)

    def search(self, question: str, n: int, filters: Filters | None) -> list[tuple[Chunk, float]]:
        """The ``n`` best chunks by BM25 of the question plus ``weight`` times that of its expansion."""
        found = self.inner.search(question, n, filters)
        extra = self.expander.text(question)
        hits = self.inner.search(extra, max(n, self.depth), filters) if extra else []
        self._recent.put({question: {c.id: s for c, s in hits}})
        if not hits:
            return found
        chunks = {c.id: c for c, _ in found} | {c.id: c for c, _ in hits}
        scores = {c.id: s for c, s in found}
        for c, s in hits:
            scores[c.id] = scores.get(c.id, 0.0) + self.weight * s
        best = sorted(scores, key=lambda cid: -scores[cid])[:n]
        return [(chunks[cid], scores[cid]) for cid in best]

    def expansion_scores(self, question: str) -> dict[str, float]:
        """BM25 of the question's expansion per chunk id (from its last search, else computed now)."""
        cached = self._recent.get(question)
        if cached is not None:
            return cached
        extra = self.expander.text(question)
        return {c.id: s for c, s in self.inner.search(extra, self.depth, None)} if extra else {}


class SentenceWindowReranker:
    """Offline default: a weighted sum of signals per candidate, then near-duplicates folded together.

    The signals (``planbot.signals.FEATURES``): the passage's and its best sentence's e5 similarity
    (a passage holding one sentence squarely answering the question beats one generally on topic;
    sentence vectors are computed at ingest), the best sentence embedded behind its title and nearest
    heading (which law, which section: it tells neighbouring sections apart), BM25 of the question and
    of its expansion (glossary, thesaurus, dictionary), whether the passage is a statute, whether the
    question names its document, and the fused retrieval score.
    """

    def __init__(
        self,
        retriever: Retriever,
        *,
        depth: int = 20,
        weights: RankerWeights = HAND_SET,
        expander: Expander | None = None,
        collapse: bool = True,
    ) -> None:
        self.retriever = retriever
        self.depth = depth
        self.weights = weights
        self.expander = expander
        self.collapse = collapse
        self.all_signals = False

    def signals(
        self, question: str, query_vector: Vectors, head: list[ScoredChunk]
    ) -> tuple[list[ScoredChunk], npt.NDArray[np.float64]]:
        """The candidates with their best-sentence similarity set, and their feature matrix."""
        sentences = self.retriever.index.sentence_vectors(
            [c.chunk.id for c in head], self.retriever.documents
        )
        best: dict[str, float] = defaultdict(lambda: -1.0)
        placed: dict[str, float] = defaultdict(lambda: -1.0)
        for sv in sentences:
            best[sv.chunk_id] = max(best[sv.chunk_id], float(sv.vector @ query_vector))
            # A first pass's pooled vectors have no context vector yet: the plain one stands in.
            vector = sv.vector if sv.context is None else sv.context
            placed[sv.chunk_id] = max(placed[sv.chunk_id], float(vector @ query_vector))
        # The glossary's statutory wording, embedded on its own (never mixed into the question's vector):
        # the sentence closest to "personer som har annat modersmål än svenska" when someone asked
        # about "nyanlända".
        # It costs an embedding, so only when it counts (or eval/tune.py asks for every signal).
        wanted = self.all_signals or bool(self.weights.weights.get("wording"))
        glossary = self.expander.expand(question).glossary if self.expander and wanted else ()
        wording: dict[str, float] = defaultdict(lambda: -1.0)
        if glossary:
            vector = self.retriever.embed_query("; ".join(glossary))
            for sv in sentences:
                wording[sv.chunk_id] = max(wording[sv.chunk_id], float(sv.vector @ vector))
        backend = self.retriever.lexical_backend
        expansion = backend.expansion_scores(question) if isinstance(backend, ExpandedLexical) else {}
        head = [
            replace(c, sentence=best.get(c.chunk.id, c.dense), placed_sentence=placed.get(c.chunk.id))
            for c in head
        ]
        return head, feature_matrix(question, head, best, expansion, wording, placed)

    def rerank(
        self, question: str, query_vector: Vectors, candidates: list[ScoredChunk]
    ) -> list[ScoredChunk]:
        """Rescore the top ``depth`` candidates; the rest keep their order below them."""
        head, tail = candidates[: self.depth], candidates[self.depth :]
        if not head:
            return []
        head, features = self.signals(question, query_vector, head)
        scores = self.weights.score(features)
        order = np.argsort(-scores, kind="stable")
        rescored = [replace(head[i], score=float(scores[i])) for i in order]
        if self.collapse:
            rescored = collapse_duplicates(rescored)
        floor = rescored[-1].score
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
    """Build the reranker the settings name; the query expansion feeds BM25 (a retriever hook) for all."""
    expander = create_expander(
        settings.glossary_file, thesaurus=settings.thesaurus, dictionary=settings.dictionary
    )
    inner = retriever.lexical_backend
    if isinstance(inner, ExpandedLexical):
        inner = inner.inner
    retriever.lexical_backend = ExpandedLexical(inner or retriever, expander)
    if settings.reranker == "cross-encoder":
        if not settings.reranker_model:
            raise ModelUnavailable(
                "PLANBOT_RERANKER=cross-encoder needs PLANBOT_RERANKER_MODEL (a model path)"
            )
        return CrossEncoderReranker(settings.reranker_model)
    if settings.reranker == "none":
        return FusionOrder()
    weights = load_weights(settings.ranker_file) if settings.ranker_file else HAND_SET
    return SentenceWindowReranker(retriever, weights=weights, expander=expander)
