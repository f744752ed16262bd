"""Questions are answered in the CPU lane: at most PLANBOT_ANSWER_THREADS at once, on its own threads."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.server.app import create_app


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(("path", "field"), [("/api/ask", "question"), ("/api/chat", "message")])
def test_concurrent_questions_are_answered_in_the_lane_at_most_its_threads_at_once(
    settings: Settings,
    fake_pipeline: Pipeline,
    monkeypatch: pytest.MonkeyPatch,
    threads: int,
    path: str,
    field: str,
) -> None:
    running, most, names = 0, 0, set()
    lock = threading.Lock()
    ask = fake_pipeline.ask

    def slow_ask(*args: Any, **kwargs: Any) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            names.add(threading.current_thread().name)
        time.sleep(0.05)
        try:
            return ask(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(fake_pipeline, "ask", slow_ask)
    app = create_app(settings.model_copy(update={"answer_threads": threads}), fake_pipeline)
    with TestClient(app) as client, ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(lambda n: client.post(path, json={field: f"Vilka är bibliotekshuvudmän {n}?"}), range(6))
        )
    assert [r.status_code for r in statuses] == [200] * 6
    assert all(r.json()["citations"] is not None for r in statuses)
    assert most == threads
    assert all(name.startswith("planbot-cpu") for name in names)
