"""Which statute a question names (file, SFS number or -lagen compound) and whether the index holds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.errors import InvalidInput
from planbot.records import IndexedDocument
from planbot.statutes import default_statutes_file, find_statutes, holds, load_statutes

SHIPPED = load_statutes(default_statutes_file())


def _doc(doc_id: str, title: str, doc_type: str, **meta: str) -> IndexedDocument:
    return IndexedDocument(doc_id, title, doc_type, None, f"{doc_id}.md", "h", 3, meta)


DOCS = {
    d.id: d
    for d in (
        _doc("bibl", "Bibliotekslag (2013:801)", "lag", sfs="2013:801"),
        _doc(
            "url", "Lag (1960:729) om upphovsrätt till litterära och konstnärliga verk", "lag", sfs="1960:729"
        ),
        _doc(
            "kultur",
            "Förordning (2010:2012) om fördelning av vissa statsbidrag",
            "förordning",
            sfs="2010:2012",
        ),
        # A government page about a bill is not the statute, whatever its title says.
        _doc("remiss", "Ny skollag", "lagrådsremiss"),
    )
}


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Vad säger offentlighets- och sekretesslagen om lånehistorik?", "Offentlighets- och sekretesslagen"),
        ("Gäller OSL för våra låntagaruppgifter?", "Offentlighets- och sekretesslagen"),
        ("How large can GDPR fines be?", "Dataskyddsförordningen (GDPR)"),
        ("What does the Education Act say about school libraries?", "Skollagen"),
        ("Vad säger skollagens 2 kap. om skolbibliotek?", "Skollagen"),
        ("Vad står det i SFS 2009:400 om sekretess?", "Offentlighets- och sekretesslagen"),
        ("Vad står det i SFS 2099:12?", "SFS 2099:12"),
        # A compound the file does not list.
        ("Vad säger miljöbalken om buller från bokbussen?", "Miljöbalken"),
        ("Vad säger kultursamverkansförordningen om kulturplaner?", "Kultursamverkansförordningen"),
    ],
)
def test_a_statute_is_recognised_by_name_abbreviation_english_name_or_number(
    question: str, name: str
) -> None:
    assert [n.name for n in find_statutes(question, SHIPPED)] == [name]


@pytest.mark.parametrize(
    "question",
    [
        "Vad innebär förslagen om nya bibliotek?",
        "Vilka förlagen deltog i rundabordssamtalet?",
        "Finns underlagen till utredningen?",
        "Vilken upplagen är nyast?",
        "Har biblioteken osl-kurser?",  # an abbreviation counts only as written
        "Vad gäller för biblioteksplanen 2021-2024?",
    ],
)
def test_words_that_only_end_like_a_statute_name_none(question: str) -> None:
    assert find_statutes(question, SHIPPED) == []


@pytest.mark.parametrize(
    ("question", "held"),
    [
        ("Vad säger bibliotekslagen om skolbibliotek?", True),
        ("What does the Copyright Act say about copies?", True),
        ("Vad säger kultursamverkansförordningen om kulturplaner?", True),  # by its number, not its title
        ("Vad står det i SFS 1960:729?", True),
        ("Vad säger skollagen om skolbibliotek?", False),  # "Ny skollag" is a bill, not the statute
        ("Vad säger offentlighets- och sekretesslagen?", False),
        ("Vad säger miljöbalken om buller?", False),
    ],
)
def test_the_index_holds_a_statute_by_its_number_or_a_statute_titled_with_its_name(
    question: str, held: bool
) -> None:
    (named,) = find_statutes(question, SHIPPED)
    assert holds(named, DOCS) is held


def test_an_uploaded_statute_is_held_by_its_title_when_the_file_does_not_know_it() -> None:
    (named,) = find_statutes("Vad säger miljöbalken om buller?", SHIPPED)
    docs = {**DOCS, "mb": _doc("mb", "Miljöbalk (1998:808)", "lag")}
    assert holds(named, docs)


def test_a_passage_mentions_a_statute_by_any_of_its_swedish_names_or_its_number() -> None:
    (named,) = find_statutes("Gäller OSL för lånehistorik?", SHIPPED)
    assert {"2009:400", "sekretesslag", "offentlighets- och sekretesslag"} <= set(named.mentions)
    assert "osl" not in named.mentions  # documents write the name, not the abbreviation


def test_an_administrator_extends_the_file_with_a_nickname(tmp_path: Path) -> None:
    question = "Vad säger biblioteksersättningsförordningen om e-böcker?"
    assert [n.name for n in find_statutes(question, SHIPPED)] == ["Biblioteksersättningsförordningen"]
    own = tmp_path / "statutes.toml"
    own.write_text(
        default_statutes_file().read_text(encoding="utf-8")
        + '\n[[statute]]\nname = "Förordningen om Sveriges författarfond"\nsfs = "1962:652"\n'
        'asked = ["biblioteksersättningsförordningen"]\n',
        encoding="utf-8",
    )
    extended = load_statutes(own)
    (named,) = find_statutes(question, extended)
    assert named.sfs == "1962:652"
    assert holds(
        named,
        {"ff": _doc("ff", "Förordning (1962:652) om Sveriges författarfond", "förordning", sfs="1962:652")},
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[statute]]\nname = 'X'\nasked = ['x']\n", "needs a 'name' and an 'sfs'"),
        ("[[statute]]\nname = 'X'\nsfs = '1:1'\nasked = []\n", "non-empty string list 'asked'"),
        ("[[statute]\n", "cannot read"),
    ],
)
def test_a_broken_statutes_file_is_reported_with_what_to_fix(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=problem):
        load_statutes(path)
