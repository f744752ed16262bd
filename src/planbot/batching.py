"""Concurrent requests sharing work: micro-batched calls, and one FIFO lane for the CPU-bound work."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, ParamSpec, TypeVar

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(eq=False)
class _Waiting(Generic[K, R]):
    """An item waiting for its result."""

    item: K
    done: bool = False
    result: R | None = None
    error: BaseException | None = field(default=None, repr=False)


class MicroBatcher(Generic[K, R]):
    """Calls ``run(items)`` for items asked for from many threads, all those waiting in one call.

    Whoever gets the lock runs every item queued meanwhile (identical items once) and hands each
    waiting thread its row; the others find theirs done when they get the lock. A model that uses
    every core for one call gains nothing from concurrent calls, only thrashing, and one call for
    several texts costs little more than one for a single text.
    """

    def __init__(self, run: Callable[[list[K]], Iterable[R]]) -> None:
        self._run = run
        self._lock = threading.Lock()  # held while ``run`` runs
        self._queue_lock = threading.Lock()
        self._queue: list[_Waiting[K, R]] = []

    def __call__(self, item: K) -> R:
        """The result for ``item``, computed in a batch with whatever else is waiting."""
        mine: _Waiting[K, R] = _Waiting(item)
        with self._queue_lock:
            self._queue.append(mine)
        with self._lock:
            if not mine.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._run_batch(batch)  # holds ``mine``: a batch marks every item it takes done
        if mine.error is not None:
            raise mine.error
        return mine.result  # type: ignore[return-value]

    def _run_batch(self, batch: list[_Waiting[K, R]]) -> None:
        unique = list(dict.fromkeys(w.item for w in batch))
        try:
            rows = dict(zip(unique, self._run(unique), strict=True))
        except BaseException as exc:
            for w in batch:
                w.error, w.done = exc, True
            raise
        for w in batch:
            w.result, w.done = rows[w.item], True


class CpuLane:
    """A fixed number of worker threads taking CPU-bound jobs first come, first served.

    Python runs one thread's code at a time, so forty request threads answering questions together
    only interleave them: each answer takes longer, and every hand-over of the interpreter lock
    costs up to its switch interval. Jobs wait their turn here instead and then run at full speed;
    a job whose caller went away before its turn is dropped.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planbot-cpu")

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` on a lane thread, with the caller's context (request id, stage timings)."""
        context = contextvars.copy_context()
        job = functools.partial(context.run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, job)

    def close(self) -> None:
        """Let running jobs finish and drop the waiting ones (at shutdown)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
