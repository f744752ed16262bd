"""Extractive answers and refusal, with stored sentence vectors faked."""

from __future__ import annotations

import numpy as np
import pytest

from planbot.answer import REFUSAL, ExtractiveAnswerer, RefusalRule, detect_language, verify_citations
from planbot.records import Chunk, Citation, ScoredChunk, SentenceVector

LAW = (
    "Bibliotekshuvudmän är kommunerna, regionerna, staten och, i fråga om vissa skolor, enskilda.\n\n"
    "1. För folkbibliotek ansvarar kommunerna.\n\n"
    "2. För skolbibliotek ansvarar kommuner, regioner, staten eller enskilda huvudmän."
)
OTHER = "Regeringen har gett Kungliga biblioteket i uppdrag att ta fram en nationell biblioteksstrategi."


def _chunk(cid: str, text: str, doc: str = "lag") -> Chunk:
    return Chunk(id=cid, document_id=doc, ordinal=0, text=text, locator="3 §", title="Bibliotekslag")


def _unit(chunk: Chunk, sentence: str, lead: str | None = None) -> tuple[int, int]:
    end = chunk.text.index(sentence) + len(sentence)
    start = chunk.text.index(lead) if lead else chunk.text.index(sentence)
    return start, end


def _answerer(
    vectors: dict[tuple[str, int, int], float], rule: RefusalRule | None = None
) -> ExtractiveAnswerer:
    """Sentence 'vectors' whose dot product with the query vector [1, 0] is the given similarity."""

    def lookup(ids: list[str]) -> list[SentenceVector]:
        out = []
        for (cid, start, end), sim in vectors.items():
            if cid in ids:
                out.append(SentenceVector(cid, start, end, np.array([sim, 0.0], dtype=np.float32)))
        return out

    return ExtractiveAnswerer(lookup, lambda q, texts: 1.0, rule)


QUERY = np.array([1.0, 0.0], dtype=np.float32)


def _passage(chunk: Chunk, score: float = 2.0, sentence: float = 0.9) -> ScoredChunk:
    return ScoredChunk(chunk, score, dense=0.88, lexical=1.0, sentence=sentence)


def test_picks_the_answering_sentence_not_the_first_one() -> None:
    chunk = _chunk("c1", LAW)
    first, second = (
        _unit(chunk, "enskilda."),
        _unit(
            chunk,
            "2. För skolbibliotek ansvarar kommuner, regioner, staten eller enskilda huvudmän.",
            "Bibliotekshuvudmän",
        ),
    )
    answerer = _answerer({("c1", *first): 0.80, ("c1", *second): 0.93})
    answer = answerer.answer("Vem ansvarar för skolbiblioteken?", QUERY, [_passage(chunk)])
    assert not answer.refused
    assert "För skolbibliotek ansvarar" in answer.text and answer.text.endswith("[1]")
    # The list item keeps the sentence that introduces the list.
    assert answer.citations[0].quote.startswith("Bibliotekshuvudmän är kommunerna")


def test_prefers_the_lead_in_alone_when_it_answers_as_well() -> None:
    chunk = _chunk("c1", LAW)
    lead = (0, LAW.index("enskilda.") + len("enskilda."))
    item = _unit(chunk, "1. För folkbibliotek ansvarar kommunerna.", "Bibliotekshuvudmän")
    answer = _answerer({("c1", *lead): 0.91, ("c1", *item): 0.92}).answer(
        "Vilka är bibliotekshuvudmän?", QUERY, [_passage(chunk)]
    )
    assert answer.citations[0].quote == LAW[: lead[1]]


def test_every_citation_quote_is_verbatim_from_its_passage() -> None:
    chunk = _chunk("c1", LAW)
    good = Citation(1, chunk, "För folkbibliotek ansvarar kommunerna.", 1.0)
    invented = Citation(2, chunk, "Biblioteken ska vara öppna dygnet runt.", 1.0)
    assert verify_citations([good, invented]) == [good]


def test_cites_another_document_only_when_it_continues_the_best_one() -> None:
    law, other = _chunk("c1", LAW), _chunk("c2", OTHER, doc="strategi")
    vectors = {("c1", *_unit(law, "enskilda.")): 0.92, ("c2", 0, len(OTHER)): 0.92}
    answer = _answerer(vectors).answer(
        "Vilka är bibliotekshuvudmän?", QUERY, [_passage(law), _passage(other)]
    )
    assert {c.chunk.document_id for c in answer.citations} == {"lag"}


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Vilka är bibliotekshuvudmän?", "sv"),
        ("What is the purpose of the Swedish library act?", "en"),
        ("What did the bill Läsa för livet propose regarding e-books?", "en"),
        ("Vad säger lagen om nationella minoriteter?", "sv"),
    ],
)
def test_detects_the_question_language(question: str, language: str) -> None:
    assert detect_language(question) == language


@pytest.mark.parametrize(
    ("sentence", "coverage", "language", "refused"),
    [
        (0.78, 1.0, "sv", True),  # nothing close in meaning
        (0.85, 0.2, "sv", True),  # close-ish, but the question's rare words are not in the passages
        (0.85, 0.8, "sv", False),
        (0.90, 0.0, "sv", False),  # very close in meaning: paraphrases may share no words
        (0.82, 0.0, "en", False),  # English over Swedish text: similarity is all there is
    ],
)
def test_refusal_rule_combines_similarity_and_word_coverage(
    sentence: float, coverage: float, language: str, refused: bool
) -> None:
    chunk = _chunk("c1", LAW)
    rule = RefusalRule(min_sentence=0.80, min_coverage=0.45, coverage_below=0.875)
    passage = _passage(chunk, sentence=sentence)
    assert rule.should_refuse("fråga", language, [passage], lambda q, t: coverage) is refused  # type: ignore[arg-type]


def test_refuses_in_the_question_language_with_no_citations() -> None:
    chunk = _chunk("c1", LAW)
    answer = _answerer({}).answer(
        "Who won the Eurovision Song Contest?", QUERY, [_passage(chunk, sentence=0.7)]
    )
    assert answer.refused and answer.text == REFUSAL["en"] and answer.citations == ()


def test_refuses_when_no_passage_matches() -> None:
    answer = _answerer({}).answer("Hur bokar jag en tvättstuga?", QUERY, [])
    assert answer.refused and answer.text == REFUSAL["sv"]
