"""Incremental ingest: unchanged documents cost nothing, changed ones replace, removed ones go."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from planbot.chroma import drop_index
from planbot.chunk_metadata import chunk_metadata
from planbot.chunking import chunk_document
from planbot.config import Settings
from planbot.errors import IndexMismatch, IndexUnavailable, ModelUnavailable
from planbot.ingest import passage_pieces, sentence_units
from planbot.loaders import load_document
from planbot.pipeline import Pipeline
from planbot.records import Vectors, embedding_text, sentence_embedding_text
from planbot.sentence_files import file_name

from ..support import FakeEmbedder, FakePoolingEmbedder


def _pipeline(settings: Settings, embedder: FakeEmbedder) -> Pipeline:
    return Pipeline(settings, embedder=embedder)


def test_first_ingest_adds_every_document(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    report = _pipeline(settings, fake_embedder).ingest(progress=False)
    assert sorted(report.added) == [
        "bibliotekslag-2013-801",
        "region-varmland-biblioteksverksamhetens-uppdrag",
    ]
    assert report.chunks_embedded > 18


def test_reingest_of_an_unchanged_corpus_embeds_nothing(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    pipeline = _pipeline(settings, fake_embedder)
    pipeline.ingest(progress=False)
    before = fake_embedder.texts
    report = pipeline.ingest(progress=False)
    assert fake_embedder.texts == before
    assert len(report.unchanged) == 2 and not report.changed


def test_changed_document_replaces_its_old_chunks(settings: Settings, fake_embedder: FakeEmbedder) -> None:
    pipeline = _pipeline(settings, fake_embedder)
    pipeline.ingest(progress=False)
    path = settings.corpus_dir / "region-varmland-biblioteksverksamhetens-uppdrag.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Uppdraget är i första hand strategiskt", "Uppdraget är numera operativt"))
    report = pipeline.ingest(progress=False)
    assert report.updated == ["region-varmland-biblioteksverksamhetens-uppdrag"]
    _, chunks = pipeline.document("region-varmland-biblioteksverksamhetens-uppdrag")
    body = " ".join(c.text for c in chunks)
    assert "numera operativt" in body and "i första hand strategiskt" not in body
    assert pipeline.chunk_count() == pipeline.index.chunk_count()  # no stale copies left behind


def test_removed_document_disappears_from_index_and_answers(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    pipeline = _pipeline(settings, fake_embedder)
    pipeline.ingest(progress=False)
    (settings.corpus_dir / "bibliotekslag-2013-801.md").unlink()
    report = pipeline.ingest(progress=False)
    assert report.removed == ["bibliotekslag-2013-801"]
    assert "bibliotekslag-2013-801" not in pipeline.documents()
    _, passages = pipeline.search("Vilka är bibliotekshuvudmän?")
    assert all(p.chunk.document_id != "bibliotekslag-2013-801" for p in passages)


def test_unreadable_file_is_reported_and_the_rest_still_indexes(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    (settings.corpus_dir / "trasig.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")
    report = _pipeline(settings, fake_embedder).ingest(progress=False)
    assert [e.name for e in report.errors] == ["trasig.pdf"]
    assert len(report.added) == 2


def test_index_built_with_another_embedder_asks_for_a_reindex(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    _pipeline(settings, fake_embedder).ingest(progress=False)

    class Other(FakeEmbedder):
        name = "fake/other"
        dimension = 32

    with pytest.raises(IndexMismatch, match="ingest --rebuild"):
        _pipeline(settings, Other())
    drop_index(settings)  # what `planbot ingest --rebuild` does first
    assert not list(Path(settings.index_dir).rglob("*.sv"))
    rebuilt = _pipeline(settings, Other())
    rebuilt.ingest(progress=False)
    read = rebuilt.index.sentence_vectors([rebuilt.retriever.chunks[0].id], rebuilt.documents())
    assert {s.vector.shape for s in read} == {(32,)}


def test_chunks_of_an_unpublished_version_stay_invisible(
    settings: Settings, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    """What a crash between storing chunks and publishing the manifest would leave."""
    pipeline = _pipeline(settings, fake_embedder)
    pipeline.ingest(progress=False)

    path = settings.corpus_dir / "bibliotekslag-2013-801.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n\n### 19 §\n\nEn paragraf som aldrig publicerades.\n"
    )
    doc = load_document(path, settings.corpus_dir)
    chunks = chunk_document(doc)
    vectors = fake_embedder.embed([c.text for c in chunks])
    # Store chunks as add_document would, but stop before the manifest is written.
    pipeline.index._chunks.upsert(
        ids=[c.id + "@" + doc.content_hash[:16] for c in chunks],
        embeddings=vectors,
        documents=[c.text for c in chunks],
        metadatas=[chunk_metadata(c, doc) for c in chunks],
    )
    pipeline.retriever.refresh()
    _, passages = pipeline.search("paragraf som aldrig publicerades", top_k=10)
    assert all("aldrig publicerades" not in p.chunk.text for p in passages)
    report = pipeline.ingest(progress=False)
    assert report.updated == ["bibliotekslag-2013-801"]
    _, passages = pipeline.search("paragraf som aldrig publicerades", top_k=3)
    assert "aldrig publicerades" in passages[0].chunk.text
    assert pipeline.chunk_count() == pipeline.index.chunk_count()


def test_a_second_process_sees_documents_another_one_ingested(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    """Two API processes over one index: the one that did not ingest notices on its next search."""
    reader = _pipeline(settings.model_copy(update={"refresh_check_s": 1e-6}), fake_embedder)
    assert reader.documents() == {}
    _pipeline(settings, fake_embedder).ingest(progress=False)
    _, passages = reader.search("Vilka är bibliotekshuvudmän?")
    assert passages and "bibliotekslag-2013-801" in reader.documents()


@pytest.mark.parametrize(
    "name", ["bibliotekslag-2013-801.md", "region-varmland-biblioteksverksamhetens-uppdrag.md"]
)
def test_passage_pieces_rebuild_the_embedded_text_and_each_sentence_unit(
    corpus_root: Path, name: str
) -> None:
    doc = load_document(corpus_root / name, corpus_root)
    for chunk in chunk_document(doc):
        pieces, groups = passage_pieces(chunk)
        assert " ".join(pieces).split() == embedding_text(chunk).split()
        units = sentence_units(chunk)
        assert len(groups) == len(units)
        for (_, _, text), group in zip(units, groups, strict=True):
            assert " ".join(pieces[i] for i in group).split() == text.split()


def test_pooled_ingest_runs_each_chunk_once_and_stores_a_vector_per_sentence(settings: Settings) -> None:
    settings.sentence_vectors = "pooled"
    embedder = FakePoolingEmbedder()
    pipeline = Pipeline(settings, embedder=embedder)
    report = pipeline.ingest(progress=False)
    assert embedder.pooled_passages == report.chunks_embedded
    # Nothing embedded as a text of its own besides what pooling computed.
    assert embedder.texts == report.chunks_embedded + report.sentences_embedded
    chunk = next(c for c in pipeline.retriever.chunks if len(sentence_units(c)) > 2)
    stored = pipeline.index.sentence_vectors([chunk.id], pipeline.retriever.documents)
    expected = FakeEmbedder().embed([t for _, _, t in sentence_units(chunk)])
    assert np.allclose(np.stack([s.vector for s in stored]), expected, atol=1e-3)


def test_a_chunk_too_long_to_pool_is_embedded_sentence_by_sentence(settings: Settings) -> None:
    settings.sentence_vectors = "pooled"
    embedder = FakePoolingEmbedder(too_long=600)
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest(progress=False)
    chunk = next(c for c in pipeline.retriever.chunks if len(embedding_text(c)) > 700)
    stored = pipeline.index.sentence_vectors([chunk.id], pipeline.retriever.documents)
    assert len(stored) == len(sentence_units(chunk))
    expected = FakeEmbedder().embed([t for _, _, t in sentence_units(chunk)])
    assert np.allclose(np.stack([s.vector for s in stored]), expected, atol=1e-3)


class ContextualFake(FakePoolingEmbedder):
    """Pools like a real encoder does: every sentence's pooled vector leans towards its chunk's."""

    def embed_pooled(
        self, passages: Sequence[Sequence[str]], groups: Sequence[Sequence[Sequence[int]]]
    ) -> tuple[Vectors, list[Vectors | None]]:
        """The chunk vectors, and each sentence pooled as its chunk's vector."""
        out, units = super().embed_pooled(passages, groups)
        return out, [None if u is None else np.repeat(out[i : i + 1], len(u), 0) for i, u in enumerate(units)]


