"""Test helpers: a deterministic fake embedder and paths to the shipped corpus and eval set."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from planbot.lexical import stems
from planbot.records import Vectors

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


def load_jsonl(path: Path) -> list[dict[str, object]]:
    """Rows of a JSON-lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
