"""The worker process's side of ``PLANBOT_ANSWER_PROCESSES``: the jobs it takes and the loop that runs them.

A worker builds its own read-only pipeline, says ready, then answers jobs from its pipe until the serving
process closes it (``workers.AnswerWorkers`` is the serving process's side).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import pickle
import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Protocol

from planbot.config import Settings
from planbot.errors import PlanbotError
from planbot.filters import Filters

if TYPE_CHECKING:  # the serving process has one already; a worker builds its own when it starts
    from planbot.pipeline import Pipeline

log = logging.getLogger(__name__)

# Questions a worker answers between two returns of freed memory to the system (when no question waits).
TRIM_EVERY = 25
# glibc's M_ARENA_MAX: malloc arenas a worker may use (its threads each got one, up to 8 per core).
_M_ARENA_MAX, _ARENAS = -8, 2


@dataclass(frozen=True)
class Ask:
    """A question for a worker; ``record``: the pickled Answer (chat stores it) instead of the API's JSON."""

    question: str
    top_k: int | None
    filters: Filters | None
    record: bool = False


@dataclass(frozen=True)
class Call:
    """``fn(pipeline, *args)`` in a worker, its result pickled back (a plan tool: Lagkoll, support, compare).

    ``fn`` is a module-level function, so that the worker finds it by name.
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


class AnswerHandler(Protocol):
    """What a worker runs per job, at the serving process's index generation: reply bytes, timings (ms)."""

    def __call__(self, job: Ask | Call, generation: int) -> tuple[bytes, dict[str, float]]: ...


# What a worker process runs first: its handler, from the settings and the serving process's generation.
HandlerFactory = Callable[[Settings, int], AnswerHandler]


def pipeline_handler(
    settings: Settings, generation: int, build: Callable[[Settings], Pipeline] | None = None
) -> AnswerHandler:
    """The real worker: a read-only pipeline that reopens the index when the serving process has ingested.

    ``generation`` is the serving process's when this worker was started (it opens the index at least as
    new); ``build`` makes the pipeline (``Pipeline(settings)``; tests give one with a fake embedder).
    """
    from planbot.pipeline import Pipeline
    from planbot.server.schemas import AnswerOut
    from planbot.stages import begin_stages

    with _write_lock(settings):  # nobody writes while this process's Chroma first reads the index
        pipeline = (build or Pipeline)(settings)
        # Chroma's graph only where the segments lack vectors: each worker would hold its own copy.
        pipeline.index.warm(graph=not pipeline.retriever.exact_dense)
    seen = [generation]

    def reopen() -> None:
        # The manifest is read under the lock too, so the versions this worker searches are in its graph.
        with _write_lock(settings):
            pipeline.index.reopen(graph=not pipeline.retriever.exact_dense)
            pipeline.retriever.refresh()
        _give_back_memory()

    def catch_up(now: int) -> None:
        if now == seen[0] and not pipeline.retriever.stale(settings.refresh_check_s):
            return
        reopen()
        seen[0] = now

    def run(job: Ask | Call, generation: int) -> tuple[bytes, dict[str, float]]:
        catch_up(generation)
        stages = begin_stages()
        if isinstance(job, Call):
            return pickle.dumps(job.fn(pipeline, *job.args)), stages
        found = pipeline.ask(job.question, job.top_k, job.filters)
        if job.record:  # for chat, which stores the answer and may hand it to a chat model
            return pickle.dumps(found), stages
        return AnswerOut.from_answer(found).model_dump_json().encode(), stages

    return run


def _give_back_memory(collect: bool = True) -> None:
    """Return freed memory (the graph of an index just replaced, a question's buffers) to the system.

    Without this a worker at 100k chunks grew from 365 to about 600 MB over a dozen reopens (glibc keeps
    freed memory in its arenas); with it, it stayed near 380 MB. Between questions it returns 20-50 MB
    at 100k chunks, in 0.3-3 ms.
    """
    if collect:
        gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the memory is reused, only not returned
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _fewer_arenas() -> None:
    """Let this process's threads share two malloc arenas (about 20 MB less at 100k chunks)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, _ARENAS)


def _pin_to_core(n: int) -> None:
    """Keep this process on the ``n``-th of the cores it may use (round robin); a no-op with one core."""
    affinity = getattr(os, "sched_getaffinity", None)
    cores = sorted(affinity(0)) if affinity is not None else []
    if len(cores) >= 2:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cores[n % len(cores)]})


def _write_lock(settings: Settings) -> Any:
    """The embedded index's write lock, held; a no-op context for a Chroma server."""
    from planbot.chroma import held, write_lock

    return held(write_lock(str(settings.index_dir), settings.chroma_url))


def serve(
    conn: Connection, settings: Settings, generation: int, make_handler: HandlerFactory, n: int = 0
) -> None:
    """A worker process's loop: build the handler, say ready, then answer until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server stops us
    if settings.pin_answers:
        _pin_to_core(n)  # before any thread starts, so the model's threads stay there too
    _fewer_arenas()  # likewise before the threads start
    # One core each: BLAS threads of several workers would only contend (set before numpy loads).
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    try:
        handler = make_handler(settings, generation)
    except BaseException as exc:  # reported to the server, which fails its start-up with it
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    answered = 0
    while True:
        try:
            job, generation = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the server closed the pipe or went away
        try:
            reply: tuple[str, Any] = ("ok", handler(job, generation))
        except PlanbotError as exc:
            reply = ("error", (exc.status, exc.title, exc.detail, exc.headers))
        except Exception as exc:
            log.exception("answer worker failed on a question")
            reply = ("crash", f"{type(exc).__name__}: {exc}")
        conn.send_bytes(pickle.dumps(reply))
        answered += 1
        if answered >= TRIM_EVERY and not conn.poll():  # never while a question waits
            _give_back_memory(collect=False)
            answered = 0
