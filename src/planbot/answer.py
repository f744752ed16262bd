"""Extractive answers: the sentences of the best passages that answer, each cited; or a refusal."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .embedding import Vectors
from .index import SentenceVector
from .lexical import STOPWORDS, split_compound, stems, words
from .records import Answer, Citation, Language, ScoredChunk

REFUSAL: dict[Language, str] = {
    "sv": "Jag hittar inget svar på det i dokumenten.",
    "en": "I can't find that in the documents.",
}

_SV_HINTS = frozenset(
    "och att det som är inte för med har vad vilka vilken vem hur varför får ska kan finns när enligt "
    "om gäller säger eller måste".split()
)
_EN_HINTS = frozenset(
    "the what which who how why is are does do can must should of for and about according "
    "library libraries law act say says".split()
)


def detect_language(text: str) -> Language:
    """Swedish or English, from letters and common words (questions are short, so keep it simple)."""
    toks = words(text)
    sv = sum(t in _SV_HINTS for t in toks) + 2 * len(re.findall(r"[åäö]", text.lower()))
    en = sum(t in _EN_HINTS for t in toks)
    return "en" if en > sv else "sv"


def content_stems(text: str) -> set[str]:
    """The question's meaningful stems (stopwords and one-letter tokens dropped)."""
    return {s for s in stems(text) if len(s) > 1 and s not in STOPWORDS}


def overlap(question: str, passage: str) -> float:
    """Share of the question's content stems found in the passage, compounds split both ways."""
    q = content_stems(question)
    if not q:
        return 0.0
    p = content_stems(passage)
    vocab = {s for s in p if len(s) >= 4}
    parts = {part for s in p for part in split_compound(s, vocab | q)}
    hits = 0
    for s in q:
        pieces = split_compound(s, vocab)
        if s in p or s in parts or (pieces and all(x in p or x in parts for x in pieces)):
            hits += 1
    return hits / len(q)


@dataclass(frozen=True)
class RefusalRule:
    """Refuse unless the best passage is close enough in meaning and, when not very close, shares words."""

    min_dense: float = 0.80
    min_overlap: float = 0.34
    strong_dense: float = 0.86

    def should_refuse(self, question: str, best: ScoredChunk | None) -> bool:
        """Apply the rule to the best passage."""
        if best is None or best.dense is None:
            return True
        if best.dense < self.min_dense:
            return True
        if best.dense >= self.strong_dense:
            return False
        return overlap(question, best.chunk.title + " " + best.chunk.text) < self.min_overlap


@dataclass(frozen=True)
class _Pick:
    rank: int
    start: int
    end: int
    score: float


class ExtractiveAnswerer:
    """Builds an answer from the passages' own sentences, in their original wording."""

    def __init__(
        self,
        sentences: Callable[[list[str]], list[SentenceVector]],
        rule: RefusalRule | None = None,
        *,
        max_sentences: int = 3,
        passages_considered: int = 3,
        sentence_margin: float = 0.03,
    ) -> None:
        self._sentences = sentences
        self.rule = rule or RefusalRule()
        self.max_sentences = max_sentences
        self.passages_considered = passages_considered
        self.sentence_margin = sentence_margin

    def answer(self, question: str, query_vector: Vectors, passages: Sequence[ScoredChunk]) -> Answer:
        """Answer ``question`` from ``passages`` (best first), or refuse."""
        language = detect_language(question)
        best = passages[0] if passages else None
        if self.rule.should_refuse(question, best):
            return Answer(question, REFUSAL[language], True, language, (), tuple(passages))
        picks = self._pick(question, query_vector, passages)
        citations, parts = build_citations(passages, picks)
        if not citations:
            return Answer(question, REFUSAL[language], True, language, (), tuple(passages))
        return Answer(question, " ".join(parts), False, language, tuple(citations), tuple(passages))

    def _pick(self, question: str, qv: Vectors, passages: Sequence[ScoredChunk]) -> list[_Pick]:
        top = list(passages[: self.passages_considered])
        # Only passages nearly as good as the best one may contribute sentences.
        top = [p for p in top if p.score >= top[0].score - abs(top[0].score) * 0.05] or top[:1]
        rank_of = {p.chunk.id: i for i, p in enumerate(top)}
        q_stems = content_stems(question)
        scored: list[_Pick] = []
        for sv in self._sentences(list(rank_of)):
            text = top[rank_of[sv.chunk_id]].chunk.text[sv.start : sv.end]
            lexical = len(q_stems & content_stems(text)) / max(1, len(q_stems))
            scored.append(
                _Pick(rank_of[sv.chunk_id], sv.start, sv.end, float(sv.vector @ qv) + 0.05 * lexical)
            )
        if not scored:
            first = top[0].chunk.text
            return [_Pick(0, 0, len(first), 0.0)]
        scored.sort(key=lambda p: -p.score)
        ceiling = scored[0].score
        chosen: list[_Pick] = []
        for pick in scored:
            if pick.score < ceiling - self.sentence_margin or len(chosen) >= self.max_sentences:
                break
            if any(_overlaps(pick, c) for c in chosen):
                continue
            chosen.append(pick)
        return sorted(chosen, key=lambda p: (p.rank, p.start))


def _overlaps(a: _Pick, b: _Pick) -> bool:
    return a.rank == b.rank and a.start < b.end and b.start < a.end


def build_citations(
    passages: Sequence[ScoredChunk], picks: Sequence[_Pick]
) -> tuple[list[Citation], list[str]]:
    """Number the cited passages in order of use and write each picked sentence with its marker."""
    numbers: dict[int, int] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    parts: list[str] = []
    for pick in picks:
        n = numbers.setdefault(pick.rank, len(numbers) + 1)
        spans.setdefault(pick.rank, []).append((pick.start, pick.end))
        text = passages[pick.rank].chunk.text[pick.start : pick.end].strip()
        parts.append(f"{text} [{n}]")
    citations = []
    for rank, n in numbers.items():
        passage = passages[rank]
        start = min(s for s, _ in spans[rank])
        end = max(e for _, e in spans[rank])
        quote = passage.chunk.text[start:end].strip()
        if len(quote) > 600:  # two distant sentences: quote the first, it is the best-placed
            s0, e0 = spans[rank][0]
            quote = passage.chunk.text[s0:e0].strip()
        citations.append(Citation(n, passage.chunk, quote, passage.score))
    return verify_citations(citations), parts


def verify_citations(citations: Sequence[Citation]) -> list[Citation]:
    """Keep only citations whose quote occurs verbatim in their passage."""
    return [c for c in citations if c.quote and c.quote in c.chunk.text]
