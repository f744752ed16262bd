"""Retrieval: reciprocal rank fusion of the dense and lexical rankings, and the candidates it returns."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from planbot.config import Settings
from planbot.filters import Filters
from planbot.pipeline import Pipeline
from planbot.records import Vectors
from planbot.retrieval import FusionWeights, reciprocal_rank_fusion

from ..support import FakeEmbedder


def test_fusion_adds_weight_over_k_plus_rank_for_each_ranking() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], [1.0, 0.5], k=10)
    assert fused == pytest.approx({"a": 1 / 11, "b": 1 / 12 + 0.5 / 11, "c": 0.5 / 12})


def test_a_passage_both_rankings_find_beats_the_top_of_either_alone() -> None:
    fused = reciprocal_rank_fusion([["dense-only", "both"], ["lexical-only", "both"]], [1.0, 1.0], k=20)
    assert max(fused, key=fused.__getitem__) == "both"


@pytest.mark.parametrize(("dense", "lexical", "first"), [(1.0, 0.5, "d"), (0.5, 1.0, "l")])
def test_the_heavier_ranking_wins_a_tie_of_ranks(dense: float, lexical: float, first: str) -> None:
    fused = reciprocal_rank_fusion([["d"], ["l"]], [dense, lexical], k=20)
    assert max(fused, key=fused.__getitem__) == first


def test_fusion_needs_one_weight_per_ranking() -> None:
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"], ["b"]], [1.0], k=20)


@pytest.fixture
def pipeline(settings: Settings, fake_embedder: FakeEmbedder) -> Pipeline:
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    return pipeline


def test_retrieve_returns_fused_scores_best_first_each_with_a_dense_score(pipeline: Pipeline) -> None:
    question = "Bibliotekshuvudmän kommunerna regionerna staten"
    retriever = pipeline.retriever
    vector = retriever.embed_query(question)
    fused = retriever.retrieve(question, vector, 10)
    assert fused and [p.score for p in fused] == sorted((p.score for p in fused), reverse=True)
    w = FusionWeights()
    dense = [c.id for c, _ in retriever.dense(vector, 10)]
    lexical = [c.id for c, _ in retriever.lexical_ranking(question, 10, None)]
    expected = reciprocal_rank_fusion([dense, lexical], [w.dense, w.lexical], w.k)
    assert {p.chunk.id: p.score for p in fused} == pytest.approx(expected)
    # Lexical-only candidates get their dense score from the stored vectors, for the reranker and refusals.
    assert all(p.dense is not None for p in fused)
    assert any(p.chunk.id not in dense for p in fused), "the test needs a lexical-only candidate"


def test_retrieve_keeps_to_the_filtered_documents(pipeline: Pipeline) -> None:
    question = "bibliotek samverkan kommuner"
    vector = pipeline.retriever.embed_query(question)
    only = Filters(document_id=["region-varmland-biblioteksverksamhetens-uppdrag"])
    fused = pipeline.retriever.retrieve(question, vector, 10, only)
    assert fused and {p.chunk.document_id for p in fused} == {
        "region-varmland-biblioteksverksamhetens-uppdrag"
    }


class _GatedEmbedder(FakeEmbedder):
    """Holds its calls until released, so the same question can be asked again meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        self.entered.set()
        self.release.wait(5)
        return super().embed(texts, query=query)


def test_a_question_asked_again_while_it_is_being_embedded_is_embedded_once(pipeline: Pipeline) -> None:
    gated = _GatedEmbedder()
    pipeline.retriever.embedder = gated
    question = "Vilka är bibliotekshuvudmän?"
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(pipeline.retriever.embed_query, question)
        assert gated.entered.wait(5)
        again = pool.submit(pipeline.retriever.embed_query, question)
        time.sleep(0.05)  # the second ask now waits for the first call
        gated.release.set()
        vectors = first.result(), again.result()
    assert gated.texts == 1
    assert np.array_equal(*vectors)


REPEATED = (
    "Biblioteket köper in litteratur på finska, meänkieli, samiska, romani chib och jiddisch "
    "och håller samråd med de nationella minoriteterna två gånger per år."
)


def test_a_section_a_plan_repeats_in_every_chapter_is_one_candidate_and_the_rest_are_other_passages(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    chapters = "\n\n".join(f"## Delområde {i}\n\n{REPEATED}" for i in range(1, 13))
    (settings.corpus_dir / "plan.md").write_text(
        f"---\ntitle: Plan för biblioteken\n---\n\n# Plan för biblioteken\n\n{chapters}\n", encoding="utf-8"
    )
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    retriever = pipeline.retriever
    question = "Vilka minoritetsspråk köper biblioteket in litteratur på?"
    found = retriever.retrieve(question, retriever.embed_query(question), 10)
    copies = [p for p in found if p.chunk.text.strip() == REPEATED]
    assert len(copies) == 1
    # The candidates are refilled with other passages rather than left short.
    assert len({p.chunk.id for p in found}) >= 10


def test_numpy_blas_keeps_to_one_thread_so_its_spinning_threads_leave_the_embedder_its_cores(
    pipeline: Pipeline,
) -> None:
    from threadpoolctl import threadpool_info

    # numpy's own (scipy's, which only development tools load, may have come after the first Retriever).
    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas" and "/numpy" in lib["filepath"]]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)
