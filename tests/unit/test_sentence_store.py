"""Sentence vectors: fetched by id for the published version only, and never served stale from the cache."""

from __future__ import annotations

import uuid
from dataclasses import replace

import chromadb
import numpy as np
import pytest

from planbot.records import Document, IndexedDocument
from planbot.sentence_store import SentenceStore

SENTENCES = [("plan#0", 0, 10), ("plan#0", 11, 30), ("plan#1", 0, 12)]


def _vectors(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(len(SENTENCES), 8)).astype(np.float32)
    unit: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return unit


def _published(content_hash: str, *, provisional: bool = False) -> dict[str, IndexedDocument]:
    doc = IndexedDocument("plan", "Plan", "biblioteksplan", None, "plan.md", content_hash, 2, {}, provisional)
    return {"plan": doc}


@pytest.fixture
def store() -> SentenceStore:
    client = chromadb.EphemeralClient()
    store = SentenceStore(client.create_collection(f"s-{uuid.uuid4().hex}", embedding_function=None))
    store.counts = {"plan#0": 2, "plan#1": 1}
    return store


def _got(store: SentenceStore, live: dict[str, IndexedDocument]) -> np.ndarray:
    return np.stack([s.vector for s in store.vectors(["plan#0", "plan#1"], live)])


def test_replaced_vectors_are_read_once_the_document_is_no_longer_provisional(store: SentenceStore) -> None:
    doc = Document("plan", "Plan", "text", "plan.md", "h1")
    store.add(doc, SENTENCES, _vectors(1))
    assert np.allclose(_got(store, _published("h1", provisional=True)), _vectors(1))
    store.replace(_published("h1")["plan"], SENTENCES, _vectors(2))
    assert np.allclose(_got(store, _published("h1")), _vectors(2), atol=1e-6)


def test_only_the_published_version_of_a_document_is_served(store: SentenceStore) -> None:
    old = Document("plan", "Plan", "text", "plan.md", "h1")
    store.add(old, SENTENCES, _vectors(1))
    assert np.allclose(_got(store, _published("h1")), _vectors(1))
    store.add(replace(old, content_hash="h2"), SENTENCES, _vectors(3))
    assert np.allclose(_got(store, _published("h2")), _vectors(3), atol=1e-6)
    assert store.vectors(["plan#0"], {}) == []
