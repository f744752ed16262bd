"""One answer to a message that asked two or three things: a paragraph each, citations numbered once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import zip_longest

from planbot.records import Answer, AnswerPart, Citation, Language, ScoredChunk

_MARKER = re.compile(r"\[(\d+)\]")


def _interleaved(answers: Sequence[Answer], top_k: int) -> tuple[ScoredChunk, ...]:
    """Each question's passages in turn, each passage once, so every question's best is near the top."""
    out: list[ScoredChunk] = []
    seen: set[str] = set()
    for row in zip_longest(*(a.passages for a in answers)):
        for passage in row:
            if passage is not None and passage.chunk.id not in seen:
                seen.add(passage.chunk.id)
                out.append(passage)
    return tuple(out[:top_k])


def _number(cited: Sequence[Citation], citations: list[Citation]) -> dict[int, int]:
    """Each of ``cited``'s numbers in the combined answer, adding new sources to ``citations``."""
    numbers: dict[int, int] = {}
    for citation in cited:
        key = (citation.chunk.id, citation.quote)
        same = next((c for c in citations if (c.chunk.id, c.quote) == key), None)
        if same is None:
            same = replace(citation, n=len(citations) + 1)
            citations.append(same)
        numbers[citation.n] = same.n
    return numbers


def _renumbered(text: str, numbers: dict[int, int]) -> str:
    """``text`` with each ``[n]`` marker given its number in the combined answer."""
    return _MARKER.sub(lambda m: f"[{numbers.get(int(m[1]), int(m[1]))}]", text)


def combine_parts(
    message: str, asked: Sequence[str], answers: Sequence[Answer], language: Language, top_k: int
) -> Answer:
    """The answers to the questions ``asked`` in ``message`` as one: refused only when every one is."""
    citations: list[Citation] = []
    paragraphs: list[str] = []
    parts: list[AnswerPart] = []
    for question, answer in zip(asked, answers, strict=True):
        numbers = _number(answer.citations, citations)
        text = _renumbered(answer.text, numbers)
        # Each paragraph opens with its question, so the reader sees which answer is which.
        paragraphs.append(f"{question} – {text}")
        parts.append(AnswerPart(question, answer.refused, tuple(sorted(set(numbers.values())))))
    notes = list(dict.fromkeys(a.note for a in answers if a.note))
    return Answer(
        question=message,
        text="\n\n".join(paragraphs),
        refused=all(a.refused for a in answers),
        language=language,
        citations=tuple(citations),
        passages=_interleaved(answers, top_k),
        note=" ".join(notes) or None,
        parts=tuple(parts),
    )
