"""Test helpers: a deterministic fake embedder and paths to the shipped corpus and eval set."""

from __future__ import annotations

import asyncio
import hashlib
import json
import pickle
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from planbot.config import Settings
from planbot.lexical import stems
from planbot.records import Vectors

if TYPE_CHECKING:
    from planbot.pipeline import Pipeline

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
EVAL = ROOT / "eval"


class FakeEmbedder:
    """Deterministic bag-of-stems vectors: texts sharing words are close, others are not."""

    name = "fake/bag-of-stems"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def embed(self, texts: list[str], *, query: bool = False) -> Vectors:
        """Hash each stem into a bucket; L2-normalise."""
        self.calls += 1
        self.texts += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for tok in stems(text) or ["_empty"]:
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "little")
                out[row, h % self.dimension] += 1.0
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


class FakePoolingEmbedder(FakeEmbedder):
    """A fake that also pools: a group is the fake vector of its pieces' text; long passages decline."""

    name = "fake/pooling"

    def __init__(self, too_long: int = 10_000) -> None:
        super().__init__()
        self.too_long = too_long
        self.pooled_passages = 0

    def embed_pooled(
        self, passages: Sequence[Sequence[str]], groups: Sequence[Sequence[Sequence[int]]]
    ) -> tuple[Vectors, list[Vectors | None]]:
        """Passage vectors of the joined pieces; None for a passage longer than ``too_long`` characters."""
        self.pooled_passages += len(passages)
        out = np.zeros((len(passages), self.dimension), dtype=np.float32)
        units: list[Vectors | None] = []
        for row, (pieces, passage_groups) in enumerate(zip(passages, groups, strict=True)):
            if sum(map(len, pieces)) > self.too_long:
                units.append(None)
                continue
            out[row] = FakeEmbedder.embed(self, [" ".join(pieces)])[0]
            texts = [" ".join(pieces[i] for i in g) for g in passage_groups]
            units.append(
                FakeEmbedder.embed(self, texts) if texts else np.zeros((0, self.dimension), np.float32)
            )
        return out, units


def load_jsonl(path: Path) -> list[dict[str, object]]:
    """Rows of a JSON-lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: earlier tests (Playwright) may leave a loop running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# -- answer workers (planbot.server.workers): picklable, so a spawned worker process can import them --


def fake_pipeline(settings: Settings) -> Pipeline:
    """A pipeline over ``settings``' index with the fake embedder (what a worker builds in tests)."""
    from planbot.pipeline import Pipeline

    return Pipeline(settings, embedder=FakeEmbedder())


def scripted_handler(settings: Settings, generation: int) -> Callable[..., tuple[bytes, dict[str, float]]]:
    """A worker that answers with its pid and generation, raises for "index?" and exits for "die".

    With collection "fail-to-start" it never starts; with "start-once" its replacement does not."""
    import os

    from planbot.errors import IndexUnavailable

    if settings.collection == "fail-to-start":
        raise RuntimeError("no model here")
    once = settings.data_dir / "started-once"
    if settings.collection == "start-once" and once.exists():
        raise RuntimeError("cannot start again")
    once.parent.mkdir(parents=True, exist_ok=True)
    once.touch()

    def answer(job: Any, generation: int) -> tuple[bytes, dict[str, float]]:
        from planbot.server.worker_process import Call

        if isinstance(job, Call):  # a plan tool: no pipeline in this fake
            return pickle.dumps(job.fn(None, *job.args)), {"tool": 2.5}
        question = job.question
        if question == "die":
            os._exit(3)
        if question == "index?":
            raise IndexUnavailable("The vector index stopped answering.")
        if question.startswith("sleep "):
            time.sleep(float(question.split()[1]))
        body = {"question": question, "pid": os.getpid(), "generation": generation}
        return json.dumps(body).encode(), {"answer": 1.5}

    return answer


def worker_tool(pipeline: Any, seconds: float, fail: bool = False) -> tuple[int, float, float]:
    """A plan tool for scripted workers: sleeps; its process id and when it began and ended (or a 422)."""
    import os

    from planbot.errors import InvalidInput

    began = time.time()
    time.sleep(seconds)
    if fail:
        raise InvalidInput("This plan has no text to check.")
    return os.getpid(), began, time.time()
