"""What a fact question asks about: the years it names, directly or relative to today."""

from __future__ import annotations

import pytest

from planbot.answer.kinds import asked_years, dated, years_in


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


def test_the_years_a_text_names_leave_out_those_inside_references() -> None:
    text = "Översynen (dir. 2022:103) och betänkandet SOU 2023:58 presenterades i juni 2024."
    assert years_in(text) == {"2024"}
