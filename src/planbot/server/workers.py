"""Answers computed in worker processes (``PLANBOT_ANSWER_PROCESSES``), past the interpreter lock.

Python runs one thread's code at a time, so one process answers one question at a time however many cores
it has. Each worker here is a process with its own read-only pipeline over the same index; the serving
process keeps HTTP, keys, uploads and conversations, and hands each question (``/api/ask``, and a chat
turn's extractive answer) to the workers first come, first served, over a pipe its event loop reads (no
extra threads to hand results over). With two or more workers the plan tools (Lagkoll, support, compare:
seconds of work each) run there too, at most one fewer at a time than there are workers, so a question
always finds a worker and the serving process stays free for HTTP. A worker catches up with the
serving process's ingests before the next question (it reopens the index), and one that dies is replaced.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from planbot.config import Settings
from planbot.errors import IndexUnavailable, PlanbotError
from planbot.filters import Filters
from planbot.server.worker_process import (
    Ask,
    Call,
    HandlerFactory,
    pipeline_handler,
    serve,
)
from planbot.stages import record_stages

if TYPE_CHECKING:
    from planbot.records import Answer

log = logging.getLogger(__name__)

# Seconds a new worker may take to open the index and load the model before the server gives up on it.
START_TIMEOUT_S = 300.0


class WorkerError(PlanbotError):
    """A PlanbotError raised in a worker, carried over the pipe with its status, title and headers."""

    def __init__(self, status: int, title: str, detail: str, headers: Mapping[str, str]) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self._headers = dict(headers)

    @property
    def headers(self) -> dict[str, str]:
        """The original error's headers (Retry-After for an unavailable index)."""
        return self._headers


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@dataclass(eq=False)
class _Worker:
    """The serving process's end of one worker."""

    n: int
    process: Any
    conn: Connection
    pending: asyncio.Future[Any] | None = field(default=None, repr=False)


