"""Stored answers: the versioned record of a conversation turn, written and read by one pair of functions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from planbot.errors import PlanbotError
from planbot.records import Answer, AnswerPart, Chunk, Citation, ScoredChunk

# Bump when the shape changes, and teach ``answer_from_record`` to read the older versions.
RECORD_VERSION = 1


class StoredRecordError(PlanbotError):
    """A stored answer this version of planbot cannot read."""

    title = "Unreadable stored answer"


def _chunk(chunk: Chunk) -> dict[str, Any]:
    row = {name: getattr(chunk, name) for name in Chunk.__dataclass_fields__}
    row["heading_path"] = list(chunk.heading_path)
    return row


def _read_chunk(row: dict[str, Any]) -> Chunk:
    known = {k: v for k, v in row.items() if k in Chunk.__dataclass_fields__}
    known["heading_path"] = tuple(known.get("heading_path") or ())
    return Chunk(**known)


def answer_to_record(answer: Answer) -> dict[str, Any]:
    """The JSON-ready record of an answer, tagged with its version."""
    return {
        "v": RECORD_VERSION,
        "question": answer.question,
        "text": answer.text,
        "refused": answer.refused,
        "language": answer.language,
        "standalone_question": answer.standalone_question,
        "mode": answer.mode,
        "note": answer.note,
        "parts": [asdict(p) for p in answer.parts],
        "citations": [
            {
                "n": c.n,
                "chunk": _chunk(c.chunk),
                "quote": c.quote,
                "score": c.score,
                "period_note": c.period_note,
            }
            for c in answer.citations
        ],
        "passages": [
            {
                "chunk": _chunk(p.chunk),
                "score": p.score,
                "dense": p.dense,
                "lexical": p.lexical,
                "sentence": p.sentence,
                "placed_sentence": p.placed_sentence,
                "context": p.context,
                "also_in": list(p.also_in),
            }
            for p in answer.passages
        ],
    }


def answer_from_record(record: dict[str, Any]) -> Answer:
    """The Answer a stored record describes; raises StoredRecordError for an unknown version."""
    version = record.get("v")
    if version is None and "answer" in record:
        return _from_v0(record)
    if version != RECORD_VERSION:
        raise StoredRecordError(f"A stored answer has record version {version!r}; this planbot reads 1.")
    return Answer(
        question=str(record["question"]),
        text=str(record["text"]),
        refused=bool(record["refused"]),
        language="en" if record.get("language") == "en" else "sv",
        citations=tuple(
            Citation(
                int(c["n"]), _read_chunk(c["chunk"]), str(c["quote"]), float(c["score"]), c.get("period_note")
            )
            for c in record["citations"]
        ),
        passages=tuple(
            ScoredChunk(
                _read_chunk(p["chunk"]),
                float(p["score"]),
                p.get("dense"),
                p.get("lexical"),
                p.get("sentence"),
                p.get("context"),
                also_in=tuple(p.get("also_in") or ()),
                placed_sentence=p.get("placed_sentence"),
            )
            for p in record["passages"]
        ),
        standalone_question=record.get("standalone_question"),
        mode=str(record.get("mode", "extractive")),
        note=record.get("note"),
        parts=tuple(
            AnswerPart(str(p["question"]), bool(p["refused"]), tuple(map(int, p.get("citations") or ())))
            for p in record.get("parts") or ()
        ),
    )


def _from_v0(record: dict[str, Any]) -> Answer:
    """Read an answer stored before records were versioned (the HTTP response shape of planbot 0.1)."""

    def chunk(row: dict[str, Any], n: int) -> Chunk:
        return Chunk(
            id=f"{row['document_id']}#{n}",
            document_id=str(row["document_id"]),
            ordinal=n,
            text=str(row.get("text") or row.get("quote") or ""),
            locator=str(row.get("locator", "")),
            title=str(row.get("title", "")),
            source_url=row.get("source_url"),
        )

    passages = tuple(
        ScoredChunk(chunk(p, i), float(p.get("score", 0.0)), context=p.get("context"))
        for i, p in enumerate(record.get("passages") or [])
    )
    return Answer(
        question=str(record.get("question", "")),
        text=str(record["answer"]),
        refused=bool(record.get("refused")),
        language="en" if record.get("language") == "en" else "sv",
        citations=tuple(
            Citation(int(c["n"]), chunk(c, -1), str(c["quote"]), float(c.get("score", 0.0)))
            for c in record.get("citations") or []
        ),
        passages=passages,
        standalone_question=record.get("standalone_question"),
        mode=str(record.get("mode", "extractive")),
        note=record.get("note"),
    )