def _stored(pipeline: Pipeline, chunk_id: str) -> np.ndarray:
    return np.stack(
        [s.vector for s in pipeline.index.sentence_vectors([chunk_id], pipeline.retriever.documents)]
    )


def test_a_document_is_searchable_after_one_pass_and_then_gets_separate_sentence_vectors(
    settings: Settings,
) -> None:
    pipeline = Pipeline(settings, embedder=ContextualFake())
    during: list[tuple[bool, np.ndarray]] = []

    def look(done: int, total: int, stage: str) -> None:
        if stage == "refining" and not during:
            # The first pass is stored and visible: questions find the document already.
            chunk = next(c for c in pipeline.retriever.chunks if len(sentence_units(c)) > 2)
            during.append(
                (pipeline.retriever.documents[chunk.document_id].provisional, _stored(pipeline, chunk.id))
            )

    report = pipeline.ingest(progress=False, on_progress=look)
    assert during, "the second pass ran after the documents were searchable"
    chunk = next(c for c in pipeline.retriever.chunks if len(sentence_units(c)) > 2)
    separate = FakeEmbedder().embed([t for _, _, t in sentence_units(chunk)])
    provisional, pooled = during[0]
    assert provisional and not np.allclose(pooled, separate, atol=1e-4)
    # Afterwards the stored (and no longer cached) vectors are the separately embedded ones.
    assert not pipeline.retriever.documents[chunk.document_id].provisional
    assert np.allclose(_stored(pipeline, chunk.id), separate, atol=1e-3)
    assert sorted(report.refined) == sorted(report.added)
    assert report.searchable_seconds is not None and report.searchable_seconds <= report.seconds


