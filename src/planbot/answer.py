"""Extractive answers: the sentences of the best passages that answer, each cited; or a refusal."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planbot.lexical import STOPWORDS, stems, words
from planbot.records import Answer, Citation, Language, ScoredChunk, SentenceVector, Vectors

REFUSAL: dict[Language, str] = {
    "sv": "Jag hittar inget svar på det i dokumenten.",
    "en": "I can't find that in the documents.",
}

_SV_HINTS = frozenset(
    "och att det som är inte för med har vad vilka vilken vem hur varför får ska kan finns när enligt "
    "om gäller säger eller måste på en ett de den vid till av hos ska sig".split()
)
_EN_HINTS = frozenset(
    "the what which who how why is are does do can must should of for and about according "
    "library libraries law act say says did was were has have when where to on an be in".split()
)


def detect_language(text: str) -> Language:
    """Swedish or English, from letters and common words (questions are short, so keep it simple)."""
    toks = words(text)
    # Names like "Läsa för livet" put Swedish letters in English questions: count words first.
    sv = sum(t in _SV_HINTS for t in toks)
    en = sum(t in _EN_HINTS for t in toks)
    if en == sv:
        return "sv" if re.search(r"[åäö]", text.lower()) or not en else "en"
    return "en" if en > sv else "sv"


def content_stems(text: str) -> set[str]:
    """The question's meaningful stems (stopwords and one-letter tokens dropped)."""
    return {s for s in stems(text) if len(s) > 1 and s not in STOPWORDS}


Coverage = Callable[[str, list[str]], float]


@dataclass(frozen=True)
class RefusalRule:
    """When to refuse; the defaults were chosen with eval/tune.py on the shipped eval set.

    The best sentence's similarity alone cannot separate answerable from unanswerable questions
    in this corpus (their ranges overlap), so a Swedish question that is not very close in meaning
    must also find most of its rare words in the top passages.
    """

    min_sentence: float = 0.80
    min_coverage: float = 0.45
    coverage_below: float = 0.875

    def should_refuse(
        self, question: str, language: Language, passages: Sequence[ScoredChunk], coverage: Coverage
    ) -> bool:
        """Apply the rule to the ranked passages."""
        if not passages:
            return True
        best = passages[0]
        similarity = best.sentence if best.sentence is not None else (best.dense or 0.0)
        if similarity < self.min_sentence:
            return True
        # English questions over Swedish text share no words with it: similarity is all there is.
        if language == "sv" and similarity < self.coverage_below:
            texts = [f"{p.chunk.title} {p.chunk.text}" for p in passages[:3]]
            return coverage(question, texts) < self.min_coverage
        return False


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
        coverage: Coverage,
        rule: RefusalRule | None = None,
        *,
        max_sentences: int = 3,
        passages_considered: int = 2,
        sentence_margin: float = 0.03,
        passage_margin: float = 0.01,
    ) -> None:
        self._sentences = sentences
        self._coverage = coverage
        self.rule = rule or RefusalRule()
        self.passage_margin = passage_margin
        self.max_sentences = max_sentences
        self.passages_considered = passages_considered
        self.sentence_margin = sentence_margin

    def answer(self, question: str, query_vector: Vectors, passages: Sequence[ScoredChunk]) -> Answer:
        """Answer ``question`` from ``passages`` (best first), or refuse."""
        language = detect_language(question)
        if self.rule.should_refuse(question, language, passages, self._coverage):
            return Answer(question, REFUSAL[language], True, language, (), tuple(passages))
        picks = self._pick(question, query_vector, passages)
        citations, parts = build_citations(passages, picks)
        if not citations:
            return Answer(question, REFUSAL[language], True, language, (), tuple(passages))
        return Answer(question, " ".join(parts), False, language, tuple(citations), tuple(passages))

    def _pick(self, question: str, qv: Vectors, passages: Sequence[ScoredChunk]) -> list[_Pick]:
        top = list(passages[: self.passages_considered])
        # A second passage may add sentences only when it continues the best one's document
        # (9 § after 8 §): citations of other documents lowered precision on the eval set.
        top = top[:1] + [
            p
            for p in top[1:]
            if p.score >= top[0].score - self.passage_margin
            and p.chunk.document_id == top[0].chunk.document_id
        ]
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
        scored = _prefer_lead_ins(scored)
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


def _prefer_lead_ins(picks: list[_Pick], tolerance: float = 0.02) -> list[_Pick]:
    """Drop a list item (stored with its lead-in) when the lead-in alone answers about as well."""
    shortest: dict[tuple[int, int], _Pick] = {}
    for p in picks:
        key = (p.rank, p.start)
        if key not in shortest or p.end < shortest[key].end:
            shortest[key] = p
    return [
        p
        for p in picks
        if p is shortest[(p.rank, p.start)] or p.score > shortest[(p.rank, p.start)].score + tolerance
    ]


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
        parts.append(f"{' '.join(text.split())} [{n}]")
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
