"""Putting back the å, ä and ö of a question typed on a keyboard without them."""

from __future__ import annotations

import pytest

from planbot.accents import Accents

LAW = [
    "På folkbiblioteken ska allmänheten avgiftsfritt få låna eller på annat sätt få tillgång till böcker.",
    "Folkbiblioteken får ta ut avgift för kopior. Biblioteken ska ägna särskild uppmärksamhet åt böcker.",
    "Det är kommunen som ansvarar för biblioteket. Planen ska avse tre år. Stödet är 40 miljoner per år.",
    "Regeringen beslutade om stöd till förslag, förskola, förstärkning, förstudie och försäljning.",
    "Ett tal hölls om läsning.",
]


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        ("Far vi lana ut bocker?", "Får vi låna ut böcker?"),
        ("FAR VI TA AVGIFT?", "FÅR VI TA AVGIFT?"),
        # The neighbouring word decides between two spellings the documents use.
        ("Stodet ar 40 miljoner per ar.", "Stödet är 40 miljoner per år."),
        # A compound of two words the documents use, each spelled as they spell it.
        ("Far vi lana ut talbocker?", "Får vi låna ut talböcker?"),
        # A word no document uses, spelled by the letters around each a and o in the documents' words.
        ("Ska vi forsvinna?", "Ska vi försvinna?"),
        # Text with any Swedish letter was typed by someone who has them: left alone.
        ("Får vi lana ut bocker?", "Får vi lana ut bocker?"),
    ],
)
def test_a_question_typed_without_swedish_letters_gets_the_documents_spelling(
    typed: str, restored: str
) -> None:
    assert Accents(LAW).restore(typed) == restored


def test_a_plain_word_the_documents_use_stays_unless_the_other_spelling_is_far_more_common() -> None:
    texts = ["Han var far till tre barn.", "Hans far var bonde.", "Vi får läsa. Vi får låna. Vi får se."]
    assert Accents(texts).restore("far") == "far"
    assert Accents([*texts, "Vi får gå. Vi får äta. Vi får sova. Vi får dansa."]).restore("far") == "får"


def test_a_word_the_documents_use_as_typed_is_not_respelled_by_its_letters() -> None:
    # Every other word they begin "förs-": "forskning" is theirs all the same.
    texts = [*LAW, *LAW, *LAW, "Forskning om läsning."]
    assert Accents(texts).restore("Finns det forskning?") == "Finns det forskning?"


def test_letters_the_documents_spell_both_ways_are_left_as_typed() -> None:
    # Before "rsk" the documents have ö as often as o: a wrong ö would be worse than none.
    texts = ["försko försku förska forsko forsku forska"] * 3
    assert Accents(texts).restore("forsk") == "forsk"


def test_only_names_change_in_an_english_question() -> None:
    texts = ["Region Värmland ansvarar för biblioteken.", "Region Värmland och för och för."]
    restored = Accents(texts).restore("What does Region Varmland do for libraries?", names_only=True)
    assert restored == "What does Region Värmland do for libraries?"
    # The first word is capitalised as the sentence's, not as a name ("Are" is no "Åre").
    texts.append("Åre kommun och Åre bibliotek.")
    assert Accents(texts).restore("Are Varmland's libraries free?", names_only=True) == (
        "Are Värmland's libraries free?"
    )
