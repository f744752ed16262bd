"""A statute's references back within its own section ("Första stycket ...")."""

from __future__ import annotations

import pytest

from planbot.answer.references import MAX_QUOTED, antecedents, referred, stycken

SECTION = (
    "Var och en får framställa exemplar för privat bruk.\n\n"
    "Första stycket ger inte rätt att\n\n"
    "1. uppföra byggnadsverk, eller\n\n"
    "2. framställa exemplar av datorprogram.\n\n"
    "Andra stycket gäller även sammanställningar."
)


def test_list_items_belong_to_the_stycke_they_follow() -> None:
    texts = [SECTION[a:b] for a, b in stycken(SECTION)]
    assert texts == [
        "Var och en får framställa exemplar för privat bruk.",
        "Första stycket ger inte rätt att\n\n1. uppföra byggnadsverk, eller\n\n"
        "2. framställa exemplar av datorprogram.",
        "Andra stycket gäller även sammanställningar.",
    ]


@pytest.mark.parametrize(
    ("sentence", "own", "expected"),
    [
        ("Första stycket hindrar inte att biblioteken tar ut avgift.", 1, [0]),
        ("Det som sägs i första och andra styckena gäller även film.", 2, [0, 1]),
        ("Bestämmelserna i första–tredje styckena gäller inte.", 3, [0, 1, 2]),
        ("Detsamma gäller i fall som avses i föregående stycke.", 2, [1]),
        ("Första eller tredje stycket gäller inte.", 3, [0, 2]),
        ("Samråd enligt andra stycket ska ske skriftligt.", 1, []),  # a stycke after its own: not before it
        ("En begäran enligt 14 § tredje stycket ska framställas inom en vecka.", 3, []),
        ("Bestämmelsen i 3 kap. 2 § första stycket gäller.", 1, []),
        ("Detta gäller även skolbibliotek.", 1, []),
    ],
)
def test_which_stycken_of_its_own_section_a_sentence_refers_to(
    sentence: str, own: int, expected: list[int]
) -> None:
    assert referred(sentence, own) == expected


def test_the_referenced_stycke_is_returned_for_a_sentence_of_a_later_one() -> None:
    start = SECTION.index("Andra stycket")
    spans = antecedents(SECTION, start, len(SECTION))
    assert [SECTION[a:b] for a, b in spans] == [
        "Första stycket ger inte rätt att\n\n1. uppföra byggnadsverk, eller\n\n"
        "2. framställa exemplar av datorprogram."
    ]


def test_a_long_referenced_stycke_is_quoted_by_its_first_sentence() -> None:
    long = (
        "Upphovsrätt gäller inte till författningar. " + "Den omfattar " + "mycket text " * (MAX_QUOTED // 12)
    )
    section = f"{long}\n\nFörsta stycket gäller inte kartor."
    start = section.index("Första stycket")
    (span,) = antecedents(section, start, len(section))
    assert section[span[0] : span[1]] == "Upphovsrätt gäller inte till författningar."
