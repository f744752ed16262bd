"""Findings: a question asking what was concluded, found, recommended or chosen needs a sentence saying so."""

from __future__ import annotations

import pytest

from planbot.answer.findings import asks_finding, states_finding


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What did the National Library conclude in its 2023 interim report?", True),
        ("What did the report on music venues recommend?", True),
        ("What were the inquiry's main findings?", True),
        ("Vad kom KB fram till i delredovisningen?", True),
        ("Vilka slutsatser drog utredningen?", True),
        ("Vad rekommenderar rapporten om spelplatser?", True),
        ("Where can I find the library plan?", False),  # "find" as in "look up"
        ("What can we find in the regional library plan about reading?", False),
        ("Vad ska biblioteksplanen innehålla?", False),
        # What was decided or chosen.
        ("Vilken standard för e-boklån har KB bestämt sig för?", True),
        ("Which e-book platform did it end up choosing?", True),
        ("Vilken plattform valde regionen?", True),
        ("Vilken standard har Kungliga biblioteket valt?", True),
        ("Får vi välja vilka böcker vi köper in?", False),
        # What came of something.
        ("What came out of the round-table talks on e-book lending?", True),
        ("Vad blev det av rundabordssamtalet?", True),
        ("Vad kom det ut av samtalen?", True),
        ("Where did the talks come from?", False),
        # What was decided, the thing asked first.
        ("Vilka åtgärder beslutade regeringen efter rundabordssamtalet?", True),
        ("What measures did the government decide on after the meeting?", True),
        ("What forms of cooperation did KB propose in its interim report?", True),
        ("Vilken myndighet beslutar om bidragen?", False),  # who decides: a rule, not a decision made
        ("What did the bill propose regarding e-books?", False),  # a bill states its proposals as "bör"
    ],
)
def test_a_question_asking_for_a_finding(question: str, asks: bool) -> None:
    assert asks_finding(question) is asks


@pytest.mark.parametrize(
    ("sentence", "states"),
    [
        ("KB ska lämna en delredovisning senast den 1 september 2023.", False),
        ("Rapporten konstaterar att tillgången till spelplatser är ojämn.", True),
        ("Utredningen föreslår att kulturplanerna ska gälla i fyra år.", True),
        ("KB kom fram till att samverkan behöver stärkas.", True),
        # Why a standard is wanted is not which one was chosen.
        ("Många tar i dag del av böcker digitalt, men möjligheten skiljer sig åt.", False),
        ("Biblioteken har enats om en gemensam standard för e-boklån.", True),
        ("KB decided to use a shared licence model.", True),
        ("Fredagen den 22 april 2022 presenterades strategin för ett starkt biblioteksväsende.", False),
    ],
)
def test_a_deadline_or_a_reason_is_not_a_finding(sentence: str, states: bool) -> None:
    assert states_finding(sentence) is states
