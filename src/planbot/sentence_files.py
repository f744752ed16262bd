"""Sentence vectors on disk: one flat, memory-mapped file per document version, beside the segments.

Sentence vectors are only ever fetched by chunk, never searched by similarity, so they need no vector
index: a graph in Chroma held every one of them in memory (6.9 GB at 1M chunks) and made ingest insert
each into it. A file holds a document version's sentence spans and vectors (float16, half the bytes; the
cosines move in the fifth decimal) in chunk order, and is replaced whole when the second ingest pass gives
the sentences new vectors. Readers map it, so processes on one machine share its pages.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from planbot.files import write_atomic
from planbot.records import SentenceVector, Vectors

_MAGIC = b"PBSV\x01\x00\x00\x00"
_ALIGN = 64
# Documents whose file stays mapped and parsed: the candidates of a question come from a few dozen.
_OPEN_FILES = 256


def _key(doc_id: str) -> str:
    """A file-name-safe key for a document id (ids may hold '/', '#' or spaces)."""
    return hashlib.sha256(doc_id.encode()).hexdigest()[:24]


def file_name(doc_id: str, content_hash: str) -> str:
    """The file of one document version."""
    return f"{_key(doc_id)}@{content_hash[:16]}.sv"


def encode(sentences: Sequence[tuple[str, int, int]], vectors: Vectors) -> bytes:
    """A document version's sentences (chunk id, start, end) in order, with their vectors, as file bytes."""
    chunks: dict[str, list[int]] = {}
    for row, (cid, _, _) in enumerate(sentences):
        first_count = chunks.setdefault(cid, [row, 0])
        first_count[1] += 1
    dim = int(vectors.shape[1]) if len(sentences) else 0
    header = json.dumps({"dim": dim, "rows": len(sentences), "chunks": chunks}).encode()
    start = len(_MAGIC) + 8 + len(header)
    pad = -start % _ALIGN
    spans = np.asarray([(s, e) for _, s, e in sentences], dtype=np.int32).reshape(-1, 2)
    body = np.asarray(vectors, dtype=np.float16).reshape(len(sentences), dim)
    return b"".join(
        [_MAGIC, struct.pack("<Q", len(header) + pad), header, b" " * pad, spans.tobytes(), body.tobytes()]
    )


@dataclass(frozen=True)
class SentenceFile:
    """One mapped file: which rows each chunk has, and their spans and vectors."""

    chunks: dict[str, list[int]]
    spans: npt.NDArray[np.int32]
    vectors: npt.NDArray[np.float16]
    inode: int

    @classmethod
    def open(cls, path: Path) -> SentenceFile:
        """Map ``path`` (raises FileNotFoundError if there is none)."""
        with path.open("rb") as fh:
            stat = os.fstat(fh.fileno())
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if data[: len(_MAGIC)] != _MAGIC:
            raise ValueError(f"{path} is not a sentence-vector file")
        (size,) = struct.unpack("<Q", data[len(_MAGIC) : len(_MAGIC) + 8])
        offset = len(_MAGIC) + 8
        header = json.loads(data[offset : offset + size])
        offset += size
        rows, dim = int(header["rows"]), int(header["dim"])
        spans = np.frombuffer(data, dtype=np.int32, count=2 * rows, offset=offset).reshape(rows, 2)
        vectors = np.frombuffer(data, dtype=np.float16, count=rows * dim, offset=offset + 8 * rows)
        return cls(header["chunks"], spans, vectors.reshape(rows, dim), stat.st_ino)

    def of(self, chunk_id: str) -> list[SentenceVector] | None:
        """A chunk's sentence vectors (None: the file does not hold the chunk)."""
        where = self.chunks.get(chunk_id)
        if where is None:
            return None
        lo, hi = where[0], where[0] + where[1]
        vectors = self.vectors[lo:hi].astype(np.float32)
        return [
            SentenceVector(chunk_id, int(s), int(e), v)
            for (s, e), v in zip(self.spans[lo:hi].tolist(), vectors, strict=True)
        ]


class SentenceFiles:
    """The sentence-vector files under ``root``, with the recently read ones kept open."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._open: OrderedDict[str, SentenceFile] = OrderedDict()
        self._lock = threading.Lock()

    def write(
        self, doc_id: str, content_hash: str, sentences: Sequence[tuple[str, int, int]], vectors: Vectors
    ) -> None:
        """Store or replace a document version's sentence vectors; readers see old or new, never half."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / file_name(doc_id, content_hash), encode(sentences, vectors))

    def read(self, doc_id: str, content_hash: str) -> SentenceFile | None:
        """The file of a document version, or None if this machine has none."""
        name = file_name(doc_id, content_hash)
        path = self.root / name
        try:
            inode = path.stat().st_ino
        except FileNotFoundError:
            return None
        with self._lock:
            cached = self._open.get(name)
            if cached is not None and cached.inode == inode:  # a replaced file has a new inode
                self._open.move_to_end(name)
                return cached
        try:
            opened = SentenceFile.open(path)
        except FileNotFoundError:  # replaced or deleted between the two calls
            return self.read(doc_id, content_hash) if path.exists() else None
        with self._lock:
            self._open[name] = opened
            while len(self._open) > _OPEN_FILES:
                self._open.popitem(last=False)
        return opened

    def delete(self, doc_id: str, keep_hash: str | None = None) -> None:
        """Remove a document's files (all its versions, or all but ``keep_hash``'s)."""
        keep = file_name(doc_id, keep_hash) if keep_hash is not None else None
        for path in self.root.glob(f"{_key(doc_id)}@*.sv"):
            if path.name != keep:
                path.unlink(missing_ok=True)

    def sweep(self, live: dict[str, str]) -> int:
        """Remove the files of versions not published (``live``: id -> hash); how many went."""
        keep: Container[str] = {file_name(d, h) for d, h in live.items()}
        gone = 0
        for path in self.root.glob("*.sv"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
                gone += 1
        return gone
