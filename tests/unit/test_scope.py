"""Which plan applies: laws and plans in force by default; a named plan, period or earlier plan otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from planbot.answer import detect_language
from planbot.filters import Filters
from planbot.records import Answer, Chunk, Citation, IndexedDocument, ScoredChunk
from planbot.scope import decide, find_target, mentioning, place_in_time, plan_named_in, scope_for
from planbot.statutes import default_statutes_file, load_statutes

TODAY = dt.date(2026, 5, 1)


def _doc(doc_id: str, doc_type: str, **meta: str) -> IndexedDocument:
    return IndexedDocument(doc_id, doc_id, doc_type, None, f"{doc_id}.md", "h" + doc_id, 3, meta)


DOCS = {
    d.id: d
    for d in (
        _doc("lag", "lag", kind="lag", valid_from="2014-01-01", sfs="2013:801"),
        _doc("webb", "webbsida", organisation="Region Värmland"),
        _doc("bp-2021", "biblioteksplan", organisation="Exempelkommun", period="2021–2024"),
        _doc("bp-2025", "biblioteksplan", organisation="Exempelkommun", period="2025–2028"),
        _doc("bp-2017", "biblioteksplan", organisation="Exempelkommun", period="2017–2020"),
        _doc("kp", "dokument", kind="kulturplan", organisation="Region Värmland", period="2022–2025"),
        _doc("bp-2029", "biblioteksplan", organisation="Exempelkommun", period="2029–2032"),
    )
}


def _allowed(question: str) -> set[str]:
    scope = decide(question, DOCS, TODAY)
    return set(DOCS) if scope.allowed is None else set(scope.allowed)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Vad säger biblioteksplanen om läsfrämjande?", {"lag", "webb", "bp-2025"}),
        ("Vad ska en biblioteksplan innehålla?", {"lag", "webb", "bp-2025"}),
        ("Vad stod det i biblioteksplanen 2021–2024 om läsfrämjande?", {"bp-2021"}),
        ("Vad står i biblioteksplanen för 2017-2020?", {"bp-2017"}),
        ("Vad stod det i den förra biblioteksplanen om läsfrämjande?", {"bp-2021"}),
        ("Vad sa de tidigare biblioteksplanerna om läsfrämjande?", set(DOCS)),
        ("Hur arbetade biblioteken med läsfrämjande 2022?", {"lag", "webb", "bp-2021", "kp"}),
        ("Vad står det i Exempelkommuns biblioteksplan om barn?", {"bp-2025"}),
        ("Vad står i kommunens biblioteksplan om barn?", {"bp-2025"}),
        ("Vad står i vår biblioteksplan om barn?", {"bp-2025"}),
        ("Vad ska regionbiblioteket i Värmland göra enligt kulturplanen?", {"kp"}),
        ("Vad säger Region Värmlands kulturplan 2022-2025?", {"kp"}),
        ("Vad står i biblioteksplanen för Exempelkommun om skolan?", {"bp-2025"}),
        ("Vilka är bibliotekshuvudmän enligt bibliotekslagen (2013:801)?", {"lag", "webb", "bp-2025"}),
    ],
)
def test_the_documents_a_question_is_answered_from(question: str, expected: set[str]) -> None:
    assert _allowed(question) == expected


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Vad står det i Karlstads biblioteksplan om läsfrämjande?", "Karlstads biblioteksplan"),
        ("Vilka prioriteringar finns i skolbiblioteksplanen?", "skolbiblioteksplanen"),
        ("Vad stod i biblioteksplanen 2009–2012?", "biblioteksplanen 2009–2012"),
        ("What does Karlstad's library plan say about reading?", "Karlstad's library plan"),
        (
            "What are the priorities in Region Värmland's regional library plan?",
            "Region Värmland's regional library plan",
        ),
        ("Vad säger Region Gävleborgs kulturplan om läsning?", "Region Gävleborgs kulturplan"),
        (
            "Vad säger Region Gävleborgs kulturplan 2020-2023 om läsning?",
            "Region Gävleborgs kulturplan 2020–2023",
        ),
    ],
)
def test_a_named_plan_that_is_not_indexed_is_reported_missing(question: str, missing: str) -> None:
    scope = decide(question, DOCS, TODAY)
    assert scope.missing == missing
    assert scope.allowed == frozenset({"lag", "webb"})


def test_the_missing_plan_may_be_quoted_only_from_passages_that_mention_it() -> None:
    scope = decide("Vad står det i Karlstads biblioteksplan om läsfrämjande?", DOCS, TODAY)
    said = _scored("webb", "Karlstads biblioteksplan lyfter läsfrämjande.")
    other = _scored("webb", "Läsfrämjande är viktigt i hela länet.")
    assert mentioning([said, other], scope) == [said]


@pytest.mark.parametrize(
    "question",
    ["Måste kommunen ha en biblioteksplan?", "Vem antar biblioteksplanen?", "Vad säger lagen om planer?"],
)
def test_plans_spoken_of_in_general_name_no_plan(question: str) -> None:
    assert find_target(question, {}) is None


def test_filters_that_choose_documents_or_a_period_turn_the_scope_off() -> None:
    assert (
        scope_for("Vad står i biblioteksplanen?", DOCS, Filters(document_id=["bp-2017"]), TODAY).allowed
        is None
    )
    assert scope_for("läsfrämjande", DOCS, Filters(doc_type=["lag"]), TODAY).allowed is not None


def _scored(doc_id: str, text: str) -> ScoredChunk:
    chunk = Chunk(f"{doc_id}#1", doc_id, 1, text, "Läsfrämjande", doc_id)
    return ScoredChunk(chunk, 1.0)


def _answer(doc_id: str, refused: bool = False) -> Answer:
    passage = _scored(doc_id, "Biblioteket läser högt.")
    citations = () if refused else (Citation(1, passage.chunk, "Biblioteket läser högt.", 1.0),)
    return Answer("q", "Jag hittar inget svar på det i dokumenten." if refused else "x [1]", refused, "sv",
                  citations, (passage,))  # fmt: skip


@pytest.mark.parametrize(
    ("doc_id", "note"), [("bp-2021", "gällde 2021–2024"), ("bp-2025", None), ("bp-2029", "gäller 2029–2032")]
)
def test_a_citation_of_a_plan_outside_its_period_says_when_it_applied(doc_id: str, note: str | None) -> None:
    answered = place_in_time(_answer(doc_id), decide("x", DOCS, TODAY), DOCS, TODAY)
    assert answered.citations[0].period_note == note


def test_a_refusal_about_a_missing_plan_names_it() -> None:
    scope = decide("Vad står det i Karlstads biblioteksplan om läsfrämjande?", DOCS, TODAY)
    refused = place_in_time(_answer("webb", refused=True), scope, DOCS, TODAY)
    assert refused.text.startswith("Karlstads biblioteksplan finns inte bland dokumenten")
    answered = place_in_time(_answer("webb"), scope, DOCS, TODAY)
    assert answered.note is not None and answered.note.startswith("Karlstads biblioteksplan finns inte")


POINTER = "Viktiga utvecklingsområden och prioriteringar är identifierade i den regionala biblioteksplanen."
CONTENT = "Enligt biblioteksplanen ska biblioteket läsa högt för förskolebarn varje vecka."
OTHER_PLAN = "Enligt kulturplanen ska regionen stödja läsfrämjande i hela länet."


def _quoting(question: str, sentence: str) -> Answer:
    passage = _scored("webb", sentence)
    return Answer(question, f"{sentence} [1]", False, detect_language(question),
                  (Citation(1, passage.chunk, sentence, 1.0),), (passage,))  # fmt: skip


@pytest.mark.parametrize(
    ("question", "sentence", "refused"),
    [
        # What the missing plan says, answered only by a sentence saying that the plan says it: refused.
        ("Vilka prioriteringar står i Karlstads biblioteksplan?", POINTER, True),
        ("Räkna upp målen i Karlstads biblioteksplan.", POINTER, True),
        ("What are the priorities in Karlstad's library plan?", POINTER, True),
        # What another plan says is not what the missing one says.
        ("Vilka prioriteringar står i Karlstads biblioteksplan?", OTHER_PLAN, True),
        # A passage that quotes the plan's content answers, with the note that the plan itself is missing.
        ("Vilka prioriteringar står i Karlstads biblioteksplan?", CONTENT, False),
        # Whether the plan exists is answered by a sentence pointing to it.
        ("Finns Karlstads biblioteksplan att läsa någonstans?", POINTER, False),
        # The question after the asker's situation is what asks for the content.
        (
            "Jag ska citera Karlstads biblioteksplan i en ansökan. Vad står det i planen om barn?",
            POINTER,
            True,
        ),
    ],
)
def test_a_missing_plans_content_is_answered_only_by_a_sentence_that_states_it(
    question: str, sentence: str, refused: bool
) -> None:
    scope = decide(question, DOCS, TODAY)
    assert scope.missing is not None
    answer = place_in_time(_quoting(question, sentence), scope, DOCS, TODAY)
    assert answer.refused is refused
    if refused:
        assert "finns inte bland dokumenten" in answer.text or "is not among the documents" in answer.text
        assert "webb" in answer.text and not answer.citations  # where it is mentioned, by title
    else:
        assert answer.note is not None and answer.citations


PERIOD_POINTER = "Viktiga prioriteringar är identifierade i den regionala biblioteksplanen 2021- 2024."
OTHER_PERIOD = "Enligt kulturplanen 2022-2025 ska regionen stödja läsfrämjande."


@pytest.mark.parametrize(
    ("question", "sentence", "answered"),
    [
        # The years of a missing plan, asked for, are answered by a sentence that only points to it.
        ("Vilka år gäller Region Värmlands regionala biblioteksplan?", PERIOD_POINTER, True),
        ("What years does Region Värmland's regional library plan cover?", PERIOD_POINTER, True),
        ("Vilken period gäller Region Värmlands regionala biblioteksplan?", PERIOD_POINTER, True),
        # Nor when it was adopted.
        ("Vilket år antogs Region Värmlands regionala biblioteksplan?", PERIOD_POINTER, False),
        # Its content is still not.
        ("Vilka prioriteringar står i Region Värmlands regionala biblioteksplan?", PERIOD_POINTER, False),
        # Nor are its years by another plan's years, or by the years the question already gave.
        ("Vilka år gäller Region Värmlands regionala biblioteksplan?", OTHER_PERIOD, False),
        (
            "Vilken period gäller regionala biblioteksplanen 2021–2024 i Region Värmland?",
            PERIOD_POINTER,
            False,
        ),
    ],
)
def test_a_missing_plans_years_are_answered_by_a_sentence_naming_it_with_them(
    question: str, sentence: str, answered: bool
) -> None:
    scope = decide(question, DOCS, TODAY)
    assert scope.missing is not None
    answer = place_in_time(_quoting(question, sentence), scope, DOCS, TODAY)
    assert answer.refused is not answered
    if answered:
        assert answer.text == f"{PERIOD_POINTER} [1]" and answer.citations[0].quote == PERIOD_POINTER
        assert answer.note is not None


@pytest.mark.parametrize(
    ("question", "allowed"),
    [
        # The plan after the one in force (2025–2028) is the one starting in 2029.
        ("Vad ska stå i Exempelkommuns nästa biblioteksplan?", {"bp-2029"}),
        ("What will Exempelkommun's next library plan say about children?", {"bp-2029"}),
        ("Vad säger nästa biblioteksplan för Exempelkommun om barn?", {"bp-2029"}),
        # Without "nästa", the plan in force.
        ("Vad ska stå i Exempelkommuns biblioteksplan?", {"bp-2025"}),
    ],
)
def test_the_next_plan_is_the_one_starting_after_today(question: str, allowed: set[str]) -> None:
    assert _allowed(question) == allowed


def test_the_next_plan_missing_starts_after_the_plan_in_force() -> None:
    # Exempelkommun's plan in force runs to 2028: only a passage naming a later year may speak of the next.
    without_2029 = {k: d for k, d in DOCS.items() if k != "bp-2029"}
    scope = decide("Vad ska stå i Exempelkommuns nästa biblioteksplan?", without_2029, TODAY)
    assert scope.missing is not None and scope.mentions_after == 2028


def test_a_missing_next_plan_is_answered_only_where_a_later_year_is_named() -> None:
    question = "What period will Region Värmland's next regional library plan cover?"
    scope = decide(question, DOCS, TODAY)
    assert scope.missing == "Region Värmland's next regional library plan"
    current = _scored("webb", "Region Värmlands regionala biblioteksplan 2021-2024 pekar ut läsfrämjande.")
    later = _scored("webb", "Region Värmlands nya regionala biblioteksplan ska gälla 2027-2030.")
    assert mentioning([current, later], scope) == [later]


STATUTES = load_statutes(default_statutes_file())
OSL_QUESTION = "Vad säger offentlighets- och sekretesslagen om sekretess för lånehistorik?"


def test_a_question_naming_only_a_statute_the_index_lacks_is_answered_where_it_is_mentioned() -> None:
    scope = decide(OSL_QUESTION, DOCS, TODAY, STATUTES)
    assert scope.missing == "Offentlighets- och sekretesslagen"
    said = _scored(
        "webb", "Uppgifterna omfattas av sekretess enligt offentlighets- och sekretesslagen (2009:400)."
    )
    other = _scored("webb", "Biblioteket ska vara tillgängligt för alla.")
    assert mentioning([said, other], scope) == [said]
    refused = place_in_time(_answer("webb", refused=True), scope, DOCS, TODAY)
    assert refused.text.startswith("Offentlighets- och sekretesslagen finns inte bland dokumenten")


@pytest.mark.parametrize(
    "question",
    [
        "Vad säger bibliotekslagen om skolbibliotek?",  # held, by its number
        "Gäller bibliotekslagen eller skollagen för skolbiblioteken?",  # one of the two is held
        "Vad säger lagen om skolbibliotek?",  # no statute named
    ],
)
def test_a_held_statute_or_none_named_leaves_the_scope_as_it_was(question: str) -> None:
    scope = decide(question, DOCS, TODAY, STATUTES)
    assert (scope.reason, scope.missing, scope.mentions_any) == ("default", None, ())


STATUTE_POINTER = "Rätten till omvårdnad regleras i 8 kap. 6-9 §§ socialtjänstlagen (2025:400)."
STATUTE_CONTENT = "Enligt socialtjänstlagen ska äldre erbjudas omvårdnad på sitt minoritetsspråk."


@pytest.mark.parametrize(("sentence", "refused"), [(STATUTE_POINTER, True), (STATUTE_CONTENT, False)])
def test_a_missing_statutes_content_is_not_answered_by_a_sentence_saying_where_it_is_regulated(
    sentence: str, refused: bool
) -> None:
    question = "Vad säger socialtjänstlagen om uppsökande verksamhet för äldre?"
    scope = decide(question, DOCS, TODAY, STATUTES)
    answer = place_in_time(_quoting(question, sentence), scope, DOCS, TODAY)
    assert answer.refused is refused
    if refused:
        assert answer.text.startswith("Socialtjänstlagen finns inte bland dokumenten")


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Har Region Värmland en regional biblioteksplan?", "Region Värmlands regionala biblioteksplan"),
        ("Finns det en kulturplan i Region Värmland?", "Region Värmlands kulturplan"),
        ("Har Arvika kommun en kulturplan?", "Arvika kommuns kulturplan"),
        ("Vad står i Karlstads biblioteksplan om barn?", "Karlstads biblioteksplan"),
        ("Does Karlstad have a library plan?", "Karlstad's library plan"),
        ("Måste kommunen ha en biblioteksplan?", None),  # no owner named
        ("Vad säger lagen om planer?", None),
    ],
)
def test_the_plan_a_question_speaks_of_is_named_by_its_owner_and_kind(
    question: str, named: str | None
) -> None:
    assert plan_named_in(question) == named
    if named is not None:  # in a form the scope recognises as naming that plan
        assert find_target(f"Vad står i {named}?", {}) is not None
