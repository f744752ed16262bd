"""Crash safety: kill -9 a real ingest process mid-document; the index stays consistent and recovers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.pipeline import Pipeline

from ..support import CORPUS, ROOT, FakeEmbedder

# Run in a child process: ingest the real corpus with a slowed fake embedder and, for the document
# named by argv[3], announce when its chunks and sentences are stored and stall before publishing it.
CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from planbot.config import Settings
    from planbot.index import ChromaIndex
    from planbot.pipeline import Pipeline
    from tests.support import CORPUS, FakeEmbedder

    class Slow(FakeEmbedder):
        def embed(self, texts, *, query=False):
            time.sleep(0.01)
            return super().embed(texts, query=query)

    stall = sys.argv[3]
    original = ChromaIndex.publish

    # Chunks, sentences and the BM25 segment are written before a document is published.
    def publish(self, doc, *args, **kwargs):
        if doc.id == stall:
            print("STORED-UNPUBLISHED", doc.id, flush=True)
            time.sleep(600)
        original(self, doc, *args, **kwargs)
        print("PUBLISHED", doc.id, flush=True)

    ChromaIndex.publish = publish
    settings = Settings(corpus_dir=CORPUS, index_dir=sys.argv[2], data_dir=sys.argv[2] + "-data")
    Pipeline(settings, embedder=Slow()).ingest(progress=False)
    print("FINISHED", flush=True)
    """
)


def _kill_when(index_dir: Path, stall: str, marker: str) -> list[str]:
    """Run the child ingest and SIGKILL it as soon as it prints ``marker``; returns what it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ROOT), str(index_dir), stall],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 240
    try:
        for line in proc.stdout:
            seen.append(line.strip())
            if line.startswith(marker) or time.monotonic() > deadline:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return seen


def _assert_consistent(pipeline: Pipeline) -> None:
    """Every visible document has exactly its chunks, once each, and search sees exactly those."""
    docs = pipeline.documents()
    total = 0
    for doc in docs.values():
        chunks = pipeline.index.document_chunks(doc.id, doc.content_hash)
        assert len(chunks) == doc.chunks > 0, doc.id
        assert sorted(c.ordinal for c in chunks) == list(range(len(chunks))), doc.id
        total += doc.chunks
    visible = pipeline.index.all_chunks()
    assert len(visible) == total == pipeline.chunk_count()
    assert len({c.id for c in visible}) == len(visible), "duplicate chunks"


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, int, dict[str, int]]:
    """Documents, chunks and chunks per document of an uninterrupted ingest of the corpus."""
    base = tmp_path_factory.mktemp("clean")
    settings = Settings(corpus_dir=CORPUS, index_dir=base / "index", data_dir=base / "data")
    pipeline = Pipeline(settings, embedder=FakeEmbedder())
    pipeline.ingest(progress=False)
    docs = pipeline.documents()
    return len(docs), pipeline.chunk_count(), {d.id: d.chunks for d in docs.values()}


@pytest.mark.real
def test_kill_9_mid_document_leaves_no_half_document_and_the_next_ingest_finishes(
    tmp_path: Path, clean: tuple[int, int, dict[str, int]]
) -> None:
    stall = "lag-2009-724-nationella-minoriteter"
    index_dir = tmp_path / "index"
    printed = _kill_when(index_dir, stall, "STORED-UNPUBLISHED")
    assert f"STORED-UNPUBLISHED {stall}" in printed, printed
    published = {line.split()[1] for line in printed if line.startswith("PUBLISHED")}

    settings = Settings(corpus_dir=CORPUS, index_dir=index_dir, data_dir=tmp_path / "data")
    after_crash = Pipeline(settings, embedder=FakeEmbedder())
    docs = after_crash.documents()
    assert stall not in docs, "a document whose manifest entry was never written is visible"
    assert set(docs) == published
    # The stalled document's chunks really were written: the crash left orphans behind.
    assert after_crash.index.chunk_count() > after_crash.chunk_count()
    _assert_consistent(after_crash)

    report = after_crash.ingest(progress=False)
    assert stall in report.added and not set(report.added) & published
    _assert_consistent(after_crash)
    n_docs, n_chunks, per_doc = clean
    assert len(after_crash.documents()) == n_docs
    assert after_crash.chunk_count() == n_chunks == after_crash.index.chunk_count()
    assert {d.id: d.chunks for d in after_crash.documents().values()} == per_doc


@pytest.mark.real
def test_kill_9_between_documents_resumes_without_re_embedding_published_ones(
    tmp_path: Path, clean: tuple[int, int, dict[str, int]]
) -> None:
    index_dir = tmp_path / "index"
    printed = _kill_when(index_dir, "-no-stall-", "PUBLISHED")
    assert any(line.startswith("PUBLISHED") for line in printed)
    settings = Settings(corpus_dir=CORPUS, index_dir=index_dir, data_dir=tmp_path / "data")
    pipeline = Pipeline(settings, embedder=FakeEmbedder())
    _assert_consistent(pipeline)
    kept = set(pipeline.documents())
    assert kept
    report = pipeline.ingest(progress=False)
    assert set(report.unchanged) >= kept and not set(report.added) & kept
    _assert_consistent(pipeline)
    assert len(pipeline.documents()) == clean[0] and pipeline.chunk_count() == clean[1]
