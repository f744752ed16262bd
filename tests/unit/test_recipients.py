"""Recipients: a part of a sum is asked by where it went or who gets it."""

from __future__ import annotations

import pytest

from planbot.answer.recipients import recipient


@pytest.mark.parametrize(
    ("question", "to"),
    [
        ("Hur mycket av modellens pengar gick till regionbiblioteken 2023?", "regionbiblioteken"),
        ("Hur stor andel av pengarna går till Karlstads bibliotek?", "karlstads bibliotek"),
        ("How much of the 40 million went to libraries in Värmland?", "libraries in värmland"),
        ("Hur mycket av stödet ska gå till att få vuxna att läsa mer?", ""),  # a purpose, not a recipient
        ("Hur mycket pengar går till biblioteken?", ""),  # the sum itself, not a part of one
        # Who gets it: not the asker, whose own share is a rate or a ceiling.
        ("How much money would municipalities themselves get under the new law?", "municipalities"),
        ("Hur mycket skulle kommunerna själva få fördela?", "kommunerna"),
        ("How much can we get?", ""),
        ("Hur mycket kommer det att kosta?", ""),
        # Several words, or whose grant it is: a name as written, which a Swedish name reads the same as.
        (
            "How much funding did the Swedish Institute for Children's Books receive in 2024?",
            "swedish institute for children's books",
        ),
        ("What is Svenska barnboksinstitutet's total annual grant?", "Svenska barnboksinstitutet"),
        ("What is the National Library's annual grant?", "National Library"),
        ("What is the library's budget?", ""),  # no one named
        ("What is Region Värmland's plan?", ""),  # no sum asked
    ],
)
def test_a_part_of_a_sum_names_where_it_went(question: str, to: str) -> None:
    assert recipient(question) == to
