"""Chroma itself: opening a client (embedded or server) and mapping its errors, in one place."""

from __future__ import annotations

import contextlib
import functools
import shutil
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


def drop_index(settings: Any) -> None:
    """Delete planbot's collections (for a rebuild with another embedder)."""
    for suffix in ("lexical", "sentences"):
        shutil.rmtree(Path(settings.index_dir) / f"{settings.collection}-{suffix}", ignore_errors=True)
    client = open_client(str(settings.index_dir), settings.chroma_url)
    for suffix in ("chunks", "sentences", "documents"):
        # A collection that does not exist is already dropped.
        with contextlib.suppress(Exception):
            client.delete_collection(f"{settings.collection}-{suffix}")
