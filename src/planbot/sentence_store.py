"""Sentence vectors: stored and replaced per document, fetched by chunk, recently used ones cached.

They live in flat files beside the segments (``sentence_files.py``). Chroma's sentence collection is
written only where several machines share one Chroma server (a machine without a document's file reads
it there) and is read for indexes written before the files existed. Part of the Chroma adapter
(``index.py`` maps this collection's errors in its public methods).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from planbot.lru import Recent
from planbot.records import Document, IndexedDocument, SentenceVector, Vectors
from planbot.sentence_files import SentenceFile, SentenceFiles

# Rows per Chroma write (the chunk collection uses it too).
WRITE_BATCH = 500
# Chunks whose sentence vectors stay in memory (about 16 KB each): the answer step reuses the reranker's,
# the next few questions some of them. Not more: 2,000 held 28 MB in each answer process, to save a
# ``pread`` of a few KB each from the page cache, which the processes share.
_CACHE = 256
# Suffix of the Chroma row holding a sentence's context vector beside its plain one.
_CONTEXT = "~c"


def count_per_chunk(sentences: Sequence[tuple[str, int, int]]) -> dict[str, int]:
    """How many sentences each chunk has."""
    counts: dict[str, int] = {}
    for cid, _, _ in sentences:
        counts[cid] = counts.get(cid, 0) + 1
    return counts


def _sentence_id(chunk_id: str, content_hash: str, n: int) -> str:
    """A chunk's n-th sentence in one document version (fetched by id, not by a metadata scan)."""
    return f"{chunk_id}@{content_hash[:16]}:s{n}"


def _sentence_ids(doc: Document | IndexedDocument, sentences: Sequence[tuple[str, int, int]]) -> list[str]:
    """Ids of a document version's sentences, numbered per chunk in order."""
    seen: dict[str, int] = {}
    ids = []
    for cid, _, _ in sentences:
        ids.append(_sentence_id(cid, doc.content_hash, seen.get(cid, 0)))
        seen[cid] = seen.get(cid, 0) + 1
    return ids


def is_live(meta: dict[str, Any], live: dict[str, IndexedDocument]) -> bool:
    """Whether a stored row belongs to the published version of its document."""
    doc = live.get(str(meta.get("document_id")))
    return doc is not None and doc.content_hash == meta.get("content_hash")


