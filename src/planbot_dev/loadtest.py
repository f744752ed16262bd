"""The load script: a real `planbot serve` subprocess on loopback, driven by async httpx clients."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

QUESTIONS = (
    "Vad är folkbibliotekens ändamål enligt bibliotekslagen?",
    "Vem ansvarar för skolbiblioteken?",
    "Vilka är bibliotekshuvudmän?",
    "Får folkbiblioteken ta betalt för kopiering?",
    "Vad ska den regionala biblioteksverksamheten göra i Värmland?",
    "Vilka rättigheter har nationella minoriteter när det gäller språk?",
    "Ska kommunerna anta biblioteksplaner?",
    "Hur ska biblioteken arbeta med personer med funktionsnedsättning?",
)


# Asks of the single-client phase: enough for a steady median.
SINGLE_ASKS = 40


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Connection-level failures: the client never got an HTTP answer.
_DROPPED = (
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


@dataclass
class Phase:
    """One phase of a load run: how many requests, how they ended, and their latencies."""

    label: str
    seconds: float = 0.0
    offered_rps: float | None = None
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    dropped: int = 0
    timeouts: int = 0
    error_samples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Requests sent."""
        return len(self.latencies_ms) + self.errors + self.dropped + self.timeouts

    @property
    def rps(self) -> float:
        """Answered requests per second."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Latency percentile ``q`` (0-100) of answered requests, in ms."""
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    def line(self) -> str:
        """One line for a person."""
        offered = f" offered {self.offered_rps:.1f}/s," if self.offered_rps else ""
        return (
            f"{self.label:>10}:{offered} {self.requests} requests in {self.seconds:.1f} s "
            f"= {self.rps:.1f}/s, p50 {self.percentile(50):.0f} ms, p95 {self.percentile(95):.0f} ms, "
            f"p99 {self.percentile(99):.0f} ms, "
            f"{self.errors} errors, {self.dropped} dropped, {self.timeouts} timeouts"
        )


@dataclass
class LoadReport:
    """Single-client baseline, closed-loop capacity and the half-capacity open-loop run."""

    single: Phase
    capacity: Phase
    half: Phase

    @property
    def p95_over_single_p50(self) -> float:
        """The half-capacity p95 in multiples of one client's p50 (goal: at most 3)."""
        return self.half.percentile(95) / self.single.percentile(50)

    def lines(self) -> list[str]:
        """The report for a person."""
        ratio = self.p95_over_single_p50
        return [
            self.single.line(),
            self.capacity.line(),
            self.half.line(),
            f"capacity {self.capacity.rps:.1f} requests/s; at half of it p95 is {ratio:.1f}x a single "
            f"client's p50 (goal <= 3x: {'met' if ratio <= 3 else 'NOT met'})",
        ]


async def _ask(client: httpx.AsyncClient, question: str, phase: Phase) -> None:
    started = time.perf_counter()
    try:
        response = await client.post("/api/ask", json={"question": question})
    except httpx.TimeoutException as exc:
        if isinstance(exc, httpx.PoolTimeout):
            phase.dropped += 1
        else:
            phase.timeouts += 1
        return
    except _DROPPED as exc:
        phase.dropped += 1
        phase.error_samples.append(f"{exc.__class__.__name__}: {exc}")
        return
    if response.status_code != 200 or "citations" not in response.json():
        phase.errors += 1
        phase.error_samples.append(f"HTTP {response.status_code}: {response.text[:200]}")
        return
    phase.latencies_ms.append(1e3 * (time.perf_counter() - started))


def _client(base_url: str, connections: int, timeout_s: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(timeout_s))