class AnswerWorkers:
    """``count`` answer processes fed first come, first served from the event loop."""

    def __init__(
        self,
        settings: Settings,
        count: int,
        generation: Callable[[], int],
        make_handler: HandlerFactory = pipeline_handler,
    ) -> None:
        self.settings = settings
        self.count = count
        self._generation = generation
        self._make_handler = make_handler
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        # Idle workers in the order they became free; None once no worker runs or is starting any more.
        self._idle: asyncio.Queue[_Worker | None] | None = None
        self._workers: dict[int, _Worker] = {}
        self._starting = 0
        self._tasks: set[asyncio.Task[None]] = set()  # restarts under way (the loop keeps weak references)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._started: list[_Worker] = []
        # Plan tools hold a worker for seconds: at most count - 1 at once, so questions always find one.
        self._tools: asyncio.Semaphore | None = None
        self.restarts = 0

    @property
    def takes_tools(self) -> bool:
        """Whether plan tools run in the workers (with two or more; one worker is kept for questions)."""
        return self.count >= 2

    def start(self) -> None:
        """Start every worker and wait until each is ready (blocking: call it off the event loop)."""
        self._started = [self._spawn(n) for n in range(self.count)]
        try:
            for w in self._started:
                self._await_ready(w)
        except BaseException:
            for w in self._started:
                w.process.terminate()
                w.conn.close()
            raise

    async def attach(self) -> None:
        """Let the running event loop feed the started workers."""
        self._loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        self._tools = asyncio.Semaphore(max(1, self.count - 1))
        started, self._started = self._started, []
        for w in started:
            self._adopt(w)

    async def ask(
        self, question: str, top_k: int | None, filters: Filters | None, *, record: bool = False
    ) -> tuple[bytes, dict[str, float]]:
        """The answer's JSON (or pickled record) and stage timings from the next free worker.

        A PlanbotError raised in the worker is raised here.
        """
        return await self._run(Ask(question, top_k, filters, record))

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(pipeline, *args)`` computed in a worker (see ``takes_tools``); its errors are raised here."""
        assert self._tools is not None, "attach() first"
        async with self._tools:
            body, stages = await self._run(Call(fn, args))
        record_stages(**stages)
        return pickle.loads(body)

    async def _run(self, job: Ask | Call) -> tuple[bytes, dict[str, float]]:
        assert self._idle is not None and self._loop is not None, "attach() first"
        message = pickle.dumps((job, self._generation()))
        while True:
            worker = await self._idle.get()  # waiting callers are served in arrival order
            if worker is None:  # none left: tell the next caller too
                self._idle.put_nowait(None)
                raise IndexUnavailable(
                    "No answer process is running: the last one stopped and could not be restarted "
                    "(see the server log). Restart planbot serve."
                )
            if self._workers.get(worker.n) is not worker:  # it died while idle; its successor queues itself
                continue
            try:
                worker.conn.send_bytes(message)
            except OSError:  # died while idle, before its end of the pipe was seen closed: ask another
                self._on_death(worker)
                continue
            worker.pending = self._loop.create_future()
            break
        kind, value = await asyncio.shield(worker.pending)
        if kind == "ok":
            return value  # type: ignore[no-any-return]
        if kind == "error":
            raise WorkerError(*value)
        if kind == "died":
            raise IndexUnavailable(value)
        raise RuntimeError(f"the answer worker failed: {value}")

    def answer_from_thread(self, question: str, top_k: int | None, filters: Filters | None) -> Answer:
        """The answer record from a worker, for code running in a thread (chat turns) while the loop runs."""
        loop = self._loop
        assert loop is not None, "attach() first"
        if _running_loop() is loop:
            raise RuntimeError("answer_from_thread would block the event loop it waits on")
        body, stages = asyncio.run_coroutine_threadsafe(
            self.ask(question, top_k, filters, record=True), loop
        ).result()
        record_stages(**stages)
        answer: Answer = pickle.loads(body)
        return answer

    def close(self) -> None:
        """Stop every worker (at shutdown): close the pipes, then terminate what is still running."""
        self._closed = True
        for w in [*self._workers.values(), *self._started]:
            self._drop(w)
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(timeout=5)

    def pids(self) -> list[int]:
        """The workers' process ids (for health and tests)."""
        return [w.process.pid for w in self._workers.values()]

    # -- internals ----------------------------------------------------------------------------

    def _spawn(self, n: int) -> _Worker:
        ours, theirs = self._context.Pipe(duplex=True)
        # The workers share the cores: the embedder gets its share of the threads.
        threads = max(1, self.settings.embed_threads // self.count)
        settings = self.settings.model_copy(update={"embed_threads": threads})
        process = self._context.Process(
            target=serve,
            args=(theirs, settings, self._generation(), self._make_handler, n),
            name=f"planbot-answer-{n}",
            daemon=True,
        )
        process.start()
        theirs.close()
        return _Worker(n, process, ours)

    def _await_ready(self, w: _Worker) -> None:
        if not w.conn.poll(START_TIMEOUT_S):
            w.process.terminate()
            raise IndexUnavailable(f"answer worker {w.n} did not start within {START_TIMEOUT_S:g} s")
        try:
            kind, detail = w.conn.recv()
        except (EOFError, OSError) as exc:
            raise IndexUnavailable(
                f"answer worker {w.n} exited while starting (exit code {w.process.exitcode})"
            ) from exc
        if kind != "ready":
            raise IndexUnavailable(f"answer worker {w.n} could not start: {detail}")

    def _adopt(self, w: _Worker) -> None:
        assert self._loop is not None and self._idle is not None
        self._workers[w.n] = w
        self._loop.add_reader(w.conn.fileno(), self._on_reply, w)
        # uvloop makes a watched descriptor non-blocking; a reply longer than 16 KB arrives in two writes,
        # and the reader, woken by the first, must wait for the second rather than fail.
        os.set_blocking(w.conn.fileno(), True)
        self._idle.put_nowait(w)

    def _on_reply(self, w: _Worker) -> None:
        try:
            reply = pickle.loads(w.conn.recv_bytes())
        except (EOFError, OSError):
            self._on_death(w)
            return
        pending, w.pending = w.pending, None
        if pending is not None and not pending.done():
            pending.set_result(reply)
        assert self._idle is not None
        self._idle.put_nowait(w)

    def _on_death(self, w: _Worker) -> None:
        self._drop(w)
        w.process.join(timeout=1)
        detail = (
            f"The answer worker stopped (exit code {w.process.exitcode}) while answering; "
            "it is being restarted. Ask again in a few seconds."
        )
        log.error("answer worker %d died (exit code %s)", w.n, w.process.exitcode)
        if w.pending is not None and not w.pending.done():
            w.pending.set_result(("died", detail))
        w.pending = None
        if not self._closed:
            assert self._loop is not None
            self._starting += 1
            task = self._loop.create_task(self._replace(w.n))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _replace(self, n: int) -> None:
        assert self._loop is not None and self._idle is not None
        try:
            worker = await self._loop.run_in_executor(None, self._start_one, n)
        except PlanbotError:
            log.exception("answer worker %d could not be restarted", n)
            if not self._workers and self._starting == 1:
                self._idle.put_nowait(None)  # wakes the callers waiting for a worker, with an error
            return
        finally:
            self._starting -= 1
        if self._closed:
            self._drop(worker)
            return
        self.restarts += 1
        self._adopt(worker)

    def _start_one(self, n: int) -> _Worker:
        w = self._spawn(n)
        self._await_ready(w)
        return w

    def _drop(self, w: _Worker) -> None:
        if self._workers.get(w.n) is w:
            del self._workers[w.n]
        if self._loop is not None and not w.conn.closed:
            self._loop.remove_reader(w.conn.fileno())
        w.conn.close()
