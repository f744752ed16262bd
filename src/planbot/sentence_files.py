"""Sentence vectors on disk: one flat, memory-mapped file per document version, beside the segments.

Sentence vectors are only ever fetched by chunk, never searched by similarity, so they need no vector
index: a graph in Chroma held every one of them in memory (6.9 GB at 1M chunks) and made ingest insert
each into it. A file holds a document version's sentence spans and vectors (float16, half the bytes; the
cosines move in the fifth decimal) in chunk order, then the same sentences' context vectors (embedded behind
their title and nearest heading) if known, and is replaced whole when the second ingest pass gives the
sentences new vectors. Readers read only the rows they need, through the page cache that the processes of a
machine share. A file of an older layout reads as absent, and `planbot ingest` embeds its sentences again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from planbot.files import write_atomic
from planbot.records import SentenceVector, Vectors

log = logging.getLogger(__name__)

_MAGIC = b"PBSV\x03\x00\x00\x00"
_ALIGN = 64
# Documents whose file stays mapped and parsed: the candidates of a question come from a few dozen.
_OPEN_FILES = 256
# A temporary file older than this is a crashed write's leftover (a write of the largest plan takes a second).
_STALE_TEMP_SECONDS = 3600.0


def _key(doc_id: str) -> str:
    """A file-name-safe key for a document id (ids may hold '/', '#' or spaces)."""
    return hashlib.sha256(doc_id.encode()).hexdigest()[:24]


def file_name(doc_id: str, content_hash: str) -> str:
    """The file of one document version."""
    return f"{_key(doc_id)}@{content_hash[:16]}.sv"


def _ordinals(ids: Sequence[str]) -> tuple[str, list[int]] | None:
    """The shared document prefix and each id's ordinal, if every id is ``prefix#n`` (the chunker's ids)."""
    parts = [cid.rpartition("#") for cid in ids]
    if not parts or any(not sep or not n.isdigit() for _, sep, n in parts):
        return None
    prefixes = {head for head, _, _ in parts}
    return (prefixes.pop(), [int(n) for _, _, n in parts]) if len(prefixes) == 1 else None


def encode(
    sentences: Sequence[tuple[str, int, int]], vectors: Vectors, context: Vectors | None = None
) -> bytes:
    """A document version's sentences (chunk id, start, end) in order, with their vectors, as file bytes.

    ``context``: the same sentences embedded behind their place (``SentenceVector.context``), if known.
    """
    chunks: dict[str, list[int]] = {}
    for row, (cid, _, _) in enumerate(sentences):
        first_count = chunks.setdefault(cid, [row, 0])
        first_count[1] += 1
    dim = int(vectors.shape[1]) if len(sentences) else 0
    meta: dict[str, object] = {"dim": dim, "rows": len(sentences), "context": context is not None}
    # Chunk ids "doc#n" find their rows by n in a table, so opening a file parses no per-chunk header
    # (a question reads the files of a few dozen documents); other ids are listed in the header.
    numbered = _ordinals(list(chunks))
    table = np.zeros((0, 2), dtype=np.int32)
    if numbered is None:
        meta["chunks"] = chunks
    else:
        meta["prefix"], ordinals = numbered
        table = np.zeros((max(ordinals) + 1, 2), dtype=np.int32)
        for n, first_count in zip(ordinals, chunks.values(), strict=True):
            table[n] = first_count
        meta["slots"] = len(table)
    header = json.dumps(meta).encode()
    start = len(_MAGIC) + 8 + len(header)
    pad = -start % _ALIGN
    spans = np.asarray([(s, e) for _, s, e in sentences], dtype=np.int32).reshape(-1, 2)
    body = np.asarray(vectors, dtype=np.float16).reshape(len(sentences), dim)
    extra = b"" if context is None else np.asarray(context, dtype=np.float16).reshape(body.shape).tobytes()
    return b"".join(
        [
            _MAGIC,
            struct.pack("<Q", len(header) + pad),
            header,
            b" " * pad,
            table.tobytes(),
            spans.tobytes(),
            body.tobytes(),
            extra,
        ]
    )


@dataclass(frozen=True)
class SentenceFile:
    """One open file: which rows each chunk has (by ordinal or by id), and where its spans and vectors lie.

    Rows are read with ``pread``, not mapped: ext4 maps its page cache in 2 MB folios, so touching a few rows
    of a mapped file made most of it resident (1.1 GB at 100k chunks). The page cache is still shared by
    the processes of a machine; each reads only the rows it asks for.
    """

    prefix: str | None
    table: npt.NDArray[np.int32]
    chunks: dict[str, list[int]]
    dim: int
    spans_at: int
    vectors_at: int
    context_at: int | None
    handle: BinaryIO  # closed when the last reader drops the file (a replaced file stays readable till then)
    inode: int

    @classmethod
    def open(cls, path: Path) -> SentenceFile:
        """Open ``path`` (raises FileNotFoundError if there is none, ValueError if it is not whole)."""
        handle = path.open("rb")
        try:
            stat = os.fstat(handle.fileno())
            size_of_file, inode = stat.st_size, stat.st_ino
            head = handle.read(len(_MAGIC) + 8)
            if head[: len(_MAGIC)] != _MAGIC or len(head) < len(_MAGIC) + 8:
                raise ValueError(f"{path} is not a sentence-vector file")
            (size,) = struct.unpack("<Q", head[len(_MAGIC) :])
            header = json.loads(handle.read(size))
            offset = len(_MAGIC) + 8 + size
            rows, dim, slots = int(header["rows"]), int(header["dim"]), int(header.get("slots", 0))
            table = np.frombuffer(os.pread(handle.fileno(), 8 * slots, offset), dtype=np.int32).reshape(
                slots, 2
            )
            spans_at = offset + 8 * slots
            vectors_at = spans_at + 8 * rows
            context_at = vectors_at + 2 * rows * dim if header.get("context") else None
            end = (context_at if context_at is not None else vectors_at) + 2 * rows * dim
            if size_of_file < end:
                raise ValueError(f"{path} is cut short ({size_of_file} of {end} bytes)")
        except BaseException:
            handle.close()
            raise
        chunks = header.get("chunks") or {}
        return cls(header.get("prefix"), table, chunks, dim, spans_at, vectors_at, context_at, handle, inode)

    def _rows(self, chunk_id: str) -> tuple[int, int] | None:
        if self.prefix is None:
            where = self.chunks.get(chunk_id)
            return (where[0], where[0] + where[1]) if where else None
        head, _, n = chunk_id.rpartition("#")
        if head != self.prefix or not n.isdigit() or int(n) >= len(self.table):
            return None
        first, count = (int(x) for x in self.table[int(n)])
        return (first, first + count) if count else None

    def _read(self, at: int, lo: int, hi: int, width: int, dtype: type[np.generic]) -> npt.NDArray[Any]:
        data = os.pread(self.handle.fileno(), width * (hi - lo), at + width * lo)
        return np.frombuffer(data, dtype=dtype).reshape(hi - lo, -1)

    def of(self, chunk_id: str) -> list[SentenceVector] | None:
        """A chunk's sentence vectors (None: the file does not hold the chunk)."""
        rows = self._rows(chunk_id)
        if rows is None:
            return None
        lo, hi = rows
        spans = self._read(self.spans_at, lo, hi, 8, np.int32)
        vectors = self._read(self.vectors_at, lo, hi, 2 * self.dim, np.float16).astype(np.float32)
        context: list[Any] = [None] * (hi - lo)
        if self.context_at is not None:
            context = list(self._read(self.context_at, lo, hi, 2 * self.dim, np.float16).astype(np.float32))
        return [
            SentenceVector(chunk_id, int(s), int(e), v, c)
            for (s, e), v, c in zip(spans.tolist(), vectors, context, strict=True)
        ]