async def closed_loop(
    base_url: str, clients: int, seconds: float, questions: Sequence[str] = QUESTIONS, timeout_s: float = 60.0
) -> Phase:
    """``clients`` users asking back to back for ``seconds``: the server's capacity at overload."""
    phase = Phase(f"{clients} clients")
    deadline = time.perf_counter() + seconds

    async def user(n: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(n)
        while time.perf_counter() < deadline:
            await _ask(client, rng.choice(questions), phase)

    started = time.perf_counter()
    async with _client(base_url, clients, timeout_s) as client:
        await asyncio.gather(*(user(n, client) for n in range(clients)))
    phase.seconds = time.perf_counter() - started
    return phase


async def open_loop(
    base_url: str, rate: float, seconds: float, questions: Sequence[str] = QUESTIONS, timeout_s: float = 60.0
) -> Phase:
    """Requests arriving at ``rate`` per second (Poisson), whether or not earlier ones have finished."""
    phase = Phase("open loop", offered_rps=rate)
    rng = random.Random(7)
    tasks: list[asyncio.Task[None]] = []
    started = time.perf_counter()
    async with _client(base_url, 200, timeout_s) as client:
        next_at = started
        while next_at < started + seconds:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            tasks.append(asyncio.create_task(_ask(client, rng.choice(questions), phase)))
            next_at += rng.expovariate(rate)
        await asyncio.gather(*tasks)
    phase.seconds = time.perf_counter() - started
    return phase


async def single_client(base_url: str, requests: int, questions: Sequence[str] = QUESTIONS) -> Phase:
    """One user asking ``requests`` questions in turn: the unloaded latency."""
    phase = Phase("1 client")
    started = time.perf_counter()
    async with _client(base_url, 1, 60.0) as client:
        for n in range(requests):
            await _ask(client, questions[n % len(questions)], phase)
    phase.seconds = time.perf_counter() - started
    return phase


def run_load(
    base_url: str, clients: int = 50, seconds: float = 60.0, questions: Sequence[str] = QUESTIONS
) -> LoadReport:
    """Every question once, uncounted; one client; ``clients`` for ``seconds``; half that capacity.

    The loaded phases repeat questions, whose vectors then come from memory, so the single client is
    measured warm too (before, its median of 16 asks, 8 cold and 8 warm, sat between the two and
    flattered the ratio; with distinct questions it was all cold against warm loaded phases).
    """
    asyncio.run(single_client(base_url, len(questions), questions))
    single = asyncio.run(single_client(base_url, SINGLE_ASKS, questions))
    capacity = asyncio.run(closed_loop(base_url, clients, seconds, questions))
    half = asyncio.run(open_loop(base_url, max(capacity.rps / 2, 0.5), seconds, questions))
    return LoadReport(single, capacity, half)


def eval_questions(path: Path, *, missing_ok: bool = False) -> list[str]:
    """The distinct questions of an eval file (JSON lines with a ``question``), for load without repeats.

    ``missing_ok``: skip lines without one (conversations) instead of failing.
    """
    import json

    seen: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if "question" in record or not missing_ok:
                seen.setdefault(str(record["question"]))
    return list(seen)


@dataclass
class Server:
    """A running `planbot serve` subprocess."""

    url: str
    process: subprocess.Popen[bytes]
    started_s: float

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident memory (Linux /proc), in MB."""
        return _status_mb(self.process.pid, "VmHWM")

    def children(self) -> list[int]:
        """The server's answer processes, from whichever of its threads started them.

        Spawned workers run ``multiprocessing.spawn``; multiprocessing's resource tracker is left out.
        """
        found: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                pids = [int(p) for p in (task / "children").read_text().split()]
                found += [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
            except OSError:  # a thread or process that ended meanwhile
                continue
        return sorted(found)

    def children_rss_mb(self) -> float:
        """Resident memory of the server's child processes now (its answer processes), in MB."""
        return sum(_status_mb(pid, "VmRSS") or 0.0 for pid in self.children())


def memory_mb(pid: int) -> tuple[int, int]:
    """A process's resident and proportional memory now (RSS, PSS; shared pages split among sharers)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) // 1024
    return fields["Rss"], fields["Pss"]


def _status_mb(pid: int, field: str) -> float | None:
    """One memory field of a process's /proc status (VmRSS, VmHWM), in MB; None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


@contextmanager
def serve(env: dict[str, str], port: int, log_path: Path, ready_timeout_s: float = 180.0) -> Iterator[Server]:
    """Start `planbot serve` on 127.0.0.1:``port`` with ``env`` (PLANBOT_* settings) and wait for health."""
    planbot = Path(sys.executable).parent / "planbot"
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(planbot), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(url, process, ready_timeout_s, log_path)
            yield Server(url, process, time.perf_counter() - started)
        finally:
            stop_process(process, 15)


def stop_process(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Ask a server process to stop; kill it if it has not within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float, log_path: Path) -> None:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"planbot serve exited with {process.returncode}:\n{log_path.read_text()[-2000:]}"
            )
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"planbot serve did not become healthy within {timeout_s:g} s; see {log_path}")
