"""Two or three questions in one message: where they are cut, and what each keeps of the others."""

from __future__ import annotations

import pytest

from planbot.questions import Asked, asked_part, key_terms, split_questions


def test_question_words_and_filler_are_never_carried() -> None:
    assert key_terms("Okej, vem bestämmer grundbeloppet då?", "Hur många kronor är det?") == [
        "bestämmer",
        "grundbeloppet",
    ]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Vilka är bibliotekshuvudmän, och vad ska en biblioteksplan innehålla?",
            ["Vilka är bibliotekshuvudmän?", "Vad ska en biblioteksplan innehålla?"],
        ),
        (
            "Vem får ersättning ur författarfonden? Hur stort är grundbeloppet?",
            ["Vem får ersättning ur författarfonden?", "Hur stort är grundbeloppet?"],
        ),
        (
            "Who is responsible for public libraries and what must a library plan contain?",
            ["Who is responsible for public libraries?", "What must a library plan contain?"],
        ),
        (
            "Vem har ansvaret, och när började lagen gälla?",
            ["Vem har ansvaret?", "När började lagen gälla?"],
        ),
        (
            "Vilka är minoriteterna, och har KB fått något uppdrag om dem?",
            ["Vilka är minoriteterna?", "Har KB fått något uppdrag om dem?"],
        ),
        (
            "Vad säger lagen om fjärrlån? Och vad säger den om e-böcker? Och om talböcker?",
            ["Vad säger lagen om fjärrlån?", "Vad säger den om e-böcker?", "Om talböcker?"],
        ),
    ],
)
def test_a_message_asking_several_things_is_cut_into_its_questions(message: str, expected: list[str]) -> None:
    assert [a.question for a in split_questions(message)] == expected


@pytest.mark.parametrize(
    "message",
    [
        "Vilka grupper ska biblioteken prioritera och varför?",
        "Vem följer upp kommunernas biblioteksplaner och hur de används?",
        "Vem följer upp kommunernas biblioteksplaner och hur planerna används?",
        "Who follows up the plans and how the plans are used?",
        "Vilka grupper räknas som minoriteter och är skyddade?",
        "Hur och när ska planen följas upp?",
        "Får vi kopiera en hel bok åt en låntagare?",
        "Vi har en elev med dyslexi. Får vi läsa in en lärobok åt henne?",
        "När vi lånar ut e-böcker betalar vi per lån. Är det rimligt enligt lagen?",
        "Vad gäller? Får vi kopiera en hel bok åt en låntagare?",
        "Vad säger lagen om fjärrlån? Om e-böcker? Om talböcker? Om ljudböcker?",
    ],
)
def test_one_question_stays_whole(message: str) -> None:
    assert split_questions(message) == [Asked(message, message)]


def test_a_question_leaning_on_the_one_before_is_searched_with_its_key_words() -> None:
    _, second = split_questions("Vem ansvarar för folkbiblioteken och vem för skolbiblioteken?")
    assert second.question == "Vem för skolbiblioteken?"
    assert second.query == "Vem för skolbiblioteken? (ansvarar)"
    pronoun = split_questions("Vid vilka domstolar får man använda samiska, och vad innebär den rätten?")[1]
    assert "samiska" in pronoun.query and "samiska" not in pronoun.question
    _, if_so = split_questions(
        "Får vi kopiera en tidskriftsartikel åt en låntagare, och får hon i så fall ta hem papperskopian?"
    )
    assert "tidskriftsartikel" in if_so.query


@pytest.mark.parametrize(
    "message",
    [
        "Vad säger bibliotekslagen om avgifter? Vad är upphovsrätt?",
        "Måste kommunen ha folkbibliotek? Vad är meänkieli?",
        "Can libraries charge late fees? What is meänkieli?",
    ],
)
def test_a_short_second_question_of_its_own_is_searched_without_the_first_ones_words(message: str) -> None:
    _, second = split_questions(message)
    assert second.query == second.question


def test_each_question_keeps_the_situation_the_message_describes() -> None:
    asked = split_questions(
        "Vi har en elev med dyslexi. Får vi läsa in en lärobok åt henne? Och får vi låna ut inspelningen?"
    )
    assert [a.question for a in asked] == [
        "Får vi läsa in en lärobok åt henne?",
        "Får vi låna ut inspelningen?",
    ]
    assert all(a.query.startswith("Vi har en elev med dyslexi. ") for a in asked)


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        (
            "En låntagare vill veta vad det kostar. Hur hög avgift får biblioteket ta ut?",
            "Hur hög avgift får biblioteket ta ut?",
        ),
        ("Our school is hiring. What salary is assumed?", "What salary is assumed?"),
        ("Vad kostar reformen?", "Vad kostar reformen?"),
        ("Jag undrar över avgifter.", "Jag undrar över avgifter."),  # no question: all of it
    ],
)
def test_what_a_message_asks_is_its_question_sentences(message: str, asked: str) -> None:
    assert asked_part(message) == asked


def test_the_key_words_a_chat_follow_up_carries_are_every_questions_topic() -> None:
    asked = split_questions("Vilka samarbetar de med? Och vad gör de för skolor? (bibliotek värmland)")
    assert [a.question for a in asked] == ["Vilka samarbetar de med?", "Vad gör de för skolor?"]
    assert all(a.query.endswith("(bibliotek värmland)") for a in asked)
