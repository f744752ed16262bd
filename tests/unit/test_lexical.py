"""BM25 over segments: one segment scores as bm25s does; several score with the IDFs of the whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planbot.lexical import LexicalIndex, LexicalSegment

TEXTS = [
    "Biblioteksplanen beskriver hur kommunen ska utveckla folkbiblioteket.",
    "Skolbiblioteket ska finnas i varje grundskola enligt skollagen.",
    "Regionen ansvarar för den regionala biblioteksverksamheten och dess planer.",
    "Läsfrämjande för barn och unga är ett prioriterat område för biblioteken.",
    "Kommunen ska anta en plan för sin biblioteksverksamhet.",
    "Folkbiblioteken ska verka för det demokratiska samhällets utveckling.",
]
QUESTIONS = ["Vad ska biblioteksplanen innehålla?", "skolbibliotek i grundskolan", "läsfrämjande barn"]


def _segments(texts: list[str], cut: int) -> list[LexicalSegment]:
    whole = LexicalIndex(texts)
    return [
        LexicalSegment.build(LexicalIndex.tokenise(part, whole.vocabulary))
        for part in (texts[:cut], texts[cut:])
    ]


@pytest.mark.parametrize("question", QUESTIONS)
def test_segments_rank_as_one_index_would(question: str) -> None:
    whole = LexicalIndex(TEXTS)
    split = LexicalIndex(segments=_segments(TEXTS, 4))
    a, b = whole.scores(question), split.scores(question)
    assert len(b) == len(TEXTS)
    # Length normalisation is per segment, so scores differ a little; the ranking of hits must not.
    hits = a > 0
    assert np.array_equal(hits, b > 0)
    assert list(np.argsort(-a[hits], kind="stable")) == list(np.argsort(-b[hits], kind="stable"))


def test_idf_and_vocabulary_span_every_segment() -> None:
    whole = LexicalIndex(TEXTS)
    split = LexicalIndex(segments=_segments(TEXTS, 2))
    for token in ("kommun", "bibliotek", "okändaord"):
        assert split.idf(token) == pytest.approx(whole.idf(token))
    # "biblioteksverksamhet" splits against words that only the other segment holds.
    assert split.query_tokens("biblioteksverksamhet") == whole.query_tokens("biblioteksverksamhet")


def test_saved_segment_loads_memory_mapped_and_scores_the_same(tmp_path: Path) -> None:
    built = LexicalSegment.build(LexicalIndex.tokenise(TEXTS, set()))
    built.save(tmp_path / "seg")
    loaded = LexicalSegment.load(tmp_path / "seg", mmap=True)
    assert isinstance(loaded._bm25.scores["data"], np.memmap)
    q = LexicalIndex(segments=[built]).query_tokens("kommunens biblioteksplan")
    assert np.allclose(built.raw_scores(q), loaded.raw_scores(q))
    assert loaded.df == built.df


def test_mask_zeroes_what_is_filtered_out() -> None:
    index = LexicalIndex(segments=_segments(TEXTS, 3))
    mask = np.array([True, False, True, False, True, False])
    scores = index.scores("bibliotek kommun", mask)
    assert not scores[~mask].any() and scores[mask].any()


@pytest.mark.parametrize("texts", [[], ["", ""]])
def test_empty_input_scores_nothing(texts: list[str]) -> None:
    index = LexicalIndex(texts)
    assert not index.scores("bibliotek").any()


@pytest.mark.parametrize(
    ("word", "used"),
    [
        ("Skollagen", True),
        ("Kommunens", True),  # an inflection of a word the texts use
        ("Folkbiblioteksplanen", True),  # a compound of words the texts use
        ("Arvika", False),
        ("Ett", True),  # only stopwords, which are not indexed: nothing to rule out
    ],
)
def test_knows_which_words_the_indexed_texts_use(word: str, used: bool) -> None:
    assert LexicalIndex(TEXTS).uses(word) is used
