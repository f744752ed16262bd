"""Compare: one pipeline answer per document, "nämns inte" per column, document selection and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from planbot.errors import InvalidInput, NotFound
from planbot.filters import Filters
from planbot.pipeline import Pipeline
from planbot.planwork.compare import NOT_MENTIONED, compare, select_documents, to_csv, to_markdown

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
