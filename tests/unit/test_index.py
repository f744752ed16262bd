"""The index on disk: BM25 segments written at ingest, opened by every process, added to incrementally."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from planbot.chunking import chunk_document, estimate_tokens
from planbot.config import Settings
from planbot.filters import Filters
from planbot.lexical import LexicalSegment
from planbot.loaders import load_document
from planbot.pipeline import Pipeline
from planbot.records import Chunk, Document, Vectors, embedding_text
from planbot.segments import read_manifest

from ..support import CORPUS, FakeEmbedder

LAW = "bibliotekslag-2013-801"
REGION = "region-varmland-biblioteksverksamhetens-uppdrag"


def _doc(name: str, *, text: str | None = None) -> Document:
    doc = load_document(CORPUS / name, CORPUS)
    if text is None:
        return doc
    return replace(doc, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest())


@pytest.fixture
def pipeline(settings: Settings, fake_embedder: FakeEmbedder) -> Pipeline:
    pipe = Pipeline(settings, embedder=fake_embedder)
    pipe.ingest(progress=False)
    return pipe


def _no_bm25_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> LexicalSegment:
        raise AssertionError("BM25 was rebuilt")

    monkeypatch.setattr(LexicalSegment, "build", classmethod(lambda cls, tokenised: refuse()))


def test_another_process_opens_the_stored_bm25_without_rebuilding(
    pipeline: Pipeline, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_bm25_builds(monkeypatch)
    other = Pipeline(settings, embedder=FakeEmbedder())
    assert other.chunk_count() == pipeline.chunk_count() > 0
    hits = other.retriever.lexical_ranking("bibliotekshuvudmän", 3)
    assert hits and hits[0][0].document_id == LAW


class _Untouchable(list[str]):
    """A segment's chunk ids that fail the test when walked (a refresh costing time ∝ the index)."""

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the chunk ids of an unchanged segment were walked again")

    def __getitem__(self, key: Any) -> Any:
        raise AssertionError("the chunk ids of an unchanged segment were read one by one again")


