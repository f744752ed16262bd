"""What a fact question asks about: the years it names, directly or relative to today."""

from __future__ import annotations

import pytest

from planbot.answer.kinds import asked_years, dated, recipient, years_in


@pytest.mark.parametrize(
    ("question", "this_year", "years"),
    [
        ("Hur många lån gjordes förra året?", 2026, {"2025"}),
        ("How much is the base amount this year?", 2026, {"2026"}),
        ("Vad får vi i fjol och nästa år?", 2030, {"2029", "2031"}),
        ("Hur många lån gjordes 2023?", 2026, {"2023"}),
        ("Hur många år gäller planen?", 2026, set()),  # "år" alone is no year
    ],
)
def test_a_year_named_relative_to_today_is_read_as_that_year(
    question: str, this_year: int, years: set[str]
) -> None:
    assert asked_years(dated(question, this_year)) == years


@pytest.mark.parametrize(
    ("question", "to"),
    [
        ("Hur mycket av modellens pengar gick till regionbiblioteken 2023?", "regionbiblioteken"),
        ("Hur stor andel av pengarna går till Karlstads bibliotek?", "karlstads bibliotek"),
        ("How much of the 40 million went to libraries in Värmland?", "libraries in värmland"),
        ("Hur mycket av stödet ska gå till att få vuxna att läsa mer?", ""),  # a purpose, not a recipient
        ("Hur mycket pengar går till biblioteken?", ""),  # the sum itself, not a part of one
    ],
)
def test_a_part_of_a_sum_names_where_it_went(question: str, to: str) -> None:
    assert recipient(question) == to


def test_the_years_a_text_names_leave_out_those_inside_references() -> None:
    text = "Översynen (dir. 2022:103) och betänkandet SOU 2023:58 presenterades i juni 2024."
    assert years_in(text) == {"2024"}
