"""Swedish compound splitting in the BM25 index: biblioteksplan finds 'plan för biblioteket' and back."""

from __future__ import annotations

import pytest

from planbot.lexical import LexicalIndex, split_compound

VOCABULARY = {"bibliotek", "plan", "skola", "läsning", "kultur", "barn"}


@pytest.mark.parametrize(
    ("token", "parts"),
    [
        ("biblioteksplan", ["bibliotek", "plan"]),  # linking -s-
        ("kulturplan", ["kultur", "plan"]),  # no linking letter
        ("skolabibliotek", ["skola", "bibliotek"]),
        ("planbibliotek", ["plan", "bibliotek"]),
        ("barnbok", []),  # 'bok' is shorter than a part may be
        ("okändplan", []),  # the head is not a known word
        ("plan", []),  # too short to be two words
    ],
)
def test_a_compound_splits_into_known_words_of_four_letters_or_more(token: str, parts: list[str]) -> None:
    assert split_compound(token, VOCABULARY) == parts


def test_the_longest_known_tail_is_tried_first() -> None:
    assert split_compound("läsningsplan", {"läsning", "plan", "ningsplan", "läs"}) == ["läsning", "plan"]


TEXTS = [
    "Kommunen ska ha en plan för biblioteket och dess verksamhet.",
    "Skolan erbjuder läsning för barn varje vecka.",
    "Regionen antar en kulturplan med mål för konsten.",
]


@pytest.mark.parametrize(("compounds", "found"), [("split", True), ("none", False)])
def test_a_compound_question_finds_the_passage_that_writes_its_parts_apart(
    compounds: str, found: bool
) -> None:
    index = LexicalIndex(TEXTS, compounds=compounds)  # type: ignore[arg-type]
    scores = index.scores("Vad säger biblioteksplanen?")
    assert bool(scores[0] > 0 and int(scores.argmax()) == 0) is found


def test_split_parts_are_added_to_the_question_tokens_only_when_splitting() -> None:
    assert {"bibliotek", "plan"} <= set(LexicalIndex(TEXTS).query_tokens("biblioteksplan"))
    assert "plan" not in LexicalIndex(TEXTS, compounds="none").query_tokens("biblioteksplan")