def test_a_document_left_with_pooled_vectors_is_refined_by_the_next_ingest(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = Pipeline(settings, embedder=ContextualFake())

    def fail(*args: object) -> None:
        raise IndexUnavailable("the Chroma server went away")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline.index, "replace_sentence_vectors", fail)
        report = pipeline.ingest(progress=False)
    assert report.refined == [] and len(report.errors) == 2
    assert all(d.provisional for d in pipeline.retriever.documents.values())
    assert pipeline.ask("Vad ska folkbiblioteket verka för?").passages, "still searchable meanwhile"
    again = pipeline.ingest(progress=False)
    assert again.added == [] and sorted(again.refined) == sorted(report.added)
    assert not any(d.provisional for d in pipeline.retriever.documents.values())


@pytest.mark.parametrize("edit", ["patch", "delete"])
def test_a_document_can_be_edited_or_deleted_while_the_second_pass_runs(
    settings: Settings, edit: str
) -> None:
    pipeline = Pipeline(settings, embedder=ContextualFake())
    target = "region-varmland-biblioteksverksamhetens-uppdrag"
    finished_during: list[bool] = []

    def change() -> None:
        if edit == "patch":
            pipeline.update_metadata(target, {"kommun": "Karlstad"})
        else:
            pipeline.delete_document(target)

    def look(done: int, total: int, stage: str) -> None:
        if stage == "refining" and not finished_during:
            # From another thread, as a PATCH or DELETE request would: it must not wait for the pass.
            worker = threading.Thread(target=change)
            worker.start()
            worker.join(timeout=10)
            finished_during.append(not worker.is_alive())

    report = pipeline.ingest(progress=False, on_progress=look)
    assert finished_during == [True]
    assert report.errors == []
    if edit == "patch":
        doc = pipeline.retriever.documents[target]
        assert doc.metadata["kommun"] == "Karlstad" and not doc.provisional
        assert target in report.refined
    else:
        # Not brought back by the swap of its sentence vectors.
        assert target not in pipeline.index.documents() and target not in pipeline.retriever.documents
        assert target not in report.refined and report.refined


