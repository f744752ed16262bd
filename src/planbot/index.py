"""The Chroma adapter: chunks, their sentence vectors and a per-document manifest.

A document becomes visible only when its manifest entry names its content hash, and that
entry is written after all its chunks are stored; chunks whose hash no manifest entry names
(left by a crash mid-ingest) are never returned and are swept by the next ingest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from planbot.chroma import LockedWrites, forget_clients, held, open_client, write_lock
from planbot.chroma import chroma as _chroma
from planbot.chunk_metadata import (
    chunk_from_metadata,
    chunk_metadata,
    document_from_manifest,
    manifest_metadata,
)
from planbot.errors import IndexMismatch, IndexUnavailable
from planbot.lru import Recent
from planbot.records import Chunk, Document, IndexedDocument, SentenceVector, Vectors
from planbot.sentence_files import SentenceFiles
from planbot.sentence_store import WRITE_BATCH, SentenceStore, count_per_chunk, is_live

log = logging.getLogger(__name__)

# Chunk vectors kept in memory for the candidates BM25 finds and the dense search does not (~1.5 KB each).
_VECTOR_CACHE = 20_000


class ChromaIndex:
    """Chunks and sentence vectors in Chroma (embedded PersistentClient or a Chroma server)."""

    def __init__(
        self,
        index_dir: str,
        collection: str,
        embedder_name: str,
        dimension: int,
        chroma_url: str | None = None,
        *,
        contextual_sentences: bool = True,
    ) -> None:
        self._index_dir = index_dir
        self._name = collection
        self._chroma_url = chroma_url
        self._contextual = contextual_sentences
        self._vectors: Recent[str, Vectors] = Recent(_VECTOR_CACHE)
        # The BM25 segments and chunk tables live beside the vectors (segments.py), shared by processes.
        self.segment_root = Path(index_dir) / f"{collection}-lexical"
        self.embedder_name = embedder_name
        self.dimension = dimension
        self.write_lock = write_lock(index_dir, chroma_url)
        self._open()
        stored = self._chunks.metadata or {}
        if stored.get("embedder") != embedder_name or int(stored.get("dimension", 0)) != dimension:
            raise IndexMismatch(
                f"the index was built with embedder {stored.get('embedder')!r} "
                f"(dimension {stored.get('dimension')}), but planbot is configured for {embedder_name!r} "
                f"(dimension {dimension}). Re-index with `planbot ingest --rebuild`, or set PLANBOT_EMBEDDER "
                "back to the embedder the index was built with."
            )

    def _open(self) -> None:
        """Open the client and planbot's three collections (creating them in a new index)."""
        collection, chroma_url = self._name, self._chroma_url
        self._client = open_client(self._index_dir, chroma_url)
        self._chunks_loaded = True  # read as it comes, unless ``warm`` leaves the chunk graph out
        # Sentence vectors in flat files beside them; also in Chroma when machines share a Chroma server.
        files = SentenceFiles(Path(self._index_dir) / f"{collection}-sentences")
        meta = {"embedder": self.embedder_name, "dimension": self.dimension}

        def locked(c: Any) -> Any:
            return c if self.write_lock is None else LockedWrites(c, self.write_lock)

        def vectors(suffix: str) -> Any:
            return locked(
                self._client.get_or_create_collection(
                    f"{collection}-{suffix}",
                    embedding_function=None,
                    metadata=meta,
                    configuration={"hnsw": {"space": "cosine"}},
                )
            )

        try:
            self._chunks = vectors("chunks")
            self._sentence_collection = vectors("sentences")
            self._sentences = SentenceStore(
                self._sentence_collection,
                files,
                shared=bool(chroma_url),
                contextual=self._contextual,
            )
            # The manifest holds no vectors worth searching; a 1-d placeholder keeps Chroma happy.
            self._manifest = locked(
                self._client.get_or_create_collection(f"{collection}-documents", embedding_function=None)
            )
        except Exception as exc:
            raise IndexUnavailable(f"cannot open collection {collection!r}: {exc}") from exc

    @_chroma
    def reopen(self, *, graph: bool = True) -> None:
        """Read the embedded index afresh from disk, as other processes left it (a server is always current).

        An embedded Chroma keeps the vector graph it loaded in memory and never sees another process's
        writes; an answer worker calls this when the serving process has ingested. Under the write lock,
        the collections are opened and read once, which makes Chroma apply its log and load the graph now,
        while no other process writes.
        """
        if self.write_lock is None:
            return
        with self.write_lock.held():
            forget_clients()
            self._open()
            self.warm(graph=graph)

    @_chroma
    def warm(self, *, graph: bool = True) -> None:
        """Read every collection once (Chroma applies its log on a first read).

        ``graph``: also the chunk collection, whose first read loads its graph (205 MB at 100k chunks);
        not where the dense search runs on the segments' vectors. Its first read then loads it, under the
        write lock (``_chunk_reader``).
        """
        self._sentence_collection.count()
        self._manifest.count()
        self._chunks_loaded = graph
        if graph and self._chunks.count():
            probe = np.zeros(self.dimension, dtype=np.float32)
            probe[0] = 1.0
            self._chunks.query(query_embeddings=[probe], n_results=1, include=["distances"])

    def _chunk_reader(self) -> Any:
        """The chunk collection to read; loaded under the write lock first if ``warm`` left it out.

        Chroma applies its write log when a process first reads a collection: not while another writes.
        """
        if not self._chunks_loaded:
            with held(self.write_lock):
                self.warm()
        return self._chunks

    # -- the manifest -------------------------------------------------------------------------

    @_chroma
    def documents(self) -> dict[str, IndexedDocument]:
        """Every visible document, by id."""
        return {
            doc_id: document_from_manifest(doc_id, meta)
            for doc_id, meta, _ in self._get_all(self._manifest, include=["metadatas"])
        }

    @_chroma
    def stamp(self, documents: dict[str, IndexedDocument] | None = None) -> str:
        """A digest of which document versions are published, with their metadata (ingest or PATCH)."""
        import hashlib

        docs = self.documents() if documents is None else documents
        pairs = sorted(
            f"{d.id}:{d.content_hash}:{d.provisional}:{sorted(d.metadata.items())}" for d in docs.values()
        )
        return hashlib.sha256("\n".join(pairs).encode()).hexdigest()

    @_chroma
    def add_document(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        vectors: Vectors,
        sentences: Sequence[tuple[str, int, int]],
        sentence_vectors: Vectors,
        *,
        context: Vectors | None = None,
        publish: bool = True,
    ) -> None:
        """Store chunks and sentences (``context``: see ``SentenceVector``), then publish and sweep."""
        suffix = "@" + doc.content_hash[:16]
        counts = count_per_chunk(sentences)
        for lo in range(0, len(chunks), WRITE_BATCH):
            part = chunks[lo : lo + WRITE_BATCH]
            self._chunks.upsert(
                ids=[c.id + suffix for c in part],
                embeddings=vectors[lo : lo + WRITE_BATCH],
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c, doc) | {"sentences": counts.get(c.id, 0)} for c in part],
            )
        self._sentences.add(doc, sentences, sentence_vectors, context)
        if publish:
            self.publish(doc, len(chunks))

    @_chroma
    def replace_sentence_vectors(
        self,
        doc: IndexedDocument,
        sentences: Sequence[tuple[str, int, int]],
        vectors: Vectors,
        context: Vectors | None = None,
    ) -> None:
        """Give a published document's sentences new vectors (same sentences, same ids) and mark it final."""
        self._sentences.replace(doc, sentences, vectors, context)
        self._manifest.update(ids=[doc.id], metadatas=[{"sentences": None}])

    @_chroma
    def publish(self, doc: Document, chunks: int, *, provisional: bool = False) -> None:
        """Make a stored document version visible in the manifest, then sweep its old version."""
        manifest = manifest_metadata(doc, chunks, provisional=provisional)
        self._manifest.upsert(ids=[doc.id], embeddings=[[0.0]], metadatas=[manifest])
        self._sweep(doc.id, keep_hash=doc.content_hash)

    def update_metadata(self, doc_id: str, changes: Mapping[str, str | None]) -> None:
        """Change a published document's metadata fields (None removes one); its chunks stay as they are."""
        self._manifest.update(ids=[doc_id], metadatas=[{f"meta_{k}": v for k, v in changes.items()}])

    @_chroma
    def delete_document(self, doc_id: str) -> None:
        """Unpublish a document, then remove its chunks and sentences."""
        self._manifest.delete(ids=[doc_id])
        self._sweep(doc_id, keep_hash=None)

    def _sweep(self, doc_id: str, keep_hash: str | None) -> None:
        where: dict[str, Any] = {"document_id": doc_id}
        if keep_hash is not None:
            where = {"$and": [where, {"content_hash": {"$ne": keep_hash}}]}
        self._chunks.delete(where=where)
        self._sentences.delete(where)
        self._sentences.files.delete(doc_id, keep_hash)

    @_chroma
    def sweep_orphans(self) -> int:
        """Delete chunks that no manifest entry publishes (left by an interrupted ingest)."""
        live = {d.id: d.content_hash for d in self.documents().values()}
        stale: set[tuple[str, str]] = set()
        for _, meta, _ in self._get_all(self._chunks, include=["metadatas"]):
            key = (str(meta["document_id"]), str(meta["content_hash"]))
            if live.get(key[0]) != key[1]:
                stale.add(key)
        for doc_id, content_hash in stale:
            where = {"$and": [{"document_id": doc_id}, {"content_hash": content_hash}]}
            self._chunks.delete(where=where)
            self._sentences.delete(where)
        self._sentences.files.sweep(live)
        return len(stale)

    # -- reading --------------------------------------------------------------------------------

    def know_sentence_counts(self, count: Callable[[str], int]) -> None:
        """Each chunk's number of sentence vectors (from the segments), so they are fetched by id."""
        self._sentences.known = count
        self._sentences.counts = {}  # what was learnt from chunks read before may be of older versions

    def sentence_counts(self) -> dict[str, int]:
        """What this index learnt about sentence counts from the chunks it read."""
        return self._sentences.counts

    @_chroma
    def chunk_count(self) -> int:
        """Number of stored chunks (including any not yet swept)."""
        return int(self._chunk_reader().count())

    @_chroma
    def all_chunks(self, live: dict[str, IndexedDocument] | None = None) -> list[Chunk]:
        """Every visible chunk, in document and reading order."""
        live = self.documents() if live is None else live
        out = []
        for cid, meta, text in self._get_all(self._chunk_reader(), include=["metadatas", "documents"]):
            if is_live(meta, live):
                chunk = chunk_from_metadata(text or "", meta, cid)
                self._sentences.counts[chunk.id] = int(meta.get("sentences", -1))
                out.append(chunk)
        out.sort(key=lambda c: (c.document_id, c.ordinal))
        return out

    @_chroma
    def document_chunks(self, doc_id: str, content_hash: str) -> list[Chunk]:
        """The chunks of one document version, in reading order."""
        res = self._chunk_reader().get(
            where={"$and": [{"document_id": doc_id}, {"content_hash": content_hash}]},
            include=["metadatas", "documents"],
        )
        chunks = []
        for cid, meta, text in zip(res["ids"], res["metadatas"], res["documents"], strict=True):
            chunks.append(chunk_from_metadata(text or "", meta, cid))
            self._sentences.counts[chunks[-1].id] = int(meta.get("sentences", -1))
        return sorted(chunks, key=lambda c: c.ordinal)

    @_chroma
    def query(
        self,
        vector: Vectors,
        n: int,
        where: dict[str, Any] | None,
        live: dict[str, IndexedDocument],
        known: Callable[[str], Chunk | None] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """The ``n`` visible chunks nearest to ``vector`` with their cosine similarity.

        ``known`` gives a chunk's record from elsewhere (the caller's segments) by id, or None; Chroma is
        then asked only for ids and distances, and for the records of the chunks ``known`` lacks.
        """
        # No count() first to bound n_results: Chroma returns what it has (none from an empty collection),
        # and count() keeps the GIL for its whole call, stalling every other request thread meanwhile.
        # Records read with the results cost Chroma three times the search itself (SQLite, then Python
        # objects, mostly under the interpreter lock), so a caller with the records asks for ids only.
        res = self._chunk_reader().query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n + 10,
            where=where or None,
            include=["distances"] if known is not None else ["metadatas", "documents", "distances"],
        )
        if known is None:
            rows = zip(
                res["ids"][0], res["metadatas"][0], res["documents"][0], res["distances"][0], strict=True
            )
            return [
                (chunk_from_metadata(text or "", meta, cid), 1.0 - float(dist))
                for cid, meta, text, dist in rows
                if is_live(meta, live)
            ][:n]
        found: list[tuple[str, Chunk | None, float]] = []
        for key, dist in zip(res["ids"][0], res["distances"][0], strict=True):
            cid, _, version = key.partition("@")
            doc = live.get(cid.rsplit("#", 1)[0])
            if doc is not None and doc.content_hash[:16] == version:
                found.append((key, known(cid), 1.0 - float(dist)))
        lacking = [key for key, chunk, _ in found if chunk is None]
        if lacking:  # published by another process since the caller last read its records
            got = self._chunk_reader().get(ids=lacking, include=["metadatas", "documents"])
            fetched = {
                key: chunk_from_metadata(text or "", meta, key)
                for key, meta, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
            }
            found = [(key, chunk or fetched.get(key), score) for key, chunk, score in found]
        return [(chunk, score) for _, chunk, score in found if chunk is not None][:n]

    @_chroma
    def chunks_containing(
        self, texts: Sequence[str], where: dict[str, Any] | None, limit: int, live: dict[str, IndexedDocument]
    ) -> list[Chunk]:
        """Visible chunks whose text contains any of ``texts`` (Chroma's full-text filter, unranked)."""
        clauses: list[dict[str, Any]] = [{"$contains": t} for t in texts]
        res = self._chunk_reader().get(
            where=where or None,
            where_document=clauses[0] if len(clauses) == 1 else {"$or": clauses},
            limit=limit,
            include=["metadatas", "documents"],
        )
        return [
            chunk_from_metadata(text or "", meta, cid)
            for cid, meta, text in zip(res["ids"], res["metadatas"], res["documents"], strict=True)
            if is_live(meta, live)
        ]

    @_chroma
    def chunk_vectors(self, chunks: Iterable[Chunk], live: dict[str, IndexedDocument]) -> dict[str, Vectors]:
        """Stored embeddings of visible chunks, by chunk id (recently used ones from memory)."""
        # Keyed by chunk id and content hash: a version's vector never changes, so the cache is never stale.
        ids = [f"{c.id}@{live[c.document_id].content_hash[:16]}" for c in chunks if c.document_id in live]
        out = self._vectors.pick(ids)
        missing = [key for key in ids if key not in out]
        if missing:
            res = self._chunk_reader().get(ids=missing, include=["embeddings"])
            fetched = {
                key: np.asarray(v, dtype=np.float32)
                for key, v in zip(res["ids"], res["embeddings"], strict=True)
            }
            self._vectors.put(fetched)
            out |= fetched
        return {key.split("@", 1)[0]: v for key, v in out.items()}

    @_chroma
    def keep_sentences_local(self, doc: IndexedDocument, chunk_ids: Sequence[str]) -> bool:
        """Give this machine a file of the sentence vectors another machine stored in Chroma."""
        return self._sentences.keep_local(doc, chunk_ids)

    @_chroma
    def unreadable_sentences(self, documents: Iterable[IndexedDocument]) -> list[IndexedDocument]:
        """Final versions whose sentence vectors this machine cannot read (Chroma's are copied first)."""
        return self._sentences.unreadable(documents)

    @_chroma
    def sentence_vectors(
        self, chunk_ids: Iterable[str], live: dict[str, IndexedDocument]
    ) -> list[SentenceVector]:
        """Stored sentence vectors of the given visible chunks (recently used ones come from memory)."""
        return self._sentences.vectors(chunk_ids, live)

    def _get_all(
        self, collection: Any, include: list[str]
    ) -> Iterator[tuple[str, dict[str, Any], str | None]]:
        offset = 0
        while True:
            res = collection.get(include=include, limit=5000, offset=offset)
            ids = res["ids"]
            if not ids:
                return
            metas = res.get("metadatas") or [{}] * len(ids)
            docs = res.get("documents") or [None] * len(ids)
            yield from zip(ids, metas, docs, strict=True)
            offset += len(ids)
