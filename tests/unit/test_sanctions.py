"""Sanctions: a question asking what penalty follows is answered only by a passage stating one."""

from __future__ import annotations

import pytest

from planbot.answer.sanctions import asks_sanction, states_sanction

REQUIREMENT = "Från och med 1 juli 2025 ska elever ha tillgång till bemannade skolbibliotek."
PENALTY = "Den som bryter mot bestämmelserna döms till böter eller fängelse i högst två år."


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Kan huvudmannen få vite om skolbiblioteket inte är bemannat?", True),
        ("Vad kan man få för straff om man bryter mot upphovsrätten?", True),
        ("What fine does a school face if its library is not staffed?", True),
        ("Is it fine to copy a page for a borrower?", False),  # "fine" as in "all right"
        ("Vad händer med ersättningen när författaren dör?", False),
    ],
)
def test_a_question_asking_for_a_penalty(question: str, asks: bool) -> None:
    assert asks_sanction(question) is asks


@pytest.mark.parametrize(("passage", "states"), [(REQUIREMENT, False), (PENALTY, True)])
def test_a_requirement_is_not_a_penalty(passage: str, states: bool) -> None:
    assert states_sanction([passage]) is states
