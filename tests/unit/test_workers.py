"""Answer worker processes: replies, errors carried over, a dead worker replaced, a failed start reported."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.errors import IndexUnavailable
from planbot.pipeline import Pipeline
from planbot.server.worker_process import Ask, pipeline_handler
from planbot.server.workers import AnswerWorkers, WorkerError

from ..support import FakeEmbedder, run_async, scripted_handler, worker_tool


def _workers(tmp_path: Path, count: int, generation: list[int], collection: str = "planbot") -> AnswerWorkers:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", collection=collection)
    return AnswerWorkers(settings, count, lambda: generation[0], make_handler=scripted_handler)


@pytest.fixture
def generation() -> list[int]:
    """The serving process's index generation, as the workers are told it."""
    return [7]


@pytest.fixture
def two(tmp_path: Path, generation: list[int]) -> Iterator[AnswerWorkers]:
    """Two started scripted workers."""
    workers = _workers(tmp_path, 2, generation)
    workers.start()
    yield workers
    workers.close()


def test_questions_are_answered_in_other_processes_with_the_current_generation(
    two: AnswerWorkers, generation: list[int]
) -> None:
    async def run() -> list[dict[str, object]]:
        await two.attach()
        first = await two.ask("Vem?", 5, None)
        generation[0] = 8  # the serving process ingested: the next question says so
        rest = await asyncio.gather(*(two.ask(f"sleep 0.2 {n}", 5, None) for n in range(2)))
        assert first[1] == {"answer": 1.5}
        return [json.loads(body) for body, _ in [first, *rest]]

    replies = run_async(run())
    assert [r["generation"] for r in replies] == [7, 8, 8]
    pids = {r["pid"] for r in replies}
    assert os.getpid() not in pids
    assert len({replies[1]["pid"], replies[2]["pid"]}) == 2  # two slow questions ran side by side


TWO_CORES = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="pinning needs two cores")


@TWO_CORES
def test_each_answer_process_keeps_to_a_core_of_its_own(two: AnswerWorkers) -> None:
    run_async(two.attach())
    cores = [os.sched_getaffinity(pid) for pid in two.pids()]
    assert [len(c) for c in cores] == [1, 1]
    assert cores[0] != cores[1]


@TWO_CORES
def test_answer_processes_may_run_on_every_core_when_pinning_is_off(
    tmp_path: Path, generation: list[int]
) -> None:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data", pin_answers=False)
    workers = AnswerWorkers(settings, 2, lambda: generation[0], make_handler=scripted_handler)
    workers.start()
    try:
        run_async(workers.attach())
        assert [os.sched_getaffinity(pid) for pid in workers.pids()] == [os.sched_getaffinity(0)] * 2
    finally:
        workers.close()


def test_a_plan_tool_runs_in_a_worker_while_questions_are_answered_by_the_other(two: AnswerWorkers) -> None:
    # A Lagkoll holds a worker for seconds; the other one goes on answering meanwhile.
    async def run() -> tuple[tuple[int, float, float], float]:
        await two.attach()
        tool = asyncio.ensure_future(two.call(worker_tool, 1.5))
        await asyncio.sleep(0.2)
        for n in range(3):
            await two.ask(f"Vem {n}?", 5, None)
        answered = time.time()
        return await tool, answered

    (pid, _began, ended), answered = run_async(run())
    assert pid != os.getpid()
    assert answered < ended, "the questions waited for the plan tool"


def test_plan_tools_leave_one_worker_for_questions(two: AnswerWorkers) -> None:
    # Two tools at once with two workers: the second waits for the first, and a question does not.
    async def run() -> tuple[list[tuple[int, float, float]], float]:
        await two.attach()
        tools = asyncio.gather(*(two.call(worker_tool, 1.0) for _ in range(2)))
        await asyncio.sleep(0.2)
        await two.ask("Vem?", 5, None)
        answered = time.time()
        return list(await tools), answered

    ran, answered = run_async(run())
    first, second = sorted(ran, key=lambda r: r[1])
    assert answered < first[2], "the question waited for a plan tool"
    assert second[1] >= first[2], "the two tools ran side by side, taking every worker"


