"""Parsing an uploaded file in a child process with a hard time and memory limit, killed when exceeded."""

from __future__ import annotations

import multiprocessing
import resource
from multiprocessing.connection import Connection
from typing import Any

from planbot.errors import DocumentError, PayloadTooLarge
from planbot.loaders import load_bytes
from planbot.records import Document

# A fork of the server would copy its threads' locks (the embedder's, the job worker's) mid-use; the fork
# server is a small clean process that forks children with the parsers already imported.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["planbot.loaders"])
_GRACE_S = 2.0


def parse_isolated(
    name: str, data: bytes, meta: dict[str, str], *, timeout_s: float, memory_mb: int, shown: str
) -> Document:
    """``load_bytes`` in a child limited to ``memory_mb`` of address space and killed after ``timeout_s``.

    A thread could only be abandoned: the parse went on (25 s, 1.64 GB for four PDF bombs) after the 422.
    Too much memory is a 413, too much time or a crash a 422; either way nothing keeps running.
    """
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(
        target=_parse_in_child,
        args=(sender, name, data, meta, memory_mb << 20),
        name="planbot-parse",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        # The child's own imports are preloaded; the grace covers handing it the bytes.
        if not receiver.poll(timeout_s + _GRACE_S):
            raise DocumentError(shown, f"parsing took longer than {timeout_s:g} s; the file is too complex")
        try:
            outcome, value = receiver.recv()
        except EOFError:
            child.join(1)
            outcome, value = "crashed", f"exit code {child.exitcode}"
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    return _result(outcome, value, shown, memory_mb)


def _result(outcome: str, value: Any, shown: str, memory_mb: int) -> Document:
    if outcome == "ok" and isinstance(value, Document):
        return value
    if outcome == "memory":
        raise PayloadTooLarge(
            f"{shown}: reading this file needs more than {memory_mb} MB (PLANBOT_UPLOAD_PARSE_MEMORY_MB); "
            "it may be a compressed bomb, or split it into smaller files."
        )
    if outcome == "crashed":
        raise DocumentError(shown, f"the file cannot be read (the parser stopped: {value})")
    raise DocumentError(shown, str(value))


def _parse_in_child(conn: Connection, name: str, data: bytes, meta: dict[str, str], limit: int) -> None:
    """Runs in the child: limit the address space, parse, send back ('ok', doc) or (kind, reason)."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", load_bytes(name, data, meta)))
    except MemoryError:
        conn.send(("memory", ""))
    except DocumentError as exc:
        conn.send(("error", exc.reason))
    except RecursionError:
        conn.send(("error", "the document is nested too deeply to read"))
    except Exception as exc:
        conn.send(("error", f"the file cannot be read ({exc.__class__.__name__})"))
    finally:
        conn.close()
