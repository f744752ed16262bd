"""One client's questions while other work runs: a plan being indexed, then a Lagkoll of it.

    python -m planbot_dev.contention [--processes N] [--plan FILE] [--asks N]

Serves a copy of the index in PLANBOT_INDEX_DIR / PLANBOT_DATA_DIR (the original is not changed) with
``planbot serve``, then asks one question over and over: alone, while the plan is uploaded and indexed, and
while a Lagkoll of it runs. Each phase prints p50 / p95; the README's *Under load* quotes these lines.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from planbot.config import Settings
from planbot_dev.loadtest import Phase, _ask, _client, free_port, serve, single_client

QUESTION = "Vad är folkbibliotekens ändamål?"
PLAN = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pdf" / "biblioteksplan-60-sidor.pdf"


async def _while(url: str, busy: threading.Event, phase: Phase) -> None:
    """Ask the question back to back until ``busy`` is cleared."""
    started = time.perf_counter()
    async with _client(url, 1, 60.0) as client:
        while busy.is_set():
            await _ask(client, QUESTION, phase)
    phase.seconds = time.perf_counter() - started


def _in_background(work: Any) -> tuple[threading.Thread, threading.Event, dict[str, Any]]:
    busy, out = threading.Event(), {}
    busy.set()

    def run() -> None:
        started = time.perf_counter()
        try:
            out["result"] = work()
        finally:
            out["seconds"] = time.perf_counter() - started
            busy.clear()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, busy, out


def measure(processes: int, plan: Path, asks: int, log: Path) -> list[str]:
    """The three phases' lines, from a server over a copy of the configured index."""
    settings = Settings()
    key = secrets.token_hex(16)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        index, data = Path(tmp) / "index", Path(tmp) / "data"
        shutil.copytree(settings.index_dir, index)
        if settings.data_dir.exists():
            shutil.copytree(settings.data_dir, data)
        env = {
            "PLANBOT_INDEX_DIR": str(index),
            "PLANBOT_DATA_DIR": str(data),
            "PLANBOT_API_KEY": key,
            "PLANBOT_RATE_LIMIT_PER_MINUTE": "0",
            "PLANBOT_ANSWER_PROCESSES": str(processes),
        }
        with serve(env, free_port(), log) as server:
            asyncio.run(single_client(server.url, 16, [QUESTION]))
            quiet = asyncio.run(single_client(server.url, asks, [QUESTION]))
            quiet.label = "alone"
            lines.append(quiet.line())

            auth = {"Authorization": f"Bearer {key}"}

            def index_plan() -> str:
                with plan.open("rb") as f:
                    sent = httpx.post(
                        f"{server.url}/api/documents",
                        files={"file": (plan.name, f)},
                        headers=auth,
                        timeout=120,
                    )
                sent.raise_for_status()
                job = sent.json()["job"]
                while (state := httpx.get(f"{server.url}/api/jobs/{job['id']}").json())["state"] not in (
                    "done",
                    "failed",
                ):
                    time.sleep(0.2)
                assert state["state"] == "done", state
                return str(sent.json()["document_id"])

            thread, busy, out = _in_background(index_plan)
            during = Phase("while indexing")
            asyncio.run(_while(server.url, busy, during))
            thread.join()
            document_id = out["result"]
            lines.append(f"{during.line()} (indexing took {out['seconds']:.1f} s)")

            def lagkoll() -> int:
                body = {"document_id": document_id}
                return httpx.post(f"{server.url}/api/lagkoll", json=body, timeout=600).status_code

            thread, busy, out = _in_background(lagkoll)
            during = Phase("during a Lagkoll")
            asyncio.run(_while(server.url, busy, during))
            thread.join()
            lines.append(f"{during.line()} (Lagkoll {out['result']}, {out['seconds']:.1f} s)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=0, help="PLANBOT_ANSWER_PROCESSES (default 0)")
    parser.add_argument("--plan", type=Path, default=PLAN, help="the plan to index and check")
    parser.add_argument("--asks", type=int, default=200, help="questions asked alone")
    parser.add_argument("--log", type=Path, default=Path("contention-server.log"), help="the server's log")
    args = parser.parse_args()
    for line in measure(args.processes, args.plan, args.asks, args.log):
        print(line, flush=True)


if __name__ == "__main__":
    main()
