"""Search filters: document type, document, organisation, kind and a date period, with their Chroma form.

Organisation, kind and period are document metadata an administrator can edit without re-embedding, so
they are resolved against the index's document list (``resolve``) into document ids before a search.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from planbot.records import IndexedDocument

_OPEN_END = 99991231


class Filters(BaseModel):
    """Restrict retrieval to some document types, documents, or documents valid in a period."""

    model_config = ConfigDict(extra="forbid")

    doc_type: list[str] | None = Field(default=None, description="e.g. ['lag', 'proposition']")
    document_id: list[str] | None = Field(default=None, description="document ids from /api/documents")
    date_from: date | None = Field(default=None, description="documents valid or published on or after")
    date_to: date | None = Field(default=None, description="documents valid or published on or before")
    organisation: list[str] | None = Field(default=None, description="e.g. ['Region Värmland']")
    kind: list[str] | None = Field(default=None, description="e.g. ['biblioteksplan', 'lag']")
    _ids: frozenset[str] | None = PrivateAttr(default=None)

    @field_validator("doc_type", "document_id", "organisation", "kind", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self

    def _id_set(self) -> frozenset[str]:
        """The document ids as a set (a scope can list thousands, checked once per document)."""
        if self._ids is None:
            self._ids = frozenset(self.document_id or ())
        return self._ids

    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not (
            self.doc_type
            or self.document_id
            or self.date_from
            or self.date_to
            or self.organisation
            or self.kind
        )

    def names_documents(self) -> bool:
        """True when the caller chose documents or a period, so no default scope should apply."""
        return bool(self.document_id or self.date_from or self.date_to)

    def document_ids(self, documents: Mapping[str, IndexedDocument]) -> set[str]:
        """The ids of the documents that pass these filters, judged by their current metadata."""
        return {
            d.id
            for d in documents.values()
            if self.matches(d.doc_type, d.id, document_period(d.metadata)) and self._metadata_matches(d)
        }

    def resolve(self, documents: Mapping[str, IndexedDocument], allowed: Set[str] | None = None) -> Filters:
        """These filters as a document id list (intersected with ``allowed``): empty means nothing passes."""
        ids = set(documents) if self.is_empty() else self.document_ids(documents)
        if allowed is not None:
            ids &= set(allowed)
        return Filters(document_id=sorted(ids))

    def _metadata_matches(self, doc: IndexedDocument) -> bool:
        if self.kind:
            kinds = {k.strip().lower() for k in self.kind}
            kind = doc.metadata.get("kind") or doc.doc_type
            if kind.lower() not in kinds:
                return False
        if self.organisation:
            own = _words(doc.metadata.get("organisation", ""))
            if not own or not any(_words(o) and _words(o) <= own for o in self.organisation):
                return False
        return True

    def to_where(self, versions: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these filters, within ``versions`` (document id: content hash).

        Chroma filters on its metadata, which is live, then looks the chunks up in its vector graph, so a
        version the caller has not seen (being ingested; or another process's, whose graph an answer
        worker has not loaded) would take a place or fail the lookup ("Error finding id").
        """
        clauses = self._clauses()
        if clauses and versions is not None:
            named = self.document_id if self.document_id else list(versions)
            hashes = sorted({versions[d] for d in named if d in versions})
            clauses.append({"content_hash": {"$in": hashes or ["-"]}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _clauses(self) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if self.doc_type:
            clauses.append({"doc_type": {"$in": list(self.doc_type)}})
        if self.document_id:
            clauses.append({"document_id": {"$in": list(self.document_id)}})
        if self.date_to:
            clauses.append({"date_from": {"$lte": _key(self.date_to)}})
        if self.date_from:
            clauses.append({"date_to": {"$gte": _key(self.date_from)}})
        return clauses

    def matches(self, doc_type: str, document_id: str, period: tuple[int, int] | None) -> bool:
        """Whether a chunk with these attributes passes the filters (the lexical side's check)."""
        if self.doc_type and doc_type not in self.doc_type:
            return False
        if self.document_id and document_id not in self._id_set():
            return False
        if self.date_from or self.date_to:
            if period is None:
                return False
            if self.date_to and period[0] > _key(self.date_to):
                return False
            if self.date_from and period[1] < _key(self.date_from):
                return False
        return True


def _words(text: str) -> set[str]:
    """Casefolded words, so 'värmland' finds 'Region Värmland'."""
    return set(re.findall(r"\w+", text.casefold()))


def _key(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _parse_day(text: str, end: bool = False) -> int | None:
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return int(m[1]) * 10000 + int(m[2]) * 100 + int(m[3])
    if m := re.fullmatch(r"(\d{4})", text):
        return int(m[1]) * 10000 + (1231 if end else 101)
    return None


def document_period(metadata: dict[str, str]) -> tuple[int, int] | None:
    """The yyyymmdd period a document is valid in, from its front matter, if it says."""
    period = metadata.get("period", "")
    if m := re.fullmatch(r"\s*(\d{4})\s*[-–]\s*(\d{4})\s*", period):
        return int(m[1]) * 10000 + 101, int(m[2]) * 10000 + 1231
    start = _parse_day(metadata.get("valid_from", "")) or _parse_day(metadata.get("in_force", ""))
    if start is not None:
        stop = _parse_day(metadata.get("valid_to", ""), end=True) or _OPEN_END
        return start, stop
    for key in ("published", "issued", "date"):
        if (day := _parse_day(metadata.get(key, ""))) is not None:
            return day, day
    return None
