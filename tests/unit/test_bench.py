"""The scale bench's synthetic index: real pooled sentences recombined into chunks, and asks against it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from planbot.config import Settings
from planbot.loaders import load_document
from planbot.pipeline import Pipeline
from planbot.records import Vectors
from planbot_dev.benchdense import dense_at, exact_at
from planbot_dev.benchlexical import bm25_at
from planbot_dev.benchscale import Pool, add_document, cached_index, scale_point, sentence_pool
from planbot_dev.loadtest import eval_questions, memory_mb

from ..support import CORPUS, FakeEmbedder


def test_the_sentence_pool_is_embedded_once_then_read_from_the_cache(
    settings: Settings, tmp_path: Path
) -> None:
    embedder = FakeEmbedder()
    pool, first_seconds = sentence_pool(settings, embedder, 40, tmp_path / "cache")
    assert first_seconds > 0
    assert 0 < len(pool.texts) <= 40 and pool.vectors.shape == (len(pool.texts), embedder.dimension)
    calls = embedder.calls
    again, cached_seconds = sentence_pool(settings, embedder, 40, tmp_path / "cache")
    assert embedder.calls == calls and cached_seconds == 0.0
    assert again.texts == pool.texts and np.allclose(again.vectors, pool.vectors)


def test_a_synthetic_index_holds_the_requested_chunks_and_answers_asks(
    settings: Settings, tmp_path: Path
) -> None:
    embedder = FakeEmbedder()
    pool, _ = sentence_pool(settings, embedder, 60, tmp_path / "cache")
    point = scale_point(settings, embedder, pool, 600, ["Vilka är bibliotekshuvudmän?"] * 3)
    assert point.chunks == 600
    assert 3 * 600 <= point.sentences <= 6 * 600
    assert len(point.latencies_ms) == 3
    assert "600 chunks" in point.line()


def test_a_kept_index_is_built_once_then_reused(settings: Settings, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    pool, _ = sentence_pool(settings, embedder, 60, tmp_path / "cache")
    index_dir, built_s = cached_index(tmp_path / "kept", embedder, pool, 600)
    assert built_s > 0

    def no_pool() -> Pool:
        raise AssertionError("the pool is needed only to build")

    assert cached_index(tmp_path / "kept", embedder, no_pool, 600) == (index_dir, 0.0)
    assert Pipeline(settings.model_copy(update={"index_dir": index_dir}), embedder).chunk_count() == 600


def test_a_kept_index_is_searched_densely_and_its_sentence_vectors_are_read(
    settings: Settings, tmp_path: Path
) -> None:
    """The asks timed on a synthetic index do the work a real index's do (its chunk ids are read as real)."""
    embedder = FakeEmbedder()
    pool, _ = sentence_pool(settings, embedder, 60, tmp_path / "cache")
    index_dir, _ = cached_index(tmp_path / "kept", embedder, pool, 600)
    pipeline = Pipeline(settings.model_copy(update={"index_dir": index_dir}), embedder)
    found = pipeline.retriever.dense(pipeline.retriever.embed_query(pool.texts[0]), 10)
    assert len(found) == 10
    read = pipeline.index.sentence_vectors([c.id for c, _ in found], pipeline.retriever.documents)
    assert {s.chunk_id for s in read} == {c.id for c, _ in found}


def test_adding_a_plan_is_timed_until_searchable_and_then_removed(settings: Settings, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    pool, _ = sentence_pool(settings, embedder, 60, tmp_path / "cache")
    index_dir, _ = cached_index(tmp_path / "kept", embedder, pool, 600)
    doc = load_document(CORPUS / "bibliotekslag-2013-801.md", CORPUS)
    added = add_document(settings, embedder, index_dir, doc)
    assert added.chunks_before == 600 and added.chunks_added > 5
    assert 0 < added.embed_s <= added.total_s
    assert "searchable after" in added.line()
    assert Pipeline(settings.model_copy(update={"index_dir": index_dir}), embedder).chunk_count() == 600


def test_load_questions_come_from_an_eval_file_without_repeats(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "a?"}\n{"question": "b?"}\n\n{"question": "a?"}\n', encoding="utf-8")
    assert eval_questions(path) == ["a?", "b?"]


def test_the_serve_memory_bench_takes_every_question_file_but_conversations_and_reads_rss_and_pss(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"question": "a?"}\n{"id": "ec1", "turns": [{"question": "b?"}]}\n', encoding="utf-8")
    assert eval_questions(path, missing_ok=True) == ["a?"]
    with pytest.raises(KeyError):
        eval_questions(path)
    rss, pss = memory_mb(os.getpid())
    assert rss >= pss > 0


def test_the_bm25_only_bench_opens_copies_of_one_segment_as_more_chunks(
    settings: Settings, tmp_path: Path
) -> None:
    questions = ["Vilka är bibliotekshuvudmän?", "Vad ska en biblioteksplan innehålla?"]
    line = bm25_at(settings, tmp_path / "bm25", 3, questions, docs_n=4, per_doc=10)
    assert "120 chunks in 3 segments" in line and "over 2 questions" in line


@pytest.fixture
def kept(settings: Settings) -> tuple[int, Vectors]:
    """The corpus indexed at ``settings.index_dir`` (its chunk count) and two questions' vectors."""
    pipeline = Pipeline(settings, embedder=FakeEmbedder())
    pipeline.ingest(progress=False)
    questions = ["Vilka är bibliotekshuvudmän?", "Vad är en biblioteksplan?"]
    return len(pipeline.retriever.chunks), FakeEmbedder().embed(questions, query=True)


def test_the_dense_only_bench_queries_noisy_copies_of_a_kept_index_built_once(
    settings: Settings, tmp_path: Path, kept: tuple[int, Vectors]
) -> None:
    chunks, vectors = kept
    line = dense_at(settings.index_dir, tmp_path / "dense", 3, vectors)
    assert f"{3 * chunks} chunk vectors" in line and "over 2 questions" in line
    # A second run with as many copies adds nothing; one with more adds only the missing copy.
    assert f"{3 * chunks} chunk vectors" in dense_at(settings.index_dir, tmp_path / "dense", 3, vectors)
    assert f"{4 * chunks} chunk vectors" in dense_at(settings.index_dir, tmp_path / "dense", 4, vectors)


def test_the_exact_dense_bench_searches_noisy_copies_of_a_kept_index_s_segment_vectors(
    settings: Settings, tmp_path: Path, kept: tuple[int, Vectors]
) -> None:
    chunks, vectors = kept
    line = exact_at(settings.index_dir, tmp_path / "exact", 3, vectors)
    assert f"{3 * chunks} chunk vectors in 3 memory-mapped segments" in line and "over 2 questions" in line
