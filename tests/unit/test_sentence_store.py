"""Sentence vectors: the published version only, never stale from the cache, from files or a shared Chroma."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
import pytest

from planbot.records import Document, IndexedDocument
from planbot.sentence_files import SentenceFiles
from planbot.sentence_store import SentenceStore

SENTENCES = [("plan#0", 0, 10), ("plan#0", 11, 30), ("plan#1", 0, 12)]


def _vectors(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(len(SENTENCES), 8)).astype(np.float32)
    unit: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return unit


def _published(content_hash: str, *, provisional: bool = False) -> dict[str, IndexedDocument]:
    doc = IndexedDocument("plan", "Plan", "biblioteksplan", None, "plan.md", content_hash, 2, {}, provisional)
    return {"plan": doc}


# float16 on disk: a component moves by at most about 1e-3 of its size.
TOLERANCE = 1e-3


def _collection() -> Any:
    return chromadb.EphemeralClient().create_collection(f"s-{uuid.uuid4().hex}", embedding_function=None)


def _store(collection: Any, folder: Path, *, shared: bool, contextual: bool = True) -> SentenceStore:
    store = SentenceStore(collection, SentenceFiles(folder), shared=shared, contextual=contextual)
    store.counts = {"plan#0": 2, "plan#1": 1}
    return store


@pytest.fixture(params=[False, True], ids=["one-machine", "shared-chroma"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> SentenceStore:
    return _store(_collection(), tmp_path, shared=request.param)


def _got(store: SentenceStore, live: dict[str, IndexedDocument]) -> np.ndarray:
    return np.stack([s.vector for s in store.vectors(["plan#0", "plan#1"], live)])


def test_replaced_vectors_are_read_once_the_document_is_no_longer_provisional(store: SentenceStore) -> None:
    doc = Document("plan", "Plan", "text", "plan.md", "h1")
    store.add(doc, SENTENCES, _vectors(1))
    assert np.allclose(_got(store, _published("h1", provisional=True)), _vectors(1), atol=TOLERANCE)
    store.replace(_published("h1")["plan"], SENTENCES, _vectors(2))
    assert np.allclose(_got(store, _published("h1")), _vectors(2), atol=TOLERANCE)


def test_only_the_published_version_of_a_document_is_served(store: SentenceStore) -> None:
    old = Document("plan", "Plan", "text", "plan.md", "h1")
    store.add(old, SENTENCES, _vectors(1))
    assert np.allclose(_got(store, _published("h1")), _vectors(1), atol=TOLERANCE)
    store.add(replace(old, content_hash="h2"), SENTENCES, _vectors(3))
    assert np.allclose(_got(store, _published("h2")), _vectors(3), atol=TOLERANCE)
    assert store.vectors(["plan#0"], {}) == []


def test_one_machine_keeps_sentence_vectors_out_of_chroma(tmp_path: Path) -> None:
    collection = _collection()
    store = _store(collection, tmp_path, shared=False)
    store.add(Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1))
    assert collection.count() == 0
    assert np.allclose(_got(store, _published("h1")), _vectors(1), atol=TOLERANCE)


def test_a_machine_without_the_file_reads_the_shared_chroma_copy(tmp_path: Path) -> None:
    collection = _collection()
    writer = _store(collection, tmp_path / "a", shared=True)
    writer.add(Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1))
    writer.replace(_published("h1")["plan"], SENTENCES, _vectors(2))
    other = _store(collection, tmp_path / "b", shared=True)
    assert np.allclose(_got(other, _published("h1")), _vectors(2), atol=1e-6)


def test_an_index_written_before_the_files_is_read_from_chroma(tmp_path: Path) -> None:
    collection = _collection()
    old = _store(collection, tmp_path / "old", shared=True)
    old.add(Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1))
    next((tmp_path / "old").glob("*.sv")).unlink()
    reader = _store(collection, tmp_path / "old", shared=False)
    assert np.allclose(_got(reader, _published("h1")), _vectors(1))


def test_a_provisional_version_is_not_copied_from_chroma_until_it_is_final(tmp_path: Path) -> None:
    collection = _collection()
    _store(collection, tmp_path / "a", shared=True).add(
        Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1), _vectors(2)
    )
    other = _store(collection, tmp_path / "b", shared=True)
    chunks = ["plan#0", "plan#1"]
    assert not other.keep_local(_published("h1", provisional=True)["plan"], chunks)
    assert not list((tmp_path / "b").glob("*.sv"))
    assert other.keep_local(_published("h1")["plan"], chunks)
    assert other.files.read("plan", "h1") is not None


def test_a_version_without_a_readable_file_is_copied_from_chroma_or_else_named_for_repair(
    tmp_path: Path,
) -> None:
    collection = _collection()
    shared = _store(collection, tmp_path / "a", shared=True)
    shared.add(Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1), _vectors(2))
    elsewhere = _store(collection, tmp_path / "b", shared=True)
    assert elsewhere.unreadable(_published("h1").values()) == []  # copied from the server instead
    assert elsewhere.files.read("plan", "h1") is not None
    local = _collection()
    alone = _store(local, tmp_path / "c", shared=False)
    alone.add(Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1))
    assert alone.unreadable(_published("h1").values()) == []
    next((tmp_path / "c").glob("*.sv")).write_bytes(b"damaged")
    alone = _store(local, tmp_path / "c", shared=False)  # the next process to look
    assert [d.id for d in alone.unreadable(_published("h1").values())] == ["plan"]
    assert alone.unreadable(_published("h1", provisional=True).values()) == []  # its second pass will


@pytest.mark.parametrize("contextual", [True, False], ids=["contextual", "pooled-sentence-vectors"])
def test_a_shared_chroma_without_contextual_rows_is_repaired_not_copied(
    tmp_path: Path, contextual: bool
) -> None:
    # An earlier planbot wrote the plain rows only: a file copied from them would read as complete, and
    # the next ingest would never embed the contextual vectors that ranking needs.
    collection = _collection()
    _store(collection, tmp_path / "a", shared=True).add(
        Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1)
    )
    reader = _store(collection, tmp_path / "b", shared=True, contextual=contextual)
    live = _published("h1")
    assert np.allclose(_got(reader, live), _vectors(1), atol=1e-6)  # still served meanwhile
    named = [d.id for d in reader.unreadable(live.values())]
    if contextual:
        assert named == ["plan"] and reader.files.read("plan", "h1") is None
    else:  # pooled sentence vectors never have contextual ones: the plain rows are the whole version
        assert named == [] and reader.files.read("plan", "h1") is not None


def test_a_repaired_version_is_served_with_its_new_vectors_not_the_ones_read_before(tmp_path: Path) -> None:
    store = _store(_collection(), tmp_path, shared=False)
    doc = Document("plan", "Plan", "text", "plan.md", "h1")
    store.add(doc, SENTENCES, _vectors(1), _vectors(2))
    assert np.allclose(_got(store, _published("h1")), _vectors(1), atol=TOLERANCE)
    store.add(doc, SENTENCES, _vectors(3), _vectors(4))  # the same version, embedded again (a repair)
    assert np.allclose(_got(store, _published("h1")), _vectors(3), atol=TOLERANCE)


def test_rows_without_their_contextual_vectors_are_read_again_until_repaired(tmp_path: Path) -> None:
    collection = _collection()
    _store(collection, tmp_path / "a", shared=True).add(
        Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1)
    )
    server = _store(collection, tmp_path / "b", shared=True)
    live = _published("h1")
    assert all(s.context is None for s in server.vectors(["plan#0", "plan#1"], live))
    # Another machine's ingest repairs the version on the server.
    _store(collection, tmp_path / "c", shared=True).replace(live["plan"], SENTENCES, _vectors(1), _vectors(2))
    got = server.vectors(["plan#0", "plan#1"], live)
    assert np.allclose(np.stack([s.context for s in got]), _vectors(2), atol=1e-6)  # type: ignore[misc]


def test_context_vectors_reach_a_machine_that_reads_or_copies_them_from_the_shared_chroma(
    tmp_path: Path,
) -> None:
    collection = _collection()
    writer = _store(collection, tmp_path / "a", shared=True)
    writer.add(Document("plan", "Plan", "text", "plan.md", "h1"), SENTENCES, _vectors(1), _vectors(2))
    reader = _store(collection, tmp_path / "b", shared=True)
    got = reader.vectors(["plan#0", "plan#1"], _published("h1"))
    assert np.allclose(np.stack([s.context for s in got]), _vectors(2), atol=1e-6)  # type: ignore[misc]
    assert reader.keep_local(_published("h1")["plan"], ["plan#0", "plan#1"])
    copied = reader.files.read("plan", "h1")
    assert copied is not None
    rows = [*(copied.of("plan#0") or []), *(copied.of("plan#1") or [])]
    assert np.allclose(np.stack([s.context for s in rows]), _vectors(2), atol=TOLERANCE)  # type: ignore[misc]


def test_a_list_item_and_its_lead_in_both_come_back_from_the_shared_chroma(tmp_path: Path) -> None:
    # A list item is embedded with its lead-in sentence, so both units start where the lead-in starts.
    lead_and_item = [("plan#0", 0, 40), ("plan#0", 0, 90), ("plan#1", 0, 12)]
    collection = _collection()
    writer = _store(collection, tmp_path / "a", shared=True)
    writer.add(Document("plan", "Plan", "text", "plan.md", "h1"), lead_and_item, _vectors(1), _vectors(2))
    got = _store(collection, tmp_path / "b", shared=True).vectors(["plan#0", "plan#1"], _published("h1"))
    assert sorted((s.start, s.end) for s in got if s.chunk_id == "plan#0") == [(0, 40), (0, 90)]
