"""The offline follow-up rewriter: topic shifts, ellipsis, English follow-ups."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planbot.answer import REFUSAL
from planbot.conversation.service import (
    Rewriter,
    in_language_of,
    shifts_topic,
    without_topic_shift,
)
from planbot.records import Answer


@pytest.mark.parametrize(
    ("earlier", "message", "expected"),
    [
        (
            "Vad kostar reformen med bemannade skolbibliotek från 2026?",
            "Nåt helt annat: får vi kopiera artiklar åt låntagare som beställer dem?",
            "får vi kopiera artiklar åt låntagare som beställer dem?",
        ),
        (
            "Vad ska en regional kulturplan innehålla?",
            "Ny fråga: får låntagare kopiera några sidor ur en bok?",
            "får låntagare kopiera några sidor ur en bok?",
        ),
        ("Who funds regional libraries?", "Another question: can we lend out DVDs?", "can we lend out DVDs?"),
    ],
)
def test_a_topic_shift_carries_nothing_of_the_earlier_question(
    earlier: str, message: str, expected: str
) -> None:
    assert shifts_topic(message)
    assert Rewriter().rewrite(message, [earlier]) == expected


def test_a_topic_shift_without_an_opening_clause_is_searched_as_asked() -> None:
    message = "Nu en helt annan fråga om upphovsrätt och kopiering"
    assert without_topic_shift(message) == message
    assert Rewriter().rewrite(message, ["Vem ansvarar för skolbiblioteken?"]) is None


@pytest.mark.parametrize(
    ("earlier", "message"),
    [
        ("Får folkbiblioteket ta ut förseningsavgifter?", "Vad är ett herrelöst verk?"),
        ("Måste kommunen ha en biblioteksplan?", "Vad är biblioteksersättning?"),
        ("Can the public library charge late fees?", "What is meänkieli?"),
        ("Vem ansvarar för skolbiblioteken?", "Vem leder Kulturrådet?"),
    ],
)
def test_a_short_question_of_its_own_is_searched_as_asked(earlier: str, message: str) -> None:
    # Brevity alone made these follow-ups: "Vad är ett herrelöst verk? (folkbiblioteket förseningsavgifter)".
    assert Rewriter().rewrite(message, [earlier]) is None


@pytest.mark.parametrize(
    ("earlier", "message", "carried"),
    [
        ("Vilka sitter i Samverkansrådet?", "Vem är ordförande?", "Samverkansrådet"),
        ("Får folkbiblioteket ta ut avgifter för förseningar?", "What is the fee?", "förseningar"),
        ("Vem ansvarar för folkbiblioteken?", "Vem bestämmer?", "folkbiblioteken"),
        ("Vad är en kulturplan?", "Vad är det också?", "kulturplan"),
    ],
)
def test_a_short_question_naming_nothing_of_its_own_still_leans_on_the_one_before(
    earlier: str, message: str, carried: str
) -> None:
    query = Rewriter().rewrite(message, [earlier])
    assert query is not None and carried.lower() in query.removeprefix(message).lower()


@pytest.mark.parametrize(
    ("earlier", "message", "carried", "dropped"),
    [
        # The ellipsis names the new thing; the earlier thing it replaces is not carried.
        ("Hur mycket får en författare per hemlån i biblioteksersättning?", "Och en översättare?",
         "biblioteksersättning", "författare"),
        ("Vad säger lagen om folkbiblioteken och läsfrämjande?", "Och för skolbiblioteken?",
         "läsfrämjande", "folkbiblioteken"),
        ("Hur länge gäller upphovsrätten för en bok?", "Och för ett foto?", "upphovsrätten", "hur"),
    ],
)  # fmt: skip
def test_an_ellipsis_carries_the_topic_but_not_the_thing_it_replaces(
    earlier: str, message: str, carried: str, dropped: str
) -> None:
    query = Rewriter().rewrite(message, [earlier])
    assert query is not None and query.startswith(message)
    assert carried in query and dropped not in query.removeprefix(message)


def test_an_english_follow_up_to_a_swedish_question_gets_the_swedish_terms() -> None:
    query = Rewriter().rewrite(
        "Who checks how those plans are actually used?", ["Måste kommunen ha en biblioteksplan?"]
    )
    assert query is not None and "biblioteksplan" in query and "kommunen" in query
    assert " en " not in query.removeprefix("Who checks how those plans are actually used?")


@pytest.mark.parametrize(
    ("earlier", "message", "expected"),
    [
        (
            "Har Region Värmland en regional biblioteksplan?",
            "Vilka är de viktigaste prioriteringarna i den planen?",
            "Vilka är de viktigaste prioriteringarna i Region Värmlands regionala biblioteksplan?",
        ),
        (
            "Vad står det i Karlstads biblioteksplan om läsfrämjande?",
            "Vad står i planen om äldre?",
            "Vad står i Karlstads biblioteksplan om äldre?",
        ),
        (
            "Does Karlstad have a library plan?",
            "What does that plan say about children?",
            "What does Karlstad's library plan say about children?",
        ),
    ],
)
def test_a_follow_up_about_the_plan_names_the_plan_the_conversation_named(
    earlier: str, message: str, expected: str
) -> None:
    assert Rewriter().rewrite(message, [earlier]) == expected


def test_the_plan_with_no_owner_named_before_is_left_to_the_usual_rewriting() -> None:
    query = Rewriter().rewrite("Vad står i den planen om barn?", ["Måste kommunen ha en biblioteksplan?"])
    assert query is not None and query.startswith("Vad står i den planen om barn?")


def test_a_refused_follow_up_is_refused_in_the_language_of_the_message() -> None:
    refused = Answer("q (kommunen biblioteksplan)", REFUSAL["sv"], True, "sv", (), ())
    english = in_language_of("And how much did it cost?", refused)
    assert english.refused and english.text == REFUSAL["en"] and english.language == "en"
    answered = replace(refused, refused=False, text="Kommuner ska anta biblioteksplaner. [1]")
    assert in_language_of("And who checks them?", answered) is answered
