"""Work shared by concurrent requests: micro-batched calls and the FIFO lane for CPU-bound answers."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from planbot.batching import CpuLane, MicroBatcher

from ..support import run_async


class _SlowDoubler:
    """Doubles numbers, slowly (as a model call is), recording each call's items."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.fail_on = fail_on

    def __call__(self, items: list[int]) -> list[int]:
        self.calls.append(items)
        time.sleep(0.05)
        if self.fail_on in items:
            raise ValueError(f"cannot double {self.fail_on}")
        return [2 * i for i in items]


def test_concurrent_items_share_calls_and_each_gets_its_own_result() -> None:
    run = _SlowDoubler()
    batcher = MicroBatcher(run)
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(batcher, range(12)))
    assert results == [2 * i for i in range(12)]
    assert len(run.calls) < 12
    assert sorted(i for call in run.calls for i in call) == list(range(12))


def test_identical_items_waiting_together_are_computed_once() -> None:
    run = _SlowDoubler()
    batcher = MicroBatcher(run)
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(batcher, [7] * 10))
    assert results == [14] * 10
    assert all(call.count(7) == 1 for call in run.calls)
    assert len(run.calls) < 10


def test_a_failed_call_fails_every_item_in_it_and_the_next_call_works() -> None:
    run = _SlowDoubler(fail_on=3)
    batcher = MicroBatcher(run)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(batcher, i) for i in (3, 1, 2)]
    failed = [f for f in futures if f.exception() is not None]
    assert futures[0] in failed
    assert all(isinstance(f.exception(), ValueError) for f in failed)
    assert batcher(5) == 10


@pytest.mark.parametrize("workers", [1, 2])
def test_the_lane_never_runs_more_jobs_at_once_than_it_has_workers(workers: int) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def job() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async def main() -> None:
        lane = CpuLane(workers)
        await asyncio.gather(*(lane.run(job) for _ in range(8)))
        lane.close()

    run_async(main())
    assert most == workers


def test_one_worker_takes_jobs_in_the_order_they_came() -> None:
    order: list[int] = []

    async def main() -> None:
        lane = CpuLane(1)
        await asyncio.gather(*(lane.run(order.append, n) for n in range(20)))
        lane.close()

    run_async(main())
    assert order == list(range(20))


def test_a_job_sees_its_callers_context() -> None:
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")

    async def ask(rid: str, lane: CpuLane) -> str:
        request_id.set(rid)
        return await lane.run(request_id.get)

    async def main() -> list[str]:
        lane = CpuLane(2)
        try:
            return await asyncio.gather(*(ask(f"r{n}", lane) for n in range(6)))
        finally:
            lane.close()

    assert run_async(main()) == [f"r{n}" for n in range(6)]


def test_a_job_whose_caller_went_away_before_its_turn_is_notrun_async() -> None:
    ran: list[str] = []
    gate = threading.Event()

    async def main() -> None:
        lane = CpuLane(1)
        first = asyncio.ensure_future(lane.run(gate.wait, 5))
        second = asyncio.ensure_future(lane.run(ran.append, "abandoned"))
        await asyncio.sleep(0.05)
        second.cancel()  # the client disconnected while waiting
        await asyncio.sleep(0.01)  # the cancellation reaches the lane's queue on the loop's next turn
        gate.set()
        await first
        await lane.run(ran.append, "next")
        lane.close()

    run_async(main())
    assert ran == ["next"]
