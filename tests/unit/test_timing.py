"""Timing: a sentence's date answers only when it is of the time the question asks about."""

from __future__ import annotations

import pytest

from planbot.answer.timing import asks_ahead, of_the_time_asked


@pytest.mark.parametrize(
    ("sentence", "question", "of_the_time"),
    [
        # A page's own date line says nothing of when the next thing will be.
        ("Publicerad 22 april 2022.", "När är nästa dialog?", False),
        ("Publicerad 22 april 2022.", "När publicerades strategin?", True),
        # A deadline is when something was due, not when it was done.
        ("KB ska lämna rapporten senast den 1 mars 2019.", "När lämnade KB rapporten?", False),
        ("KB ska lämna rapporten senast den 1 mars 2019.", "När ska KB lämna rapporten?", True),
        # A date since moved: the new one answers, the one before it does not.
        (
            "Enligt uppdraget ska KB redovisa senast den 1 oktober 2017.",
            "Till när sköts redovisningen upp?",
            False,
        ),
        (
            "KB föreslog att redovisningen istället lämnas i maj 2018.",
            "Till när sköts redovisningen upp?",
            True,
        ),
        ("Enligt uppdraget ska KB redovisa senast den 1 oktober 2017.", "När ska KB redovisa?", True),
    ],
)
def test_a_date_answers_only_the_time_asked_about(sentence: str, question: str, of_the_time: bool) -> None:
    assert of_the_time_asked(sentence, question) is of_the_time


@pytest.mark.parametrize(
    ("question", "ahead"),
    [
        ("När ska regeringen fatta beslut om förslaget?", True),
        ("When will the service start?", True),
        ("När beslutade regeringen om uppdraget?", False),
        ("When did the government decide to appoint the inquiry?", False),
    ],
)
def test_a_question_about_what_is_still_to_come(question: str, ahead: bool) -> None:
    assert asks_ahead(question) is ahead
