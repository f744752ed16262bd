"""Rerankers: the offline sentence-window default and the CrossEncoder adapter with a model built here."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from planbot.config import Settings
from planbot.errors import ModelUnavailable
from planbot.pipeline import Pipeline
from planbot.records import Chunk, ScoredChunk, SentenceVector
from planbot.rerank import CrossEncoderReranker, FusionOrder, SentenceWindowReranker, create_reranker

from ..support import FakeEmbedder

WORDS = "bibliotek kommunerna ansvarar för folkbibliotek skolbibliotek staten regionerna läsning".split()


def _candidates(texts: list[str]) -> list[ScoredChunk]:
    return [
        ScoredChunk(
            Chunk(id=f"d#{i}", document_id="d", ordinal=i, text=t, locator=f"{i} §", title="Lag"),
            score=1.0 - i / 100,
            dense=0.8,
        )
        for i, t in enumerate(texts)
    ]


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer BERT cross-encoder with a word-level vocabulary, saved like a downloaded model."""
    transformers = pytest.importorskip("transformers")
    path = tmp_path_factory.mktemp("cross-encoder")
    vocab = path / "vocab.txt"
    vocab.write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n", encoding="utf-8"
    )
    tokenizer = transformers.BertTokenizer(str(vocab), do_lower_case=True)
    config = transformers.BertConfig(
        vocab_size=len(WORDS) + 5,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=1,
    )
    transformers.set_seed(7)
    transformers.BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_cross_encoder_adapter_orders_passages_by_the_models_scores(tiny_cross_encoder: Path) -> None:
    reranker = CrossEncoderReranker(str(tiny_cross_encoder), depth=3)
    texts = [
        "staten ansvarar för skolbibliotek",
        "kommunerna ansvarar för folkbibliotek",
        "regionerna läsning",
        "bibliotek",
    ]
    ranked = reranker.rerank(
        "vem ansvarar för folkbibliotek", np.zeros(2, dtype=np.float32), _candidates(texts)
    )
    own = reranker._model.predict([("vem ansvarar för folkbibliotek", t) for t in texts[:3]])
    expected = [texts[i] for i in np.argsort(-np.asarray(own).reshape(-1))]
    assert [p.chunk.text for p in ranked[:3]] == expected
    assert ranked[3].chunk.text == "bibliotek", "candidates past the depth stay below the reranked ones"
    assert [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)


def test_cross_encoder_setting_builds_the_adapter_from_a_local_directory(
    tiny_cross_encoder: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    configured = settings.model_copy(
        update={"reranker": "cross-encoder", "reranker_model": str(tiny_cross_encoder)}
    )
    pipeline = Pipeline(configured, embedder=fake_embedder)
    assert isinstance(pipeline.reranker, CrossEncoderReranker)
    pipeline.ingest(progress=False)
    question = "Vilka är bibliotekshuvudmän?"
    _, passages = pipeline.search(question)
    own = pipeline.reranker._model.predict([(question, p.chunk.text) for p in passages])  # type: ignore[attr-defined]
    assert len(passages) == 5
    assert [p.score for p in passages] == pytest.approx(
        np.asarray(own, dtype=np.float32).reshape(-1).tolist()
    )
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_missing_cross_encoder_is_a_clear_error_not_a_download(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelUnavailable, match="offline"):
        CrossEncoderReranker(str(tmp_path / "no-model-here"))


@pytest.mark.parametrize(("name", "kind"), [("none", FusionOrder), ("e5-sentences", SentenceWindowReranker)])
def test_reranker_setting_picks_the_reranker(
    name: str, kind: type[Any], settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    pipeline = Pipeline(settings.model_copy(update={"reranker": name}), embedder=fake_embedder)
    assert isinstance(create_reranker(pipeline.settings, pipeline.retriever), kind)


def test_sentence_window_reranker_lifts_the_passage_with_the_answering_sentence(
    settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    question = "Ska det finnas högskolebibliotek vid alla universitet?"
    vector = pipeline.retriever.embed_query(question)
    fused = pipeline.retriever.retrieve(question, vector, 30)
    reranked = SentenceWindowReranker(pipeline.retriever).rerank(question, vector, fused)
    assert "högskolebibliotek vid alla universitet" in reranked[0].chunk.text
    assert reranked[0].sentence is not None and reranked[0].sentence >= (reranked[0].dense or 0.0)


class _Sentences:
    """An index that only serves sentence vectors."""

    def __init__(self, rows: list[SentenceVector]) -> None:
        self.rows = rows

    def sentence_vectors(self, ids: list[str], live: object) -> list[SentenceVector]:
        return [r for r in self.rows if r.chunk_id in ids]


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    out: np.ndarray = v / np.linalg.norm(v)
    return out


def test_the_sentence_that_reads_right_under_its_heading_ranks_its_passage_first() -> None:
    # Both sections hold a sentence equally near the question on its own ("Detta gäller även ...");
    # behind its title and heading only the second one is near it.
    same = _unit(0.9, 0.43, 0.0)
    rows = [
        SentenceVector("d#0", 0, 10, same, _unit(0.5, 0.0, 0.87)),
        SentenceVector("d#1", 0, 10, same, _unit(0.95, 0.31, 0.0)),
    ]
    retriever = SimpleNamespace(index=_Sentences(rows), documents={}, lexical_backend=None)
    reranker = SentenceWindowReranker(retriever)  # type: ignore[arg-type]
    ranked = reranker.rerank("fråga", _unit(1.0, 0.0, 0.0), _candidates(["9 § ...", "17 § ..."]))
    assert [c.chunk.id for c in ranked] == ["d#1", "d#0"]
    # The plain sentence still stands for the answer's checks (refusal, which sentence is quoted).
    assert ranked[0].sentence == pytest.approx(float(same @ _unit(1.0, 0.0, 0.0)))
