"""Search filters: document-level metadata (organisation, kind, period) resolved to document ids."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from planbot.filters import Filters, document_period
from planbot.records import IndexedDocument


def _doc(doc_id: str, doc_type: str, **meta: str) -> IndexedDocument:
    return IndexedDocument(doc_id, doc_id, doc_type, None, f"{doc_id}.md", "h", 1, meta)


DOCS = {
    d.id: d
    for d in (
        _doc("lag", "lag", in_force="2014-01-01"),
        _doc("bp", "biblioteksplan", organisation="Exempelkommun", kind="biblioteksplan", period="2021–2024"),
        _doc("kp", "dokument", organisation="Region Värmland", kind="kulturplan", period="2022-2025"),
        _doc("webb", "webbsida", organisation="Region Värmland"),
    )
}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(organisation=["Region Värmland"]), {"kp", "webb"}),
        (Filters(organisation=["värmland"]), {"kp", "webb"}),
        (Filters.model_validate({"organisation": "Exempelkommun"}), {"bp"}),
        (Filters(kind=["kulturplan", "lag"]), {"kp", "lag"}),
        (Filters(kind=["biblioteksplan"], organisation=["Region Värmland"]), set()),
        (Filters(doc_type=["webbsida"]), {"webb"}),
        (Filters(date_from=date(2025, 1, 1)), {"kp", "lag"}),
        (Filters(date_to=date(2021, 6, 1), kind=["biblioteksplan"]), {"bp"}),
    ],
)
def test_document_metadata_filters_pick_documents(filters: Filters, expected: set[str]) -> None:
    assert filters.document_ids(DOCS) == expected


def test_resolve_intersects_with_what_a_scope_allows_and_can_be_empty() -> None:
    assert Filters(organisation=["Region Värmland"]).resolve(DOCS, {"kp", "lag"}).document_id == ["kp"]
    assert Filters().resolve(DOCS, {"lag"}).document_id == ["lag"]
    assert Filters(kind=["roman"]).resolve(DOCS).document_id == []


def test_only_document_and_period_filters_name_documents() -> None:
    assert Filters(document_id=["bp"]).names_documents()
    assert Filters(date_from=date(2020, 1, 1)).names_documents()
    assert not Filters(kind=["lag"], organisation=["Exempelkommun"]).names_documents()
    assert not Filters(kind=["lag"]).is_empty()


def test_unknown_filter_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Filters.model_validate({"kommun": "Karlstad"})


@pytest.mark.parametrize(
    ("metadata", "period"),
    [
        ({"period": "2021–2024"}, (20210101, 20241231)),
        ({"period": "2022 - 2025"}, (20220101, 20251231)),
        ({"valid_from": "2024-01-01", "valid_to": "2027"}, (20240101, 20271231)),
        ({"in_force": "2014-01-01"}, (20140101, 99991231)),
        ({"published": "2023-05-17"}, (20230517, 20230517)),
        ({"period": "snart"}, None),
        ({}, None),
    ],
)
def test_a_documents_period_is_read_from_its_front_matter(metadata: dict[str, str], period: object) -> None:
    assert document_period(metadata) == period


@pytest.mark.parametrize(
    ("filters", "where"),
    [
        (Filters(), None),
        (Filters(doc_type=["lag"]), {"doc_type": {"$in": ["lag"]}}),
        (
            Filters(document_id=["bp"], date_from=date(2022, 1, 1)),
            {"$and": [{"document_id": {"$in": ["bp"]}}, {"date_to": {"$gte": 20220101}}]},
        ),
    ],
)
def test_filters_become_one_chroma_where_clause(filters: Filters, where: object) -> None:
    assert filters.to_where() == where


@pytest.mark.parametrize(
    ("filters", "chunk", "passes"),
    [
        (Filters(doc_type=["lag"]), ("lag", "lag", None), True),
        (Filters(doc_type=["lag"]), ("webbsida", "webb", None), False),
        (Filters(document_id=["bp"]), ("biblioteksplan", "bp", (20210101, 20241231)), True),
        (Filters(date_from=date(2025, 1, 1)), ("biblioteksplan", "bp", (20210101, 20241231)), False),
        (Filters(date_to=date(2021, 6, 1)), ("biblioteksplan", "bp", (20210101, 20241231)), True),
        (Filters(date_from=date(2025, 1, 1)), ("webbsida", "webb", None), False),  # no period: not in it
    ],
)
def test_the_lexical_side_applies_the_same_filters_to_a_chunk(
    filters: Filters, chunk: tuple[str, str, tuple[int, int] | None], passes: bool
) -> None:
    assert filters.matches(*chunk) is passes


VERSIONS = {"lag": "h-lag", "plan": "h-plan"}


@pytest.mark.parametrize(
    ("filters", "hashes"),
    [
        (Filters(document_id=["plan"]), ["h-plan"]),
        (Filters(doc_type=["lag"]), ["h-lag", "h-plan"]),
        (Filters(document_id=["gone"]), ["-"]),
    ],
)
def test_a_filtered_where_keeps_to_the_document_versions_the_caller_knows(
    filters: Filters, hashes: list[str]
) -> None:
    where = filters.to_where(VERSIONS)
    assert where is not None
    assert {"content_hash": {"$in": hashes}} in where["$and"]


def test_an_empty_filter_adds_no_version_clause() -> None:
    assert Filters().to_where(VERSIONS) is None