def test_without_the_native_pooling_build_sentences_are_embedded_in_one_go(settings: Settings) -> None:
    class NoNative(FakePoolingEmbedder):
        def embed_pooled(self, *args: object) -> tuple[Vectors, list[Vectors | None]]:
            raise ModelUnavailable("planbot's native pooling library is not built")

    pipeline = Pipeline(settings, embedder=NoNative())
    report = pipeline.ingest(progress=False)
    assert report.added and report.refined == [] and report.searchable_seconds is None
    assert not any(d.provisional for d in pipeline.retriever.documents.values())


@pytest.mark.parametrize(
    ("mode", "searchable_first", "stages"),
    [
        ("pooled", False, ["embedding"]),
        ("separate", False, ["embedding"]),
        ("separate", True, ["embedding", "refining"]),
    ],
)
def test_progress_moves_while_a_document_is_embedded(
    settings: Settings, mode: str, searchable_first: bool, stages: list[str]
) -> None:
    settings.sentence_vectors = mode  # type: ignore[assignment]
    settings.searchable_first = searchable_first
    seen: list[tuple[int, int, str]] = []
    pipeline = Pipeline(settings, embedder=FakePoolingEmbedder())
    pipeline.settings.embed_batch_size = 4
    pipeline.ingest(progress=False, on_progress=lambda done, total, stage: seen.append((done, total, stage)))
    assert list(dict.fromkeys(stage for _, _, stage in seen)) == stages
    for stage in stages:
        figures = [(d, t) for d, t, s in seen if s == stage]
        assert len({total for _, total in figures}) == 1
        # Several figures per document, rising to the total.
        assert len(figures) > 4
        assert [d for d, _ in figures] == sorted(d for d, _ in figures)
        assert figures[-1][0] == figures[-1][1]


def test_sentence_vectors_that_cannot_be_read_are_embedded_again_by_the_next_ingest(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    pipeline = _pipeline(settings, fake_embedder)
    pipeline.ingest(progress=False)
    target = "bibliotekslag-2013-801"
    chunk = next(c for c in pipeline.retriever.chunks if c.document_id == target and sentence_units(c))
    expected = _stored(pipeline, chunk.id)
    version = pipeline.retriever.documents[target].content_hash
    damaged = settings.index_dir / "planbot-sentences" / file_name(target, version)
    damaged.write_bytes(b"written by another version of planbot")
    pipeline = _pipeline(settings, fake_embedder)  # a new process: it finds no sentence vectors
    assert pipeline.index.sentence_vectors([chunk.id], pipeline.retriever.documents) == []
    report = pipeline.ingest(progress=False)
    assert report.repaired == [target] and "1 repaired" in report.summary()
    assert report.added == [] and report.chunks_embedded == 0  # only the sentences are embedded again
    assert np.allclose(_stored(pipeline, chunk.id), expected, atol=1e-3)  # the same process serves them
    assert pipeline.ingest(progress=False).repaired == []


@pytest.mark.parametrize("embedder", [FakeEmbedder, ContextualFake], ids=["one-pass", "refined"])
def test_each_sentence_is_also_embedded_behind_its_title_and_nearest_heading(
    settings: Settings, embedder: type[FakeEmbedder]
) -> None:
    pipeline = Pipeline(settings, embedder=embedder())
    pipeline.ingest(progress=False)
    chunk = next(c for c in pipeline.retriever.chunks if c.heading_path and len(sentence_units(c)) > 1)
    stored = pipeline.index.sentence_vectors([chunk.id], pipeline.retriever.documents)
    texts = [t for _, _, t in sentence_units(chunk)]
    placed = [sentence_embedding_text(chunk, t) for t in texts]
    assert all(p.startswith(f"{chunk.title}. {chunk.heading_path[-1]}. ") for p in placed)
    assert np.allclose([s.vector for s in stored], FakeEmbedder().embed(texts), atol=1e-3)
    assert np.allclose([s.context for s in stored], FakeEmbedder().embed(placed), atol=1e-3)
