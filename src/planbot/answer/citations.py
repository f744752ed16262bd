"""Citations: the picked sentences, numbered by passage, each quote checked against its passage."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from planbot.answer.lists import is_item
from planbot.records import Citation, ScoredChunk


@dataclass(frozen=True)
class Pick:
    """A sentence (a span of a passage's text) chosen for the answer, with its score."""

    rank: int  # index into the passages
    start: int
    end: int
    score: float


def join_sentences(parts: Sequence[str]) -> str:
    """The answer's sentences in one text; list items each on a line of their own."""
    out = ""
    for part in parts:
        out += ("\n" if out and is_item(part) else " " if out else "") + part
    return out


def prefer_lead_ins(picks: list[Pick], tolerance: float = 0.02) -> list[Pick]:
    """Drop a list item (stored with its lead-in) when the lead-in alone answers about as well."""
    shortest: dict[tuple[int, int], Pick] = {}
    for p in picks:
        key = (p.rank, p.start)
        if key not in shortest or p.end < shortest[key].end:
            shortest[key] = p
    return [
        p
        for p in picks
        if p is shortest[(p.rank, p.start)] or p.score > shortest[(p.rank, p.start)].score + tolerance
    ]


def overlaps(a: Pick, b: Pick) -> bool:
    return a.rank == b.rank and a.start < b.end and b.start < a.end


def build_citations(
    passages: Sequence[ScoredChunk], picks: Sequence[Pick]
) -> tuple[list[Citation], list[str]]:
    """Number the cited passages in order of use and write each picked sentence with its marker."""
    numbers: dict[int, int] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    parts: list[str] = []
    for pick in picks:
        n = numbers.setdefault(pick.rank, len(numbers) + 1)
        spans.setdefault(pick.rank, []).append((pick.start, pick.end))
        text = passages[pick.rank].chunk.text[pick.start : pick.end].strip()
        parts.append(f"{' '.join(text.split())} [{n}]")
    citations = []
    for rank, n in numbers.items():
        passage = passages[rank]
        start = min(s for s, _ in spans[rank])
        end = max(e for _, e in spans[rank])
        quote = passage.chunk.text[start:end].strip()
        ordered = sorted(spans[rank])
        gap = max((b[0] - a[1] for a, b in itertools.pairwise(ordered)), default=0)
        if len(quote) > 600 and gap > 200:  # two distant sentences: quote the first, it is the best-placed
            s0, e0 = spans[rank][0]
            quote = passage.chunk.text[s0:e0].strip()
        citations.append(Citation(n, passage.chunk, quote, passage.score))
    return verify_citations(citations), parts


def verify_citations(citations: Sequence[Citation]) -> list[Citation]:
    """Keep only citations whose quote occurs verbatim in their passage."""
    return [c for c in citations if c.quote and c.quote in c.chunk.text]
