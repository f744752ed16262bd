"""Compare: one pipeline answer per document, "nämns inte" per column, document selection and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.errors import InvalidInput, NotFound
from planbot.filters import Filters
from planbot.pipeline import Pipeline
from planbot.planwork.compare import (
    COLUMN_MIN_SENTENCES,
    NOT_MENTIONED,
    compare,
    select_documents,
    to_csv,
    to_markdown,
)

from ..support import FakeEmbedder
from .test_lagkoll import planwork_settings


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    p = Pipeline(planwork_settings(tmp_path), embedder=FakeEmbedder())
    p.ingest(progress=False)
    return p


def test_each_column_is_the_pipelines_answer_for_that_document_alone(pipeline: Pipeline) -> None:
    question = "Hur följs biblioteksplanen upp?"
    ids = ["biblioteksplan-alunda", "biblioteksplan-brovik"]
    result = compare(pipeline, question, ids)
    assert [c.document_id for c in result.columns] == ids
    for col in result.columns:
        expected = pipeline.ask(question, 3, Filters(document_id=[col.document_id]))
        assert col.answer.refused == expected.refused and col.answer.text == expected.text
        assert all(c.chunk.document_id == col.document_id for c in col.answer.citations)


def test_a_refused_column_reads_nämns_inte(pipeline: Pipeline) -> None:
    result = compare(
        pipeline,
        "Vilka regler gäller för parkering av husbilar?",
        ["biblioteksplan-alunda", "biblioteksplan-ekeby"],
    )
    assert all(c.answer.refused for c in result.columns)
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert [r["svar"] for r in rows] == [NOT_MENTIONED, NOT_MENTIONED]
    assert NOT_MENTIONED in to_markdown(result)


def test_documents_by_type_and_period(pipeline: Pipeline) -> None:
    chosen = select_documents(pipeline, doc_type="biblioteksplan", date_from=date(2027, 6, 1))
    assert chosen == [
        "biblioteksplan-alunda",
        "biblioteksplan-ekeby",
        "biblioteksplan-grenas",
        "biblioteksplan-kvarnsjo",
        "biblioteksplan-ostergarde",
        "biblioteksplan-tallnas",
    ]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"document_ids": ["biblioteksplan-alunda"]}, InvalidInput),
        ({"document_ids": ["biblioteksplan-alunda", "nope"]}, NotFound),
        ({}, InvalidInput),
        ({"doc_type": "lag"}, InvalidInput),  # only one law in this corpus
    ],
)
def test_bad_selections_are_refused(
    pipeline: Pipeline, kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        compare(pipeline, "Hur följs planen upp?", **kwargs)  # type: ignore[arg-type]


DIGITAL = "Hur hjälper biblioteket invånare med digitala tjänster?"
# Every sentence of the "shares words" plan is as near to the question as the others (library, residents):
# its best one stands no higher than its own baseline, and its passages hold none of the rare words.
TOPICAL = [
    "Biblioteket välkomnar alla invånare.",
    "Biblioteket inspirerar invånare.",
    "Biblioteket samlar invånare.",
    "Biblioteket informerar invånare.",
    "Biblioteket engagerar invånare.",
    "Biblioteket underhåller invånare.",
]
TREATS = [
    "Biblioteket hjälper invånare med digitala tjänster som e-legitimation varje tisdag.",
    "Huvudbiblioteket har öppet sex dagar i veckan.",
    "Vi köper in tidningar på flera språk.",
    "Förskolegrupper får sagostunder varje vecka.",
    "Kulturnämnden följer upp planen varje år.",
    "Böcker som saknas lånas in från andra kommuner.",
]


def _plan(title: str, sentences: list[str]) -> str:
    sections = "\n\n".join(f"## Avsnitt {i}\n\n{s}" for i, s in enumerate(sentences, 1))
    return f'---\ntitle: "{title}"\ndoc_type: "biblioteksplan"\n---\n\n# {title}\n\n{sections}\n'


@pytest.fixture
def two_plans(tmp_path: Path) -> Pipeline:
    """A plan treating digital help and one only sharing words with it; the pipeline itself answers both."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan-treats.md").write_text(_plan("Plan som behandlar", TREATS), encoding="utf-8")
    (corpus / "plan-topical.md").write_text(_plan("Plan som delar ord", TOPICAL), encoding="utf-8")
    # The pipeline's own refusal is off, so what is tested is the column rule on top of it.
    settings = Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        refuse_min_sentence=0.0,
        refuse_min_placed=0.0,
        refuse_min_coverage=0.0,
    )
    p = Pipeline(settings, embedder=FakeEmbedder())
    p.ingest(progress=False)
    assert len(TOPICAL) >= COLUMN_MIN_SENTENCES
    return p


def test_a_plan_only_sharing_words_with_the_question_reads_nämns_inte(two_plans: Pipeline) -> None:
    ids = ["plan-treats", "plan-topical"]
    assert not any(two_plans.ask(DIGITAL, 3, Filters(document_id=[d])).refused for d in ids)
    treats, topical = compare(two_plans, DIGITAL, ids).columns
    assert not treats.answer.refused and "digitala tjänster" in treats.answer.text
    assert topical.answer.refused and not topical.answer.citations
    assert to_csv(compare(two_plans, DIGITAL, ids)).count(NOT_MENTIONED) == 1
