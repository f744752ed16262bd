"""List answers: when the answer is an enumeration, every item of it, each cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from planbot.chunking import is_list_item, split_sentences
from planbot.records import ScoredChunk

# Questions that ask for several things: "vilka ...", "vad ingår ...", "which ...", "what are ...".
_LIST_QUESTION = re.compile(
    r"\b(?:vilka|vad (?:ingår|omfattar|omfattas|ska .{0,40}innehålla|innehåller|får|ska)"
    r"|vad .{0,30} för något"
    r"|which|what (?:are|kinds?|types?|must|should|may|does .{0,40} (?:include|contain|cover))|list)\b"
)
LEAD_WORDS = 3  # sections that open with the same first words continue one enumeration (4 §, 5 §, ...)


def is_list_question(question: str) -> bool:
    """Whether ``question`` asks for several things rather than one."""
    return bool(_LIST_QUESTION.search(" ".join(question.lower().split())))


def is_item(text: str) -> bool:
    """Whether a sentence is a list item ("- ...", "1. ...", "a) ..."): chunking's rule, so both agree."""
    return is_list_item(text)


@dataclass(frozen=True)
class Span:
    """Characters ``start:end`` of passage ``rank``."""

    rank: int
    start: int
    end: int


def list_around(passage: ScoredChunk, rank: int, start: int, end: int) -> list[Span] | None:
    """The lead-in and every item of the list holding ``start:end`` in the passage, or None if none does."""
    text = passage.chunk.text
    sentences = split_sentences(text)
    # The unit may be a lead-in alone, or a lead-in joined with one of its items.
    lead = next((i for i, (s, e) in enumerate(sentences) if s <= start < e), None)
    if lead is None:
        return None
    while lead > 0 and is_item(text[sentences[lead][0] : sentences[lead][1]]):
        lead -= 1
    s0, e0 = sentences[lead]
    head = [] if is_item(text[s0:e0]) else [Span(rank, s0, e0)]
    first = lead if not head else lead + 1
    items = []
    for s, e in sentences[first:]:
        if not is_item(text[s:e]):
            break
        items.append(Span(rank, s, e))
    if len(items) < 2 or end > items[-1].end:
        return None
    return head + items


def same_lead(a: str, b: str, words: int = LEAD_WORDS) -> bool:
    """Whether two sentences open with the same words (the shape of an enumeration over sections)."""
    wa, wb = a.lower().split()[:words], b.lower().split()[:words]
    return len(wa) == words and wa == wb


def sections_in_sequence(passages: Sequence[ScoredChunk], rank: int, sentence: str) -> list[int]:
    """Ranks of the passages that continue ``passages[rank]``'s enumeration in adjacent sections, in order."""
    base = passages[rank].chunk
    by_ordinal = {
        p.chunk.ordinal: i for i, p in enumerate(passages) if p.chunk.document_id == base.document_id
    }
    chain = [rank]
    for step in (-1, 1):
        ordinal = base.ordinal + step
        while ordinal in by_ordinal and same_lead(passages[by_ordinal[ordinal]].chunk.text.strip(), sentence):
            chain.append(by_ordinal[ordinal])
            ordinal += step
    return sorted(chain, key=lambda i: passages[i].chunk.ordinal) if len(chain) > 1 else []