class SentenceStore:
    """One vector per sentence unit of a chunk, with its span: in files, and in Chroma if ``shared``."""

    def __init__(
        self, collection: Any, files: SentenceFiles, *, shared: bool = False, contextual: bool = True
    ) -> None:
        self._collection = collection
        self.files = files
        self.shared = shared
        # Whether a final version has contextual vectors (not with pooled sentence vectors): one copied
        # from Chroma without them (written by an earlier planbot) is left for the next ingest to repair.
        self.contextual = contextual
        # Each chunk's number of sentences, so they are fetched by id: learnt from the chunks read from
        # Chroma, else ``known`` (the segments'; -1: unknown).
        self.counts: dict[str, int] = {}
        self.known: Callable[[str], int] = lambda _chunk_id: -1
        # Keyed by chunk id and content hash, so a changed document never serves stale vectors.
        self._cache: Recent[str, list[SentenceVector]] = Recent(_CACHE)

    def add(
        self,
        doc: Document | IndexedDocument,
        sentences: Sequence[tuple[str, int, int]],
        vectors: Vectors,
        context: Vectors | None = None,
    ) -> None:
        """Store (or replace) a document version's sentences (chunk id, start, end) with their vectors.

        ``context``: the same sentences embedded behind their place (``SentenceVector.context``), if known.
        """
        self.files.write(doc.id, doc.content_hash, sentences, vectors, context)
        # A repair keeps the version (and so the keys) of the vectors it replaces.
        self._cache.forget(lambda key: key.startswith(f"{doc.id}#"))
        if self.shared:
            # Upsert, not update: a repair (``Ingestor.refine``) may give vectors to rows Chroma never had.
            self._upsert(doc, sentences, vectors, _sentence_ids(doc, sentences), {})
            if context is not None:  # rows of their own, so every machine ranks with them
                ids = [i + _CONTEXT for i in _sentence_ids(doc, sentences)]
                self._upsert(doc, sentences, context, ids, {"context": True})

    def _upsert(
        self,
        doc: Document | IndexedDocument,
        sentences: Sequence[tuple[str, int, int]],
        vectors: Vectors,
        ids: list[str],
        extra: dict[str, Any],
    ) -> None:
        for lo in range(0, len(sentences), WRITE_BATCH):
            self._collection.upsert(
                ids=ids[lo : lo + WRITE_BATCH],
                embeddings=vectors[lo : lo + WRITE_BATCH],
                metadatas=[
                    {
                        "chunk_id": cid,
                        "document_id": doc.id,
                        "start": s,
                        "end": e,
                        "content_hash": doc.content_hash,
                        **extra,
                    }
                    for cid, s, e in sentences[lo : lo + WRITE_BATCH]
                ],
            )

    # The second pass gives the same sentences of a stored version new vectors: the same writes.
    replace = add

    def delete(self, where: dict[str, Any]) -> None:
        """Delete the sentences matching a metadata filter."""
        self._collection.delete(where=where)

    def vectors(self, chunk_ids: Iterable[str], live: dict[str, IndexedDocument]) -> list[SentenceVector]:
        """Stored sentence vectors of the given visible chunks (recently used ones come from memory)."""
        # A provisional document's vectors are replaced by the ingest's second pass: keyed apart, so the
        # replacements are read once they are there.
        keys = {
            c: f"{c}@{doc.content_hash[:16]}{'~pooled' if doc.provisional else ''}"
            for c in chunk_ids
            if (doc := live.get(c.rsplit("#", 1)[0])) is not None
        }
        cached = self._cache.pick(keys.values())
        out = [sv for key in keys.values() if key in cached for sv in cached[key]]
        missing = [cid for cid, key in keys.items() if key not in cached]
        if missing:
            fetched = self._fetch(missing, live)
            out += [sv for cid in missing for sv in fetched.get(cid, [])]
            # Nothing found, or rows without their contextual vectors, may be a version being repaired
            # (``planbot ingest``): asked again next time.
            self._cache.put({keys[cid]: rows for cid, rows in fetched.items() if self._complete(rows)})
        return out

    def _complete(self, rows: list[SentenceVector]) -> bool:
        """Whether rows carry every vector this index keeps (contextual ones unless pooled)."""
        return not self.contextual or all(sv.context is not None for sv in rows)

    def keep_local(self, doc: IndexedDocument, chunk_ids: Sequence[str]) -> bool:
        """Copy to this machine's file the sentence vectors of a version only Chroma holds; True if it did.

        For a final version only: a provisional one's vectors are still to be replaced in Chroma.
        """
        if doc.provisional or self.files.read(doc.id, doc.content_hash) is not None:
            return False
        got = self._fetch_chroma(list(chunk_ids), {doc.id: doc})
        rows = [sv for cid in chunk_ids for sv in sorted(got.get(cid, []), key=lambda sv: sv.start)]
        if not rows:
            return False
        if not self._complete(rows):
            # A file without their contextual vectors would read as complete and never be repaired:
            # ranking would quietly lose its best signal. Until `planbot ingest` embeds them, they are
            # read from Chroma.
            return False
        spans = [(sv.chunk_id, sv.start, sv.end) for sv in rows]
        context = [sv.context for sv in rows]
        both = None if any(c is None for c in context) else np.stack(context)  # type: ignore[arg-type]
        self.files.write(doc.id, doc.content_hash, spans, np.stack([sv.vector for sv in rows]), both)
        self.files.delete(doc.id, keep_hash=doc.content_hash)
        return True

    def unreadable(self, documents: Iterable[IndexedDocument]) -> list[IndexedDocument]:
        """Final versions without a readable file here, once those Chroma holds are copied into one."""
        return [
            d
            for d in documents
            if not d.provisional
            and self.files.read(d.id, d.content_hash) is None
            and not self.keep_local(d, [f"{d.id}#{n}" for n in range(d.chunks)])
        ]

    def _fetch(self, ids: list[str], live: dict[str, IndexedDocument]) -> dict[str, list[SentenceVector]]:
        out: dict[str, list[SentenceVector]] = {}
        rest = []
        files: dict[str, SentenceFile | None] = {}  # one look at each document's file, not one per chunk
        for cid in ids:
            doc = live[cid.rsplit("#", 1)[0]]
            if doc.id not in files:
                files[doc.id] = self.files.read(doc.id, doc.content_hash)
            file = files[doc.id]
            if file is None:
                rest.append(cid)
            else:  # a file holds its whole document version: a chunk it lacks has no sentences
                out[cid] = file.of(cid) or []
        if rest:  # another machine's ingest (shared Chroma server), or an index older than the files
            out |= self._fetch_chroma(rest, live)
        return out

    def _fetch_chroma(
        self, ids: list[str], live: dict[str, IndexedDocument]
    ) -> dict[str, list[SentenceVector]]:
        count = {c: self.counts[c] if c in self.counts else self.known(c) for c in ids}
        if all(n >= 0 for n in count.values()):
            wanted = [
                _sentence_id(c, live[c.rsplit("#", 1)[0]].content_hash, i)
                for c in ids
                for i in range(count[c])
            ]
            if not wanted:
                return {}
            wanted += [i + _CONTEXT for i in wanted]
            res = self._collection.get(ids=wanted, include=["metadatas", "embeddings"])
        else:  # an index written before sentence ids were numbered
            res = self._collection.get(where={"chunk_id": {"$in": ids}}, include=["metadatas", "embeddings"])
        # Rows by id: a list item and its lead-in sentence start at the same offset of one chunk.
        plain: list[tuple[str, dict[str, Any], Any]] = []
        context: dict[str, Any] = {}
        for i, m, v in zip(res["ids"], res["metadatas"], res["embeddings"], strict=True):
            if is_live(m, live):
                if m.get("context"):
                    context[i.removesuffix(_CONTEXT)] = v
                else:
                    plain.append((i, m, v))
        out: dict[str, list[SentenceVector]] = {}
        for i, m, v in plain:
            c = context.get(i)
            sv = SentenceVector(
                str(m["chunk_id"]),
                int(m["start"]),
                int(m["end"]),
                np.asarray(v, dtype=np.float32),
                None if c is None else np.asarray(c, dtype=np.float32),
            )
            out.setdefault(sv.chunk_id, []).append(sv)
        return out
