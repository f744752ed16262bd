"""Word coverage for the refusal rule: the IDF-weighted share of a question's words the passages contain."""

from __future__ import annotations

import pytest

from planbot.lexical import LexicalIndex

TEXTS = [
    "Biblioteket lånar ut böcker till alla.",
    "Biblioteket har öppet på lördagar.",
    "Biblioteket ordnar sagostund för barn.",
    "Kommunen ska ha en plan för biblioteket.",
]
INDEX = LexicalIndex(TEXTS)


def test_all_words_present_is_full_coverage_and_none_is_zero() -> None:
    assert INDEX.coverage("sagostund för barn", ["Biblioteket ordnar sagostund för barn."]) == pytest.approx(
        1.0
    )
    assert INDEX.coverage("sagostund för barn", ["Biblioteket har öppet på lördagar."]) == 0.0


@pytest.mark.parametrize("question", ["", "och för att", "?"])
def test_a_question_without_content_words_covers_nothing(question: str) -> None:
    assert INDEX.coverage(question, TEXTS) == 0.0


def test_a_rare_word_weighs_more_than_a_common_one() -> None:
    question = "biblioteket sagostund"
    common_only = INDEX.coverage(question, ["Biblioteket har öppet på lördagar."])
    rare_only = INDEX.coverage(question, ["En sagostund i parken."])
    assert 0.0 < common_only < 0.5 < rare_only < 1.0


def test_words_are_compared_by_stem_and_compounds_by_their_parts() -> None:
    assert INDEX.coverage("sagostunden", ["Det blir sagostunder."]) == pytest.approx(1.0)
    assert INDEX.coverage("biblioteksplan", ["Kommunen ska ha en plan för biblioteket."]) == pytest.approx(
        1.0
    )
    assert INDEX.coverage("biblioteksplan", ["Kommunen har en plan."]) < 1.0


def test_for_the_refusal_rule_a_compound_counts_for_the_parts_the_passages_use() -> None:
    # "barnplan" is in no text: whole, it is not covered; by its parts, "barn" is there and "plan" is not.
    passage = ["Biblioteket ordnar sagostund för barn."]
    assert INDEX.coverage("barnplan", passage) == 0.0
    assert INDEX.coverage("barnplan", passage, parts_count=True) == pytest.approx(0.5)
    assert INDEX.coverage("barnplan", ["Biblioteket har öppet på lördagar."], parts_count=True) == 0.0


def test_words_a_bridge_gives_for_the_passages_words_count_as_found() -> None:
    # A desk word ("sagostund") counts where the passages use what the glossary says it means ("lördag").
    def bridged(found: set[str]) -> set[str]:
        return {"sagostund"} if "lördag" in found else set()

    question, passage = "sagostund", ["Biblioteket har öppet på lördagar."]
    assert INDEX.coverage(question, passage) == 0.0
    assert INDEX.coverage(question, passage, bridged=bridged) == pytest.approx(1.0)
    assert INDEX.coverage(question, ["Kommunen ska ha en plan."], bridged=bridged) == 0.0
