"""The search side of the index on disk: BM25 segments and chunk tables, built at ingest, memory-mapped.

Each ingest writes one immutable segment (its documents' chunks, in reading order, their BM25 index and
their chunk vectors) beside the Chroma index; ``segments.json`` lists the segments in order. Processes
open the segments with ``mmap`` and share their pages, so no process rebuilds BM25 or holds a vector
graph of its own, and an ingest costs time in proportion to what it adds. A row of a replaced or
removed document stays in its segment, masked as dead, until a merge rewrites the small segments (or all
of them, once a third of the rows are dead).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import logging
import os
import shutil
import time
import uuid
import weakref
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from planbot.files import write_atomic
from planbot.lexical import Compounds, LexicalIndex, LexicalSegment
from planbot.records import Chunk, Vectors, embedding_text

log = logging.getLogger(__name__)

_MANIFEST = "segments.json"
# Merge once this many segments are small (under a tenth of the rows), or a third of the rows are dead.
_SMALL_SEGMENTS = 4
_DEAD_SHARE = 1 / 3
_VECTORS = "vectors.npy"


def chunk_to_json(chunk: Chunk) -> bytes:
    """One chunk record as a JSON line."""
    return json.dumps(asdict(chunk), ensure_ascii=False).encode() + b"\n"


def chunk_from_json(line: bytes) -> Chunk:
    """A chunk record from its JSON line."""
    data = json.loads(line)
    data["heading_path"] = tuple(data.get("heading_path") or ())
    return Chunk(**data)


class Segment:
    """One immutable segment: its chunks' documents, ids and records, and their BM25 index."""

    def __init__(self, path: Path, *, mmap_scores: bool = True) -> None:
        self.path = path
        self.name = path.name
        rows = json.loads((path / "rows.json").read_text())
        self.documents: list[tuple[str, str]] = [(d, h) for d, h in rows["documents"]]
        self.doc_index = np.asarray(rows["doc"], dtype=np.int32)
        self.ids: list[str] = rows["ids"]
        self.sentences: list[int] = rows.get("sentences") or [-1] * len(self.ids)
        self.offsets = np.load(path / "offsets.npy", mmap_mode="r")
        # Records are read with ``pread``, not mapped: ext4 maps its page cache in 2 MB folios, so a few
        # hundred questions made 96 MB of the records resident in each answer process at 100k chunks.
        self._records = os.open(path / "chunks.jsonl", os.O_RDONLY)
        weakref.finalize(self, os.close, self._records)
        self.lexical = LexicalSegment.load(path / "bm25", mmap=mmap_scores)
        # Unit-length float32 rows, searched exactly and shared by the processes that map them (None:
        # a segment written without them, by an older planbot or for chunks read back from Chroma).
        vectors = path / _VECTORS
        self.vectors: npt.NDArray[np.float32] | None = (
            np.load(vectors, mmap_mode="r") if vectors.exists() else None
        )

    def __len__(self) -> int:
        return len(self.ids)

    @functools.cached_property
    def row_of(self) -> dict[str, int]:
        """Each chunk id's row; built once per process, since a segment never changes."""
        return {cid: row for row, cid in enumerate(self.ids)}

    def chunk(self, row: int) -> Chunk:
        """The chunk record at ``row``, read from the JSON lines file."""
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return chunk_from_json(os.pread(self._records, end - start, start))

    def live_rows(self, live: dict[str, str], claimed: set[str] | None = None) -> npt.NDArray[np.bool_]:
        """Rows of a published version (``live``: id -> hash) that no earlier segment ``claimed``."""
        alive = []
        for d, h in self.documents:
            ok = live.get(d) == h and (claimed is None or d not in claimed)
            if ok and claimed is not None:
                claimed.add(d)
            alive.append(ok)
        flags = np.array(alive or [False], dtype=bool)
        return flags[self.doc_index] if len(self.doc_index) else np.zeros(0, dtype=bool)


def write_segment(
    root: Path,
    documents: Sequence[tuple[str, str, Sequence[Chunk]]],
    vocabulary: Container[str],
    compounds: Compounds = "split",
    sentences: Mapping[str, int] | None = None,
    vectors: Mapping[str, Vectors] | None = None,
) -> str:
    """Write a segment of ``(document id, content hash, chunks)`` under ``root``; returns its name.

    ``sentences`` gives each chunk's number of sentence vectors, so they are fetched by id later;
    ``vectors`` each chunk's embedding (kept only if every chunk has one).
    """
    name = f"s-{time.time_ns():x}-{uuid.uuid4().hex[:6]}"
    tmp = root / f".{name}.tmp"
    tmp.mkdir(parents=True)
    chunks = [c for _, _, cs in documents for c in sorted(cs, key=lambda c: c.ordinal)]
    doc_rows = [i for i, (_, _, cs) in enumerate(documents) for _ in cs]
    offsets = [0]
    with (tmp / "chunks.jsonl").open("wb") as fh:
        for c in chunks:
            offsets.append(offsets[-1] + fh.write(chunk_to_json(c)))
    np.save(tmp / "offsets.npy", np.asarray(offsets, dtype=np.int64))
    rows = {
        "documents": [[d, h] for d, h, _ in documents],
        "doc": doc_rows,
        "ids": [c.id for c in chunks],
        "sentences": [(sentences or {}).get(c.id, -1) for c in chunks],
    }
    (tmp / "rows.json").write_text(json.dumps(rows, ensure_ascii=False))
    tokens = LexicalIndex.tokenise([embedding_text(c) for c in chunks], vocabulary, compounds)
    LexicalSegment.build(tokens).save(tmp / "bm25")
    if vectors is not None and chunks and all(c.id in vectors for c in chunks):
        matrix = np.stack([np.asarray(vectors[c.id], dtype=np.float32) for c in chunks])
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)  # cosine, as Chroma
        np.save(tmp / _VECTORS, matrix)
    tmp.rename(root / name)  # a reader never sees a half-written segment
    return name


