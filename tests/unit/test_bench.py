"""The scale bench's synthetic index: real pooled sentences recombined into chunks, and asks against it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planbot.config import Settings
from planbot_dev.benchscale import scale_point, sentence_pool

from ..support import FakeEmbedder


def test_the_sentence_pool_is_embedded_once_then_read_from_the_cache(
    settings: Settings, tmp_path: Path
) -> None:
    embedder = FakeEmbedder()
    pool, first_seconds = sentence_pool(settings, embedder, 40, tmp_path / "cache")
    assert first_seconds > 0
    assert 0 < len(pool.texts) <= 40 and pool.vectors.shape == (len(pool.texts), embedder.dimension)
    calls = embedder.calls
    again, cached_seconds = sentence_pool(settings, embedder, 40, tmp_path / "cache")
    assert embedder.calls == calls and cached_seconds == 0.0
    assert again.texts == pool.texts and np.allclose(again.vectors, pool.vectors)


def test_a_synthetic_index_holds_the_requested_chunks_and_answers_asks(
    settings: Settings, tmp_path: Path
) -> None:
    embedder = FakeEmbedder()
    pool, _ = sentence_pool(settings, embedder, 60, tmp_path / "cache")
    point = scale_point(settings, embedder, pool, 600, ["Vilka är bibliotekshuvudmän?"] * 3)
    assert point.chunks == 600
    assert 3 * 600 <= point.sentences <= 6 * 600
    assert len(point.latencies_ms) == 3
    assert "600 chunks" in point.line()
