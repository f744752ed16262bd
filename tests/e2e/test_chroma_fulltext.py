"""The lexical side on a real `chroma run` server's full-text filter, through the LexicalBackend interface."""

from __future__ import annotations

import pytest

from planbot.config import Settings
from planbot.filters import Filters
from planbot.pipeline import Pipeline
from planbot.rerank import ExpandedLexical
from planbot.retrieval import ChromaFullText, LexicalBackend

from ..support import FakeEmbedder

LAW = "bibliotekslag-2013-801"
REGION = "region-varmland-biblioteksverksamhetens-uppdrag"


@pytest.fixture(scope="module")
def pipeline(chroma_url: str, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The two-document corpus on the server; the lexical side asks the server, not local segments."""
    from ..support import CORPUS

    root = tmp_path_factory.mktemp("fulltext")
    (root / "corpus").mkdir()
    for name in (LAW, REGION):
        (root / "corpus" / f"{name}.md").write_bytes((CORPUS / f"{name}.md").read_bytes())
    settings = Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", data_dir=root / "data", chroma_url=chroma_url
    )
    pipe = Pipeline(settings, embedder=FakeEmbedder())
    pipe.ingest(progress=False)
    return pipe


def _backend(pipe: Pipeline) -> ChromaFullText:
    return ChromaFullText(pipe.index, lambda: pipe.retriever.documents)


def test_chroma_full_text_is_a_lexical_backend(pipeline: Pipeline) -> None:
    assert isinstance(_backend(pipeline), LexicalBackend)


@pytest.mark.parametrize(
    ("question", "document"),
    [("Vilka är bibliotekshuvudmän?", LAW), ("regional biblioteksverksamhet i Värmland", REGION)],
)
def test_the_server_finds_the_passage_with_the_words(
    pipeline: Pipeline, question: str, document: str
) -> None:
    hits = _backend(pipeline).search(question, 5, None)
    assert hits and hits[0][0].document_id == document
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_filters_reach_the_server(pipeline: Pipeline) -> None:
    hits = _backend(pipeline).search("bibliotekshuvudmän kommunerna", 10, Filters(document_id=[REGION]))
    assert all(c.document_id == REGION for c, _ in hits)


def test_the_retriever_fuses_the_servers_lexical_ranking(pipeline: Pipeline) -> None:
    retriever = pipeline.retriever
    saved = retriever.lexical_backend
    retriever.lexical_backend = _backend(pipeline)
    try:
        question = "Vilka är bibliotekshuvudmän?"
        fused = retriever.retrieve(question, retriever.embed_query(question), 10)
    finally:
        retriever.lexical_backend = saved
    assert any(c.lexical for c in fused)
    assert LAW in {c.chunk.document_id for c in fused[:3]}


def test_nothing_is_found_for_words_no_document_has(pipeline: Pipeline) -> None:
    assert _backend(pipeline).search("zebrafink kvantdator", 5, None) == []


def test_the_lexical_backend_setting_puts_the_servers_full_text_behind_the_pipeline(
    pipeline: Pipeline,
) -> None:
    settings = pipeline.settings.model_copy(update={"lexical_backend": "chroma"})
    pipe = Pipeline(settings, embedder=FakeEmbedder())  # the same server collection, already ingested
    lexical = pipe.retriever.lexical_backend
    assert isinstance(lexical, ExpandedLexical) and isinstance(lexical.inner, ChromaFullText)
    _, ranked = pipe.search("Vilka är bibliotekshuvudmän?")
    assert ranked[0].chunk.document_id == LAW
    assert any(c.lexical > 0 for c in ranked if c.chunk.document_id == LAW)  # the server found its words