def read_manifest(root: Path) -> list[str]:
    """Names of the segments in order (none if the store was never written)."""
    try:
        return list(json.loads((root / _MANIFEST).read_text())["segments"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return []


def write_manifest(root: Path, names: Sequence[str]) -> None:
    """Publish the list of segments atomically."""
    write_atomic(root / _MANIFEST, json.dumps({"segments": list(names)}).encode())


class SegmentStore:
    """The segments under ``root``; opened segments are kept, so a refresh loads only new ones."""

    def __init__(self, root: Path, compounds: Compounds = "split") -> None:
        self.root = root
        self.compounds = compounds
        self._open: dict[str, Segment] = {}

    def stamp(self) -> str:
        """Changes whenever a segment is added or merged."""
        try:
            return str((self.root / _MANIFEST).stat().st_mtime_ns)
        except FileNotFoundError:
            return ""

    def segments(self) -> list[Segment]:
        """The published segments, opening any this process has not seen yet."""
        names = read_manifest(self.root)
        opened: dict[str, Segment] = {}
        for name in names:
            seg = self._open.get(name)
            if seg is None:
                try:
                    seg = Segment(self.root / name)
                except FileNotFoundError:  # merged away by another process since we read the list
                    log.info("segment %s vanished; re-reading the list", name)
                    return self.segments()
            opened[name] = seg
        self._open = opened
        return list(opened.values())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise changes to the list of segments between processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def add(
        self,
        documents: Sequence[tuple[str, str, Sequence[Chunk]]],
        vocabulary: Container[str],
        sentences: Mapping[str, int] | None = None,
        vectors: Mapping[str, Vectors] | None = None,
    ) -> str:
        """Write one segment for ``documents`` and publish it after the existing ones."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = write_segment(self.root, documents, vocabulary, self.compounds, sentences, vectors)
        with self._locked():
            write_manifest(self.root, [*read_manifest(self.root), name])
        return name

    def merge_if_due(self, live: dict[str, str]) -> bool:
        """Rewrite small segments into one (or everything, when many rows are dead); True if it did."""
        segs = self.segments()
        total = sum(len(s) for s in segs) or 1
        claimed: set[str] = set()
        dead = sum(int((~s.live_rows(live, claimed)).sum()) for s in segs)
        if dead / total >= _DEAD_SHARE and len(segs) > 0:
            chosen = segs
        else:
            small = [s for s in segs if len(s) < total / 10]
            if len(small) < _SMALL_SEGMENTS:
                return False
            chosen = small
        self._rewrite(chosen, segs, live)
        return True

    def _rewrite(self, chosen: list[Segment], segs: list[Segment], live: dict[str, str]) -> None:
        docs: dict[tuple[str, str], list[Chunk]] = {}
        counts: dict[str, int] = {}
        # Carried over only if every merged segment has them (an older one has not).
        vectors: dict[str, Vectors] | None = {} if all(s.vectors is not None for s in chosen) else None
        claimed: set[str] = set()
        for seg in segs:
            mask = seg.live_rows(live, claimed)
            if seg not in chosen:
                continue
            for row in np.flatnonzero(mask):
                d, h = seg.documents[seg.doc_index[row]]
                docs.setdefault((d, h), []).append(seg.chunk(int(row)))
                counts[seg.ids[row]] = seg.sentences[row]
                if vectors is not None and seg.vectors is not None:
                    vectors[seg.ids[row]] = seg.vectors[row]
        vocabulary = LexicalIndex(compounds=self.compounds, segments=[s.lexical for s in segs]).vocabulary
        merged = [(d, h, cs) for (d, h), cs in docs.items()]
        name = write_segment(self.root, merged, vocabulary, self.compounds, counts, vectors)
        gone = {s.name for s in chosen}
        with self._locked():
            current = read_manifest(self.root)
            # The merged segment stands where the first merged one stood; segments added meanwhile stay.
            first = next((i for i, n in enumerate(current) if n in gone), len(current))
            kept = [n for n in current if n not in gone]
            kept.insert(min(first, len(kept)), name)
            write_manifest(self.root, kept)
        for n in gone:  # processes that still map these files keep reading them until they refresh
            shutil.rmtree(self.root / n, ignore_errors=True)

    def drop(self) -> None:
        """Delete the whole store (for a rebuild)."""
        shutil.rmtree(self.root, ignore_errors=True)
        self._open = {}


class ChunkTable(Sequence[Chunk]):
    """The live chunks of a list of segments, in order, read from disk on demand."""

    def __init__(self, segments: Sequence[Segment], live: dict[str, str]) -> None:
        self.segments = list(segments)
        self.covered: set[str] = set()
        masks = [s.live_rows(live, self.covered) for s in self.segments]
        self.alive = np.concatenate(masks) if masks else np.zeros(0, dtype=bool)
        starts = np.cumsum([0, *(len(s) for s in self.segments)])
        self._starts = starts
        self.rows = np.flatnonzero(self.alive)  # position in this table -> global row
        # No per-chunk structure is built here: a refresh after adding one plan to a million chunks
        # took 3.4 s when it was (chunk ids are looked up in each segment's own map instead).
        self._masks = masks

    def _locate(self, chunk_id: str) -> tuple[int, int] | None:
        """The segment and row there of a live chunk, or None."""
        for s, (seg, mask) in enumerate(zip(self.segments, self._masks, strict=True)):
            row = seg.row_of.get(chunk_id)
            if row is not None and mask[row]:
                return s, row
        return None

    def row_of(self, chunk_id: str) -> int | None:
        """The global row of a live chunk, or None."""
        found = self._locate(chunk_id)
        return None if found is None else int(self._starts[found[0]]) + found[1]

    def sentence_count(self, chunk_id: str) -> int:
        """How many sentence vectors a live chunk has stored (-1: unknown)."""
        found = self._locate(chunk_id)
        return -1 if found is None else self.segments[found[0]].sentences[found[1]]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return [self.at(int(r)) for r in self.rows[key]]
        return self.at(int(self.rows[key]))

    def __iter__(self) -> Iterator[Chunk]:
        for r in self.rows:
            yield self.at(int(r))

    def at(self, row: int) -> Chunk:
        """The chunk at a global row (live or not)."""
        s = int(np.searchsorted(self._starts, row, side="right")) - 1
        return self.segments[s].chunk(row - int(self._starts[s]))

    @property
    def has_vectors(self) -> bool:
        """Whether every segment holds its chunk vectors, so the dense search can run on them."""
        held = [s for s in self.segments if len(s)]  # a segment without rows has no vectors to hold
        return bool(held) and all(s.vectors is not None for s in held)

    def nearest(self, vector: Vectors, n: int, mask: npt.NDArray[np.bool_]) -> list[tuple[int, float]]:
        """The ``n`` rows allowed by ``mask`` nearest to ``vector`` (cosine), as (global row, similarity).

        Exact, over the memory-mapped vectors: 5 ms at 100k chunks on one core, and no process holds a
        graph of its own (Chroma's took 205 MB in each answer process there).
        """
        query = np.asarray(vector, dtype=np.float32).ravel()
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        best: list[tuple[int, float]] = []
        for seg, start in zip(self.segments, self._starts, strict=False):
            allowed = np.flatnonzero(mask[start : start + len(seg)])
            if seg.vectors is None or allowed.size == 0:
                continue
            # All rows at once (one pass over the map) when most are allowed, else only the allowed ones.
            if allowed.size > len(seg) // 2:
                scores = seg.vectors @ query
                scores = scores[allowed]
            else:
                scores = seg.vectors[allowed] @ query
            k = min(n, scores.size)
            top = np.argpartition(-scores, k - 1)[:k]
            best += [(int(start) + int(allowed[i]), float(scores[i])) for i in top]
        best.sort(key=lambda rs: -rs[1])
        return best[:n]

    def vector_of(self, chunk_id: str) -> Vectors | None:
        """A live chunk's stored vector (unit length), or None if its segment has none."""
        found = self._locate(chunk_id)
        if found is None:
            return None
        vectors = self.segments[found[0]].vectors
        return None if vectors is None else np.asarray(vectors[found[1]], dtype=np.float32)

    def document_of(self) -> npt.NDArray[np.int32]:
        """For each global row, an index into ``document_ids`` (for filter masks)."""
        parts = []
        offset = 0
        for seg in self.segments:
            parts.append(seg.doc_index + offset)
            offset += len(seg.documents)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)

    def document_ids(self) -> list[str]:
        """The document id of each entry ``document_of`` points to."""
        return [d for seg in self.segments for d, _ in seg.documents]

    def id_at(self, row: int) -> str:
        """The chunk id at a global row."""
        s = int(np.searchsorted(self._starts, row, side="right")) - 1
        return self.segments[s].ids[row - int(self._starts[s])]
