"""Search filters: document type, document, and a date period, with their Chroma form."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_OPEN_END = 99991231


class Filters(BaseModel):
    """Restrict retrieval to some document types, documents, or documents valid in a period."""

    model_config = ConfigDict(extra="forbid")

    doc_type: list[str] | None = Field(default=None, description="e.g. ['lag', 'proposition']")
    document_id: list[str] | None = Field(default=None, description="document ids from /api/documents")
    date_from: date | None = Field(default=None, description="documents valid or published on or after")
    date_to: date | None = Field(default=None, description="documents valid or published on or before")

    @field_validator("doc_type", "document_id", mode="before")
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

    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not (self.doc_type or self.document_id or self.date_from or self.date_to)

    def to_where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these filters."""
        clauses: list[dict[str, Any]] = []
        if self.doc_type:
            clauses.append({"doc_type": {"$in": list(self.doc_type)}})
        if self.document_id:
            clauses.append({"document_id": {"$in": list(self.document_id)}})
        if self.date_to:
            clauses.append({"date_from": {"$lte": _key(self.date_to)}})
        if self.date_from:
            clauses.append({"date_to": {"$gte": _key(self.date_from)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, doc_type: str, document_id: str, period: tuple[int, int] | None) -> bool:
        """Whether a chunk with these attributes passes the filters (the lexical side's check)."""
        if self.doc_type and doc_type not in self.doc_type:
            return False
        if self.document_id and document_id not in self.document_id:
            return False
        if self.date_from or self.date_to:
            if period is None:
                return False
            if self.date_to and period[0] > _key(self.date_to):
                return False
            if self.date_from and period[1] < _key(self.date_from):
                return False
        return True


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