class SentenceFiles:
    """The sentence-vector files under ``root``, with the recently read ones kept open."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._open: OrderedDict[str, SentenceFile] = OrderedDict()
        # Unreadable files by name and inode: looked at again once replaced (reported once, not per ask).
        self._damaged: dict[str, int] = {}
        self._lock = threading.Lock()

    def write(
        self,
        doc_id: str,
        content_hash: str,
        sentences: Sequence[tuple[str, int, int]],
        vectors: Vectors,
        context: Vectors | None = None,
    ) -> None:
        """Store or replace a document version's sentence vectors; readers see old or new, never half."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / file_name(doc_id, content_hash), encode(sentences, vectors, context))

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
            if self._damaged.get(name) == inode:
                return None
        try:
            opened = SentenceFile.open(path)
        except FileNotFoundError:  # replaced or deleted between the two calls
            return self.read(doc_id, content_hash) if path.exists() else None
        except (ValueError, KeyError, struct.error) as exc:  # damaged, or another layout: read as absent
            log.warning(
                "sentence vectors of %s unreadable in %s (%s); reading them elsewhere until `planbot ingest` "
                "embeds them again",
                doc_id,
                path,
                exc,
            )
            with self._lock:
                self._damaged[name] = inode
            return None
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

    def sweep(self, live: dict[str, str], now: float | None = None) -> int:
        """Remove the files of versions not published (``live``: id -> hash); how many went.

        Also the temporary files of writes a crash cut short, once they are older than any write takes.
        """
        keep: Container[str] = {file_name(d, h) for d, h in live.items()}
        gone = 0
        for path in self.root.glob("*.sv"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
                gone += 1
        cutoff = (time.time() if now is None else now) - _STALE_TEMP_SECONDS
        for path in self.root.glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):  # another process's write finished meanwhile
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
        return gone
