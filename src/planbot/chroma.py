"""Chroma itself: opening a client (embedded or server) and mapping its errors, in one place."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from planbot.errors import ErrorMapping, IndexUnavailable, PlanbotError, mapped


def _unavailable(exc: BaseException) -> PlanbotError:
    return IndexUnavailable(
        f"The vector index stopped answering ({type(exc).__name__}: {str(exc)[:200]}). "
        "Check that the Chroma server (PLANBOT_CHROMA_URL) or the index directory is reachable, then retry."
    )


@functools.cache
def chroma_errors() -> ErrorMapping:
    """The one place this adapter maps library errors: Chroma's, httpx's (server mode), OS and SQLite's."""
    import sqlite3

    import httpx
    from chromadb.errors import ChromaError

    # To a user they all mean the same: the index cannot be used right now.
    return {kind: _unavailable for kind in (ChromaError, httpx.HTTPError, OSError, sqlite3.Error)}


# Wraps an adapter method so that what Chroma raises reaches callers as a PlanbotError.
chroma = mapped(chroma_errors)


def open_client(index_dir: str, chroma_url: str | None) -> Any:
    """An embedded Chroma in ``index_dir``, or a client of the server at ``chroma_url``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            url = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=settings,
            )
        return chromadb.PersistentClient(path=index_dir, settings=settings)
    except Exception as exc:
        where = chroma_url or index_dir
        raise IndexUnavailable(f"cannot open the Chroma index at {where}: {exc}") from exc


def forget_clients() -> None:
    """Drop this process's cached Chroma systems, so that the next client reads the index from disk again."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


class WriteLock:
    """Writes to one embedded index, serialised across threads and processes (``flock`` on a file beside it).

    An embedded Chroma in another process (an answer worker) applies the write-ahead log it finds when it
    first reads a collection, and loads the vector graph from disk; doing either while this process writes
    would let two processes write the same files. So writers hold this lock per call, and a worker holds it
    while it opens the index and first reads every collection. Re-entrant within a thread.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._file: Any = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block (nested blocks in the same thread share the outer hold)."""
        with self._thread_lock:
            if self._depth == 0:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a+b")
                fcntl.flock(self._file, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._file, fcntl.LOCK_UN)
                    self._file.close()
                    self._file = None


def held(lock: WriteLock | None) -> contextlib.AbstractContextManager[None]:
    """``lock`` held for a block; nothing to hold for a Chroma server (None)."""
    return contextlib.nullcontext() if lock is None else lock.held()


def write_lock(index_dir: str, chroma_url: str | None = None) -> WriteLock | None:
    """This process's write lock of the embedded index in ``index_dir``; None for a Chroma server.

    A Chroma server orders its own writes; an embedded index is files that several processes open.
    """
    return None if chroma_url else _file_lock(str(index_dir))


@functools.cache
def _file_lock(index_dir: str) -> WriteLock:
    # One per index and process: a second flock on the same file from this process would wait on itself.
    return WriteLock(Path(index_dir) / ".planbot-write.lock")


class LockedWrites:
    """A Chroma collection whose writes hold the index's write lock; reads pass straight through."""

    _WRITES = frozenset({"add", "upsert", "update", "delete"})

    def __init__(self, collection: Any, lock: WriteLock) -> None:
        self._collection = collection
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        if name not in self._WRITES:
            return attr

        def locked(**kwargs: Any) -> Any:
            with self._lock.held():
                return attr(**kwargs)

        return locked


def drop_index(settings: Any) -> None:
    """Delete planbot's collections (for a rebuild with another embedder)."""
    for suffix in ("lexical", "sentences"):
        shutil.rmtree(Path(settings.index_dir) / f"{settings.collection}-{suffix}", ignore_errors=True)
    client = open_client(str(settings.index_dir), settings.chroma_url)
    for suffix in ("chunks", "sentences", "documents"):
        # A collection that does not exist is already dropped.
        with contextlib.suppress(Exception):
            client.delete_collection(f"{settings.collection}-{suffix}")
