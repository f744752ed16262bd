"""What someone said: answered only by a passage that quotes the party asked about."""

from __future__ import annotations

import pytest

from planbot.answer.statements import quotes, speaker_asked

ROUND_TABLE = (
    "Den 29 mars bjöd kulturminister Parisa Liljestrand in till rundabordssamtal om läsfrämjande. "
    "På mötet deltog företrädare för Kulturrådet, Läsrådet och Svensk biblioteksförening.\n\n"
    "– Läsning är ytterst en fråga om demokrati, säger kulturminister Parisa Liljestrand."
)
DIALOGUE = (
    "På agendan stod också fritidskortet. I samband med detta lyfte regionerna bland annat att det är "
    "viktigt att fritidskortet får en smidig administrativ lösning."
)


@pytest.mark.parametrize(
    ("question", "party"),
    [
        (
            "Vad tyckte Läsrådet och Svensk biblioteksförening om läsning?",
            "Läsrådet och Svensk biblioteksförening",
        ),
        ("Vilka insatser berättade Kulturrådet om på rundabordssamtalet?", "Kulturrådet"),
        ("Vad sa Kristdemokraternas talesperson om läsning?", "Kristdemokraternas talesperson"),
        # Not a party's words: a document says what it says, and the asker is no party.
        ("Vad sa propositionen om e-böcker?", None),
        ("Vad föreslog kultursamverkansutredningen om regionerna?", None),  # a document's compound
        ("Vad föreslog Svensk biblioteksförening på mötet?", "Svensk biblioteksförening"),
        ("Vad säger lagen om avgifter?", None),
        ("Vad tycker du om det?", None),
        ("What did the culture minister say about reading?", None),
    ],
)
def test_the_party_whose_words_a_question_asks_for(question: str, party: str | None) -> None:
    assert speaker_asked(question) == party


@pytest.mark.parametrize(
    ("question", "passage", "answered"),
    [
        # Listed among those who came is not what they said; the minister's words are not theirs.
        ("Vad tyckte Läsrådet och Svensk biblioteksförening på rundabordssamtalet?", ROUND_TABLE, False),
        ("Vilka läsfrämjande insatser berättade Kulturrådet om på rundabordssamtalet?", ROUND_TABLE, False),
        ("Vad sa kulturministern om läsning på rundabordssamtalet?", ROUND_TABLE, True),
        ("Vad tyckte regionerna om fritidskortet på mötet?", DIALOGUE, True),
        ("Vad säger lagen om rundabordssamtal?", ROUND_TABLE, True),
        ("Vad föreslog Svensk biblioteksförening på rundabordssamtalet?", ROUND_TABLE, False),
        # Every word of the party: another party's spokesperson is not this one's.
        (
            "Vad sa Kristdemokraternas talesperson om läsning?",
            "– Läsning är viktigt, säger Mattias Bengtsson, talesperson för Socialdemokraterna.",
            False,
        ),
        (
            "Vad sa Kristdemokraternas talesperson om läsning?",
            "– Läsning är viktigt, säger Mattias Bengtsson, talesperson för Kristdemokraterna.",
            True,
        ),
    ],
)
def test_what_a_party_said_is_answered_only_by_its_own_words(
    question: str, passage: str, answered: bool
) -> None:
    assert quotes(question, [passage]) is answered
