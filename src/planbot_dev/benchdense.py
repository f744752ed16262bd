"""The dense side alone at national scale: Chroma's nearest-neighbour query over 1M chunk vectors.

The vectors, texts and metadata are the kept 100k index's (``--national 100000``), copied under other
document ids with a little noise on each vector (cosine about 0.99 to its source, so the copies are not
duplicates the graph can shortcut). Only the chunk collection is built: the sentence vectors are fetched by
id, whose cost does not grow with the index the way a graph search does.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from planbot.records import Vectors
from planbot_dev.benchlexical import timings

_COLLECTION = "planbot-chunks"
_BATCH = 2000
# Gaussian noise per component: with 384 components and unit vectors, cosine ~0.99 to the source.
_NOISE = 0.005


def _client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    # The settings planbot's own index opens with: Chroma refuses a second client of one path otherwise.
    return chromadb.PersistentClient(str(path), settings=ChromaSettings(anonymized_telemetry=False))


def _source(index_dir: Path) -> Any:
    return _client(index_dir).get_collection(_COLLECTION)


def build(source_dir: Path, root: Path, copies: int) -> Any:
    """The chunk collection of ``copies`` noisy copies of the source index's (kept under ``root``)."""
    target = _client(root).get_or_create_collection(_COLLECTION, metadata={"hnsw:space": "cosine"})
    done_file = root / "done.json"
    done = json.loads(done_file.read_text()) if done_file.exists() else {"copies": 0}
    if done["copies"] >= copies:
        return target
    source = _source(source_dir)
    ids: list[str] = []
    metas: list[dict[str, Any]] = []
    texts: list[str] = []
    parts = []
    # In pages: one get of 100k rows asks SQLite for more variables than it allows.
    for offset in range(0, source.count(), 10_000):
        page = source.get(include=["embeddings", "metadatas", "documents"], limit=10_000, offset=offset)
        ids += page["ids"]
        metas += [dict(m) for m in page["metadatas"]]
        texts += page["documents"]
        parts.append(np.asarray(page["embeddings"], dtype=np.float32))
    vectors = np.concatenate(parts)
    rng = np.random.default_rng(0)
    for k in range(done["copies"], copies):
        started = time.perf_counter()
        noisy = vectors + rng.normal(0.0, _NOISE, vectors.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        for lo in range(0, len(vectors), _BATCH):
            hi = lo + _BATCH
            target.add(
                ids=[f"{i}~c{k}" for i in ids[lo:hi]],
                embeddings=noisy[lo:hi],
                metadatas=[{**m, "document_id": f"{m['document_id']}-c{k}"} for m in metas[lo:hi]],
                documents=texts[lo:hi],
            )
        done["copies"] = k + 1
        done_file.write_text(json.dumps(done))
        seconds = time.perf_counter() - started
        print(f"copy {k + 1}/{copies}: {len(vectors)} rows in {seconds:.0f} s", flush=True)
    return target


def dense_at(source_dir: Path, root: Path, copies: int, vectors: Vectors) -> str:
    """Build (once) ``copies`` x the source's chunk vectors, then time planbot's dense query; figures."""
    root.mkdir(parents=True, exist_ok=True)
    collection = build(source_dir, root, copies)
    latencies = []
    for vector in vectors:
        t0 = time.perf_counter()
        # As ChromaIndex.query asks: 30 candidates plus ten, with texts and metadata.
        collection.query(
            query_embeddings=[vector], n_results=40, include=["metadatas", "documents", "distances"]
        )
        latencies.append(1e3 * (time.perf_counter() - t0))
    return (
        f"dense alone, {collection.count()} chunk vectors in Chroma (the first query {latencies[0]:.0f} ms): "
        "top-40 query " + timings(latencies)
    )


class _VectorsOnly:
    """A segment reduced to its chunk vectors, every row live: what ``ChunkTable.nearest`` reads."""

    def __init__(self, vectors: Vectors) -> None:
        self.vectors = vectors

    def __len__(self) -> int:
        return len(self.vectors)

    def live_rows(self, live: dict[str, str], claimed: set[str] | None = None) -> Any:
        return np.ones(len(self.vectors), dtype=bool)


def exact_at(source_dir: Path, root: Path, copies: int, vectors: Vectors) -> str:
    """Time the exact dense search (``ChunkTable.nearest``) over ``copies`` x the kept index's vectors.

    The copies are the source's segment vectors with the same noise as ``build``'s, written once as
    segment files of their own and memory-mapped, as a process opens them.
    """
    from threadpoolctl import threadpool_limits

    from planbot.segments import ChunkTable

    root.mkdir(parents=True, exist_ok=True)
    [source] = sorted(source_dir.glob("planbot-lexical/s-*/vectors.npy"), key=lambda p: -p.stat().st_size)[:1]
    base = np.load(source, mmap_mode="r")
    rng = np.random.default_rng(0)
    for k in range(copies):
        path = root / f"copy-{k}.npy"
        if not path.exists():
            noisy = base + rng.normal(0.0, _NOISE, base.shape).astype(np.float32)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            np.save(path, noisy.astype(np.float32))
    segments = [_VectorsOnly(np.load(root / f"copy-{k}.npy", mmap_mode="r")) for k in range(copies)]
    table = ChunkTable(segments, {})  # type: ignore[arg-type]
    threadpool_limits(limits=1, user_api="blas")  # as the Retriever runs it
    latencies = []
    for vector in vectors:
        t0 = time.perf_counter()
        table.nearest(vector, 40, table.alive)
        latencies.append(1e3 * (time.perf_counter() - t0))
    return (
        f"exact dense alone, {len(table)} chunk vectors in {copies} memory-mapped segments "
        f"(the first search {latencies[0]:.0f} ms): top-40 " + timings(latencies)
    )
