"""The JSON shapes of the HTTP API (and of `planbot ask --json`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from planbot.conversation.service import TurnResult
from planbot.filters import Filters
from planbot.records import Answer, Chunk, IndexedDocument


class AskRequest(BaseModel):
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


class PassageOut(BaseModel):
    """A retrieved passage; ``context`` holds its neighbouring sections when there are any."""

    rank: int
    document_id: str
    title: str
    locator: str
    text: str
    score: float
    context: str | None = None


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

    @classmethod
    def from_answer(cls, answer: Answer) -> AnswerOut:
        """Our Answer record in its JSON shape."""
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
                )
                for i, p in enumerate(answer.passages, start=1)
            ],
            standalone_question=answer.standalone_question,
            mode=answer.mode,
            note=answer.note,
        )


class Health(BaseModel):
    """Liveness and index state."""

    status: Literal["ok"]
    documents: int
    chunks: int
    embedder: str


class DocumentOut(BaseModel):
    """A document in the index."""

    id: str
    title: str
    doc_type: str
    source_url: str | None
    chunks: int
    metadata: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_indexed(cls, doc: IndexedDocument) -> DocumentOut:
        """From the index's record."""
        return cls(
            id=doc.id,
            title=doc.title,
            doc_type=doc.doc_type,
            source_url=doc.source_url,
            chunks=doc.chunks,
            metadata=doc.metadata,
        )


class ChunkOut(BaseModel):
    """One chunk of a document, with the locator citations use."""

    ordinal: int
    locator: str
    heading_path: list[str]
    page: int | None
    text: str

    @classmethod
    def from_chunk(cls, chunk: Chunk) -> ChunkOut:
        """From our Chunk record."""
        return cls(
            ordinal=chunk.ordinal,
            locator=chunk.locator,
            heading_path=list(chunk.heading_path),
            page=chunk.page,
            text=chunk.text,
        )


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
        base = AnswerOut.from_answer(answer).model_dump()
        return cls(**base, conversation_id=conversation_id, message_id=message_id)

    @classmethod
    def from_turn(cls, turn: TurnResult) -> ChatAnswerOut:
        """A chat turn's reply."""
        return cls.from_answer(turn.answer, turn.conversation_id, turn.message_id)
