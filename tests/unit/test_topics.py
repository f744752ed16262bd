"""Whether a fact found is of what was asked: the recipient of a part of a sum, and the year asked."""

from __future__ import annotations

import pytest

from planbot.answer.topics import Aboutness
from planbot.records import Chunk, ScoredChunk


def _words_found(question: str, texts: list[str]) -> float:
    """A word coverage: the share of the question's words that the texts contain."""
    words, found = question.lower().split(), set(" ".join(texts).lower().replace(".", " ").split())
    return sum(w in found for w in words) / len(words)


def _chunk(text: str, doc: str = "sida", title: str = "Satsning") -> Chunk:
    return Chunk(id=doc, document_id=doc, ordinal=0, text=text, locator="", title=title)


@pytest.mark.parametrize(
    ("to", "sentence", "named"),
    [
        ("regionbiblioteken", "Av medlen gick 90 miljoner kronor till regionbiblioteken.", True),
        ("regionbiblioteken", "Modellen uppgår till 1,6 miljarder kronor.", False),
        # Most of the recipient's words must be named: "bibliotek" alone is not "biblioteken i Värmland".
        ("biblioteken i värmland", "Biblioteken får 40 miljoner kronor.", False),
        ("", "Modellen uppgår till 1,6 miljarder kronor.", True),  # no part of a sum asked for
    ],
)
def test_a_part_of_a_sum_must_name_where_it_went(to: str, sentence: str, named: bool) -> None:
    about = Aboutness(_words_found)
    assert about.names_recipient(to, "sv", [(_chunk(sentence), sentence)]) is named


def test_an_english_recipient_is_looked_for_in_the_glossarys_swedish_wording() -> None:
    about = Aboutness(_words_found, wording=lambda q: ("regionbiblioteken",) if "regional" in q else ())
    sentence = "Av medlen gick 90 miljoner kronor till regionbiblioteken."
    assert about.names_recipient("regional libraries", "en", [(_chunk(sentence), sentence)])
    assert not about.names_recipient(
        "regional libraries", "en", [(_chunk("1,6 miljarder."), "1,6 miljarder.")]
    )
    # Without a Swedish wording there is nothing to look for: not checked.
    assert about.names_recipient("the museums", "en", [(_chunk("1,6 miljarder."), "1,6 miljarder.")])


def test_an_english_question_naming_a_body_in_swedish_needs_a_sentence_naming_it() -> None:
    about = Aboutness(_words_found)
    named = "Svenska barnboksinstitutet får 6 miljoner kronor."
    other = "Satsningen omfattar 179 miljoner kronor."
    assert about.names_recipient("Svenska barnboksinstitutet", "en", [(_chunk(named), named)])
    assert not about.names_recipient("Svenska barnboksinstitutet", "en", [(_chunk(other), other)])


@pytest.mark.parametrize(
    ("question", "text", "dated", "of_year"),
    [
        ("När hölls dialogen 2025?", "Ministern bjöd den 28 januari in regionerna.", {"2025"}, True),
        ("När hölls dialogen 2025?", "Ministern bjöd den 23 januari 2024 in regionerna.", {"2024"}, False),
        ("När hölls dialogen 2024?", "Ministern bjöd den 23 januari 2024 in regionerna.", set(), True),
        # A directive's number dates no page to its year.
        ("När hölls dialogen 2022?", "Utredningen (dir. 2022:103) var på plats.", {"2023"}, False),
        ("När hölls dialogen?", "Ministern bjöd den 23 januari 2024 in regionerna.", {"2024"}, True),
    ],
)
def test_a_passage_is_of_the_year_asked_by_its_text_or_its_documents_dates(
    question: str, text: str, dated: set[str], of_year: bool
) -> None:
    about = Aboutness(_words_found, years_of=lambda _doc: dated)
    assert about.of_the_year(question, [ScoredChunk(_chunk(text), 1.0)]) is of_year