def test_a_plan_tools_error_reaches_the_caller_with_its_status(two: AnswerWorkers) -> None:
    async def run() -> WorkerError:
        await two.attach()
        with pytest.raises(WorkerError) as caught:
            await two.call(worker_tool, 0.0, True)
        return caught.value

    error = run_async(run())
    assert (error.status, error.detail) == (422, "This plan has no text to check.")


def test_a_worker_error_reaches_the_caller_with_its_status_and_headers(two: AnswerWorkers) -> None:
    async def run() -> WorkerError:
        await two.attach()
        with pytest.raises(WorkerError) as caught:
            await two.ask("index?", 5, None)
        await two.ask("Vem?", 5, None)  # the worker goes on answering
        return caught.value

    error = run_async(run())
    assert (error.status, error.title) == (503, "Index unavailable")
    assert error.detail == "The vector index stopped answering."
    assert error.headers == {"Retry-After": "5"}


def test_a_worker_that_dies_fails_only_its_question_and_is_replaced(
    tmp_path: Path, generation: list[int]
) -> None:
    workers = _workers(tmp_path, 1, generation)
    workers.start()
    before = workers.pids()

    async def run() -> dict[str, object]:
        await workers.attach()
        with pytest.raises(IndexUnavailable, match="restarted"):
            await workers.ask("die", 5, None)
        body, _ = await asyncio.wait_for(workers.ask("Vem?", 5, None), timeout=60)  # waits for the successor
        return dict(json.loads(body))

    try:
        reply = run_async(run())
        assert workers.restarts == 1
        assert reply["pid"] not in before
    finally:
        workers.close()


def test_a_worker_that_cannot_start_fails_the_start_with_its_reason(
    tmp_path: Path, generation: list[int]
) -> None:
    workers = _workers(tmp_path, 2, generation, collection="fail-to-start")
    with pytest.raises(IndexUnavailable, match="RuntimeError: no model here"):
        workers.start()


def test_a_worker_killed_while_idle_is_skipped_by_the_next_question(two: AnswerWorkers) -> None:
    async def run() -> dict[str, object]:
        await two.attach()
        first = two._workers[0].process  # the first in the queue of idle workers
        os.kill(first.pid, signal.SIGKILL)
        first.join()  # dead, and the event loop has not yet seen its pipe close
        body, _ = await two.ask("Vem?", 5, None)
        return dict(json.loads(body))

    reply = run_async(run())
    assert reply["question"] == "Vem?"
    assert reply["pid"] == two._workers[1].process.pid


def test_when_no_worker_can_be_restarted_questions_get_a_clear_503_instead_of_waiting(
    tmp_path: Path, generation: list[int]
) -> None:
    workers = _workers(tmp_path, 1, generation, collection="start-once")
    workers.start()

    async def run() -> list[str]:
        await workers.attach()
        waiting = asyncio.ensure_future(workers.ask("Vem?", 5, None))
        with pytest.raises(IndexUnavailable, match="restarted"):
            await workers.ask("die", 5, None)
        errors = []
        for pending in (waiting, workers.ask("Vem igen?", 5, None)):
            with pytest.raises(IndexUnavailable) as caught:
                await asyncio.wait_for(pending, timeout=60)
            errors.append(caught.value.detail)
        return errors

    try:
        errors = run_async(run())
    finally:
        workers.close()
    assert all("could not be restarted" in e for e in errors)


class _NoQueries:
    """A Chroma collection that counts reads (Chroma loads a collection's vector graph on its first read)."""

    def __init__(self, collection: object) -> None:
        self.collection, self.queried = collection, 0

    def __getattr__(self, name: str) -> object:
        if name in ("query", "get", "count", "peek"):
            self.queried += 1
        return getattr(self.collection, name)


def test_an_answer_process_searches_the_shared_segment_vectors_without_loading_a_graph_of_its_own(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    Pipeline(settings, embedder=fake_embedder).ingest(progress=False)
    spies: list[_NoQueries] = []

    def build(s: Settings) -> Pipeline:
        pipeline = Pipeline(s, embedder=fake_embedder)
        spies.append(spy := _NoQueries(pipeline.index._chunks))
        pipeline.index._chunks = spy
        return pipeline

    handler = pipeline_handler(settings, 0, build=build)
    reply, _ = handler(Ask("Vilka är bibliotekshuvudmän enligt bibliotekslagen?", None, None), 0)
    assert json.loads(reply)["passages"]
    assert spies[0].queried == 0
