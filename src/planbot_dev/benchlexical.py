"""The BM25 side alone at national scale: segments of synthetic chunks from real corpus sentences.

No vectors are needed, so 100k chunks build in minutes and 1M is ten copies of that segment under other
document ids (the rows are the same, the index treats them as ten times the corpus).
"""

from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path

import numpy as np

from planbot.chunking import chunk_document, estimate_tokens
from planbot.config import Settings
from planbot.ingest import sentence_units
from planbot.lexical import LexicalIndex
from planbot.loaders import load_corpus
from planbot.records import Chunk
from planbot.segments import ChunkTable, SegmentStore, read_manifest, write_manifest

_DOCS, _PER_DOC = 200, 500  # one base segment of 100k chunks


def _base(settings: Settings, root: Path, docs_n: int, per_doc: int) -> str:
    """The base segment of ``docs_n`` x ``per_doc`` chunks under ``root`` (built once)."""
    if (root / "base.done").exists():
        return read_manifest(root)[0]
    shutil.rmtree(root, ignore_errors=True)
    docs, _ = load_corpus(settings.corpus_dir)
    pool = sorted(
        {
            text
            for d in docs
            for c in chunk_document(d, settings.chunk_tokens, estimate_tokens)
            for _, _, text in sentence_units(c)
            if 30 <= len(text) <= 400
        }
    )
    rng = np.random.default_rng(1)
    batch = []
    for n in range(docs_n):
        doc_id = f"syntetisk-{n:04d}"
        chunks = []
        for j in range(per_doc):
            picks = rng.choice(len(pool), size=int(rng.integers(3, 7)), replace=False)
            text = " ".join(pool[i] for i in picks)
            chunks.append(
                Chunk(f"{doc_id}-{j:04d}", doc_id, j, text, f"del {j + 1}", f"Dokument {n}", end=len(text))
            )
        batch.append((doc_id, f"h{n}", chunks))
    name = SegmentStore(root).add(batch, set())
    (root / "base.done").write_text(name)
    return name


def bm25_at(
    settings: Settings,
    root: Path,
    copies: int,
    questions: list[str],
    docs_n: int = _DOCS,
    per_doc: int = _PER_DOC,
) -> str:
    """Open ``copies`` base segments (100k chunks each by default) and rank ``questions``; figures."""
    base = _base(settings, root, docs_n, per_doc)
    names = [base]
    for k in range(1, copies):
        name = f"{base}-copy{k}"
        if not (root / name).exists():
            shutil.copytree(root / base, root / name)
            rows = json.loads((root / name / "rows.json").read_text())
            rows["documents"] = [[f"{d}-c{k}", h] for d, h in rows["documents"]]
            (root / name / "rows.json").write_text(json.dumps(rows))
        names.append(name)
    write_manifest(root, names)
    live = {
        f"syntetisk-{n:04d}" + (f"-c{k}" if k else ""): f"h{n}" for k in range(copies) for n in range(_DOCS)
    }
    started = time.perf_counter()
    table = ChunkTable(SegmentStore(root).segments(), live)
    lexical = LexicalIndex(segments=[s.lexical for s in table.segments])
    open_s = time.perf_counter() - started
    latencies = []
    for q in questions:
        t0 = time.perf_counter()
        scores = lexical.scores(q, table.alive)
        top = np.argpartition(-scores, min(30, scores.size - 1))[:30]
        _ = [table.at(int(i)) for i in top[np.argsort(-scores[top])]]
        latencies.append(1e3 * (time.perf_counter() - t0))
    return (
        f"BM25 alone, {len(table)} chunks in {len(names)} segments: open {open_s:.2f} s; top-30 ranking "
        + timings(latencies)
    )


def timings(latencies: list[float]) -> str:
    """ "p50 .. ms, p95 .. ms over n questions; peak RSS so far .. MB" for a scale bench line."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    p50, p95 = np.percentile(latencies, [50, 95])
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(latencies)} questions; peak RSS so far {rss} MB"
