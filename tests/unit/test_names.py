"""Names: a question asking which municipalities or organisations is answered by a sentence naming some."""

from __future__ import annotations

import pytest

from planbot.answer.names import asks_for_names, names_some

MAY_APPLY = "Andra kommuner än de som anges i 6 § kan efter ansökan få ingå i förvaltningsområdet."
LISTED = "Med förvaltningsområdet för meänkieli avses kommunerna Gällivare, Haparanda och Kiruna."


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Vilka kommuner har ansökt om att gå med i förvaltningsområdet?", True),
        ("Vilka organisationer deltog i rundabordssamtalet?", True),
        ("Vilken myndighet ska ha nationell överblick?", False),  # "den myndighet som regeringen bestämmer"
        ("Vilka krav ställer lagen på kommunerna?", False),
    ],
)
def test_a_question_asking_for_names(question: str, asks: bool) -> None:
    assert asks_for_names(question) is asks


@pytest.mark.parametrize(
    ("sentence", "question", "names"),
    [
        (MAY_APPLY, "Vilka kommuner har ansökt?", False),  # a rule about municipalities names none
        (LISTED, "Vilka kommuner ingår i förvaltningsområdet för meänkieli?", True),
        # The name the question gives is not an answer to it.
        ("Region Värmland samordnar biblioteken.", "Vilka kommuner i Värmland har meröppet?", False),
    ],
)
def test_a_sentence_names_something_the_question_does_not(sentence: str, question: str, names: bool) -> None:
    assert names_some([sentence], question) is names
