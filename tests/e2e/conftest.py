"""End-to-end fixtures: a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from planbot_dev.loadtest import free_port, stop_process

CHROMA = Path(sys.executable).parent / "chroma"


def start_chroma(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real `chroma run` server storing under ``path``, answering its heartbeat."""
    port = free_port()
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"chroma run exited with {proc.returncode}: {(path / 'server.log').read_text()}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_process(proc, 10)
            pytest.fail("chroma run did not answer its heartbeat within 60 s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server in a temp dir, shared by one module's tests."""
    proc, url = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    try:
        yield url
    finally:
        stop_process(proc, 10)