def test_adding_a_document_writes_one_segment_and_reopens_only_it(
    settings: Settings, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    pipe = Pipeline(settings, embedder=fake_embedder)
    pipe.ingest_documents([_doc(f"{LAW}.md")])
    root = pipe.index.segment_root
    [first] = read_manifest(root)
    before = (root / first / "rows.json").stat().st_mtime_ns
    opened = pipe.retriever.chunks.segments[0]
    assert opened.row_of  # this process's map of the segment's chunk ids, made once
    ids = opened.ids
    opened.ids = _Untouchable(ids)  # no per-chunk structure of the old segment is built again
    pipe.ingest_documents([_doc(f"{REGION}.md")])
    opened.ids = ids
    names = read_manifest(root)
    assert names[0] == first and len(names) == 2
    assert (root / first / "rows.json").stat().st_mtime_ns == before  # the old segment is not rewritten
    assert pipe.retriever.chunks.segments[0] is opened  # nor reloaded
    assert {c.document_id for c in pipe.retriever.chunks} == {LAW, REGION}
    assert pipe.retriever.lexical_ranking("regionala biblioteksverksamheten", 1)[0][0].document_id == REGION


def test_a_replaced_version_leaves_search_at_once_and_the_store_at_a_merge(pipeline: Pipeline) -> None:
    old = pipeline.retriever.documents[LAW].content_hash
    new = _doc(f"{LAW}.md", text=_doc(f"{LAW}.md").text.replace("kommunerna", "zebrakommunerna"))
    pipeline.ingest_documents([new])
    assert pipeline.retriever.lexical_ranking("zebrakommunerna", 3)[0][0].document_id == LAW
    chunk_ids = [c.id for c in pipeline.retriever.chunks]
    assert len(chunk_ids) == len(set(chunk_ids)) == pipeline.index.chunk_count()
    live = {d.id: d.content_hash for d in pipeline.retriever.documents.values()}
    # Replacing the larger document left over a third of the rows dead, so that ingest merged.
    [merged] = pipeline.retriever.store.segments()
    assert {h for _, h in merged.documents} == set(live.values()) and old not in live.values()
    assert not pipeline.retriever.store.merge_if_due(live)
    # The merge carried each live chunk's vector over, row for row, so the dense search stays exact.
    chunks = list(pipeline.retriever.chunks)
    stored = pipeline.index.chunk_vectors(chunks, pipeline.retriever.documents)
    assert merged.vectors is not None and len(merged.vectors) == len(merged) == len(stored)
    for c in chunks:
        mine = pipeline.retriever.chunks.vector_of(c.id)
        assert mine is not None
        np.testing.assert_allclose(mine, stored[c.id] / np.linalg.norm(stored[c.id]), atol=1e-5)


def test_sentence_vector_files_follow_the_published_versions(pipeline: Pipeline, settings: Settings) -> None:
    """One file per published version: a replaced version's and a deleted document's files go."""
    folder = Path(settings.index_dir) / f"{settings.collection}-sentences"
    assert len(list(folder.glob("*.sv"))) == len(pipeline.retriever.documents)
    new = _doc(f"{LAW}.md", text=_doc(f"{LAW}.md").text.replace("kommunerna", "zebrakommunerna"))
    pipeline.ingest_documents([new])
    pipeline.delete_document(REGION)
    assert len(list(folder.glob("*.sv"))) == len(pipeline.retriever.documents)
    chunk = next(c for c in pipeline.retriever.chunks if c.document_id == LAW and "zebra" in c.text)
    read = pipeline.index.sentence_vectors([chunk.id], pipeline.retriever.documents)
    assert read and all(s.end <= len(chunk.text) for s in read)


def test_an_index_without_segments_gets_them_once(pipeline: Pipeline, settings: Settings) -> None:
    expected = [c.id for c in pipeline.retriever.chunks]
    shutil.rmtree(pipeline.index.segment_root)
    again = Pipeline(settings, embedder=FakeEmbedder())
    assert sorted(c.id for c in again.retriever.chunks) == sorted(expected)
    assert len(read_manifest(pipeline.index.segment_root)) == 1
    assert again.retriever.exact_dense  # with the chunk vectors read back from Chroma


def test_a_segment_of_unpublished_documents_stays_invisible(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    pipe = Pipeline(settings, embedder=fake_embedder)
    pipe.ingest_documents([_doc(f"{LAW}.md")])
    # An ingest killed after writing its segment but before publishing: the rows are dead.
    doc = _doc(f"{REGION}.md")
    ingestor = pipe.ingestor(progress=False)
    ingestor.store.add([(doc.id, doc.content_hash, chunk_document(doc, 350, estimate_tokens))], set())
    pipe.retriever.refresh()
    assert {c.document_id for c in pipe.retriever.chunks} == {LAW}
    assert pipe.retriever.lexical_ranking("bibliotekshuvudmän", 50)
    assert all(c.document_id == LAW for c, _ in pipe.retriever.lexical_ranking("regionala", 50))


def test_the_next_bulk_ingest_removes_sentence_files_an_interrupted_ingest_left(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    pipe = Pipeline(settings, embedder=fake_embedder)
    doc = replace(_doc(f"{REGION}.md"), id="utkast")
    chunks = chunk_document(doc, 350, estimate_tokens)
    vectors = fake_embedder.embed([c.text for c in chunks])
    # An upload killed before its document was published.
    pipe.index.add_document(doc, chunks, vectors, [(chunks[0].id, 0, 10)], vectors[:1], publish=False)
    folder = Path(settings.index_dir) / f"{settings.collection}-sentences"
    assert len(list(folder.glob("*.sv"))) == 1
    pipe.ingest(progress=False)
    assert len(list(folder.glob("*.sv"))) == len(pipe.retriever.documents)


def test_neighbours_stay_within_the_document(pipeline: Pipeline) -> None:
    chunks = [c for c in pipeline.retriever.chunks if c.document_id == LAW]
    around = pipeline.retriever.neighbours(chunks[1])
    assert [c.ordinal for c in around] == [chunks[0].ordinal, chunks[2].ordinal]
    assert all(c.document_id == LAW for c in pipeline.retriever.neighbours(chunks[-1]))


class _SlowEmbedder(FakeEmbedder):
    """Takes a while per call, as a real model does, so concurrent questions queue up."""

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        time.sleep(0.05)
        return super().embed(texts, query=query)


def test_concurrent_questions_share_embedder_calls_and_get_their_own_vectors(pipeline: Pipeline) -> None:
    slow = _SlowEmbedder()
    pipeline.retriever.embedder = slow
    questions = [f"Fråga nummer {n} om bibliotek {n * 7}" for n in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        vectors = list(pool.map(pipeline.retriever.embed_query, questions))
    assert slow.calls < len(questions)
    expected = FakeEmbedder().embed(questions, query=True)
    assert np.allclose(np.vstack(vectors), expected)


def test_a_repeated_question_is_not_embedded_again(pipeline: Pipeline) -> None:
    counting = FakeEmbedder()
    pipeline.retriever.embedder = counting
    first = pipeline.retriever.embed_query("Vilka är bibliotekshuvudmän?")
    again = pipeline.retriever.embed_query("Vilka är bibliotekshuvudmän?")
    assert counting.calls == 1 and np.array_equal(first, again)


class _Spy:
    """Wraps a Chroma collection and records what each call asked it to include."""

    def __init__(self, collection: object) -> None:
        self.collection, self.includes = collection, []

    def __getattr__(self, name: str) -> object:
        method = getattr(self.collection, name)

        def call(*args: object, **kwargs: object) -> object:
            self.includes.append((name, kwargs.get("include")))
            return method(*args, **kwargs)

        return call


def _ranking(hits: list[tuple[Chunk, float]]) -> list[tuple[str, float]]:
    return [(c.id, round(score, 5)) for c, score in hits]


def test_dense_search_ranks_on_the_segments_vectors_as_chroma_does_without_asking_chroma(
    pipeline: Pipeline,
) -> None:
    retriever = pipeline.retriever
    assert retriever.exact_dense
    vector = FakeEmbedder().embed(["Vilka är bibliotekshuvudmän?"], query=True)[0]
    from_chroma = retriever.index.query(vector, 8, None, retriever.documents)
    spy = _Spy(retriever.index._chunks)
    retriever.index._chunks = spy
    assert _ranking(retriever.dense(vector, 8)) == _ranking(from_chroma)
    law_only = Filters(doc_type=["lag"])
    assert {c.doc_type for c, _ in retriever.dense(vector, 8, law_only)} == {"lag"}
    assert spy.includes == []  # no graph to load in each process


@pytest.mark.parametrize("why", ["segments without vectors", "more chunks than the exact search takes"])
def test_otherwise_the_dense_search_asks_chroma_for_ids_only(pipeline: Pipeline, why: str) -> None:
    retriever = pipeline.retriever
    if why == "segments without vectors":
        for seg in retriever.store.root.glob("s-*/vectors.npy"):  # as an older planbot wrote them
            seg.unlink()
        retriever.store._open = {}
        retriever.refresh()
    else:  # PLANBOT_EXACT_SEARCH_CHUNKS
        retriever.exact_search_chunks = len(retriever.chunks) - 1
    assert not retriever.exact_dense
    vector = FakeEmbedder().embed(["Vilka är bibliotekshuvudmän?"], query=True)[0]
    from_chroma = retriever.index.query(vector, 8, None, retriever.documents)
    spy = _Spy(retriever.index._chunks)
    retriever.index._chunks = spy
    assert retriever.dense(vector, 8) == from_chroma
    assert spy.includes == [("query", ["distances"])]


def test_dense_search_reads_from_chroma_the_records_its_segments_lack(pipeline: Pipeline) -> None:
    retriever = pipeline.retriever
    vector = FakeEmbedder().embed(["Vilka är bibliotekshuvudmän?"], query=True)[0]
    expected = retriever.index.query(vector, 8, None, retriever.documents)
    assert retriever.index.query(vector, 8, None, retriever.documents, known=lambda _: None) == expected


def test_dense_search_leaves_out_a_replaced_version(pipeline: Pipeline) -> None:
    old = pipeline.retriever.documents[LAW]
    new = _doc(f"{LAW}.md", text=_doc(f"{LAW}.md").text.replace("kommunerna", "zebrakommunerna"))
    vector = FakeEmbedder().embed(["bibliotekshuvudmän kommunerna"], query=True)[0]
    pipeline.ingest_documents([new])
    live = pipeline.retriever.documents
    assert live[LAW].content_hash != old.content_hash
    stale = {**live, LAW: old}  # a caller whose view is older than the index: it must not mix versions
    for view in (live, stale):
        hits = pipeline.index.query(vector, 50, None, view, known=pipeline.retriever._known_chunk)
        law = [c for c, _ in hits if c.document_id == LAW]
        assert law if view is live else not law


def test_chunk_vectors_come_from_memory_once_read_and_follow_a_new_version(pipeline: Pipeline) -> None:
    retriever = pipeline.retriever
    chunks = [c for c in retriever.chunks if c.document_id == LAW][:3]
    first = retriever.index.chunk_vectors(chunks, retriever.documents)
    spy = _Spy(retriever.index._chunks)
    retriever.index._chunks = spy
    again = retriever.index.chunk_vectors(chunks, retriever.documents)
    assert spy.includes == [] and all(np.array_equal(first[c.id], again[c.id]) for c in chunks)
    retriever.index._chunks = spy.collection
    text = _doc(f"{LAW}.md").text.replace("kommunerna", "zebrakommunerna")
    pipeline.ingest_documents([_doc(f"{LAW}.md", text=text)])
    fresh = [c for c in pipeline.retriever.chunks if c.document_id == LAW and "zebrakommunerna" in c.text]
    vectors = pipeline.index.chunk_vectors(fresh, pipeline.retriever.documents)
    expected = FakeEmbedder().embed([embedding_text(c) for c in fresh])
    assert np.allclose(np.vstack([vectors[c.id] for c in fresh]), expected, atol=1e-6)


def test_a_process_that_left_the_chunk_graph_out_loads_it_under_the_write_lock_when_it_reads_chunks(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = pipeline.index
    stored = index.chunk_count()
    index.reopen(graph=False)  # as an answer process that searches the segments' vectors
    assert index.write_lock is not None
    held = []
    real = index.write_lock.held

    @contextlib.contextmanager
    def watched() -> Iterator[None]:
        with real():
            held.append(True)
            yield

    monkeypatch.setattr(index.write_lock, "held", watched)
    assert index.chunk_count() == stored and held == [True]
    assert index.chunk_count() == stored and held == [True]  # loaded once


def test_chunk_records_are_read_without_mapping_their_file_and_vectors_are_shared_by_mapping(
    pipeline: Pipeline,
) -> None:
    """A mapped file's touched pages count in each process; records are read, the vectors scanned whole."""
    table = pipeline.retriever.chunks
    assert [table.at(int(r)).id for r in table.rows[:3]] == [c.id for c in list(table)[:3]]
    vector = FakeEmbedder().embed(["Vilka är bibliotekshuvudmän?"], query=True)[0]
    assert pipeline.retriever.dense(vector, 3)
    mapped = Path("/proc/self/maps").read_text()
    root = str(pipeline.retriever.store.root)
    assert f"{root}/" in mapped and "vectors.npy" in mapped
    assert not [line for line in mapped.splitlines() if root in line and line.endswith("chunks.jsonl")]


def test_a_segment_without_rows_leaves_the_dense_search_on_the_segments(pipeline: Pipeline) -> None:
    retriever = pipeline.retriever
    retriever.store.add([("tomt-dokument", "0" * 64, [])], set())
    retriever.refresh()
    assert len(retriever.chunks.segments) == 2 and retriever.exact_dense
