"""The load suite: 50 concurrent clients against a real `planbot serve` with the real embedder and corpus.

Each phase runs PLANBOT_LOAD_SECONDS (default 20 s, bounded for CI; `planbot bench --load` uses 60 s).
The test asserts behaviour (every request answered, no connection dropped) and prints the figures, once
with the answers in the serving process's threads (the default) and once in two answer processes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot_dev.loadtest import free_port, run_load, serve

pytestmark = [pytest.mark.load, pytest.mark.real]


@pytest.mark.parametrize("processes", [0, 2], ids=["answer-threads", "answer-processes"])
def test_fifty_clients_get_answers_without_errors_or_dropped_connections(
    real_settings: Settings,
    real_pipeline: Pipeline,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    processes: int,
) -> None:
    env = {
        "PLANBOT_CORPUS_DIR": str(real_settings.corpus_dir),
        "PLANBOT_INDEX_DIR": str(real_settings.index_dir),
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_RATE_LIMIT_PER_MINUTE": "0",  # the load comes from one address on purpose
        "PLANBOT_ANSWER_PROCESSES": str(processes),
    }
    seconds = Settings().load_seconds
    with serve(env, free_port(), tmp_path / "server.log") as server:
        report = run_load(server.url, clients=50, seconds=seconds)
        rss = server.peak_rss_mb()
        workers = server.children_rss_mb()
    with capsys.disabled():
        where = f"{processes} answer processes" if processes else "answer threads"
        print(
            f"\nload suite, {where}, {seconds:g} s per phase, server peak RSS {rss or float('nan'):.0f} MB"
            + (f" (+ {workers:.0f} MB resident in the answer processes)" if processes else "")
        )
        for line in report.lines():
            print("  " + line)
    for phase in (report.single, report.capacity, report.half):
        assert phase.errors == 0, phase.error_samples[:3]
        assert phase.dropped == 0, phase.error_samples[:3]
        assert phase.timeouts == 0
        assert phase.latencies_ms, f"{phase.label}: no request was answered"
