"""Extractive answers and refusal, with stored sentence vectors faked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from planbot.answer import REFUSAL, ExtractiveAnswerer, RefusalRule, detect_language, verify_citations
from planbot.answer.cues import AnswerKind, answer_kind, topic
from planbot.answer.kinds import facts_first, holds
from planbot.records import Chunk, Citation, ScoredChunk, SentenceVector

LAW = (
    "Bibliotekshuvudmän är kommunerna, regionerna, staten och, i fråga om vissa skolor, enskilda.\n\n"
    "1. För folkbibliotek ansvarar kommunerna.\n\n"
    "2. För skolbibliotek ansvarar kommuner, regioner, staten eller enskilda huvudmän."
)
OTHER = "Regeringen har gett Kungliga biblioteket i uppdrag att ta fram en nationell biblioteksstrategi."


def _chunk(cid: str, text: str, doc: str = "lag") -> Chunk:
    return Chunk(id=cid, document_id=doc, ordinal=0, text=text, locator="3 §", title="Bibliotekslag")


def _unit(chunk: Chunk, sentence: str, lead: str | None = None) -> tuple[int, int]:
    end = chunk.text.index(sentence) + len(sentence)
    start = chunk.text.index(lead) if lead else chunk.text.index(sentence)
    return start, end


def _answerer(
    vectors: dict[tuple[str, int, int], float],
    rule: RefusalRule | None = None,
    knows: Callable[[str], bool] | None = None,
    coverage: Callable[[str, list[str]], float] = lambda q, texts: 1.0,
    continues: Callable[[Chunk], bool] | None = None,
) -> ExtractiveAnswerer:
    """Sentence 'vectors' whose dot product with the query vector [1, 0] is the given similarity."""

    def lookup(ids: list[str]) -> list[SentenceVector]:
        out = []
        for (cid, start, end), sim in vectors.items():
            if cid in ids:
                out.append(SentenceVector(cid, start, end, np.array([sim, 0.0], dtype=np.float32)))
        return out

    return ExtractiveAnswerer(lookup, coverage, rule, knows=knows, continues=continues)


QUERY = np.array([1.0, 0.0], dtype=np.float32)


def _passage(chunk: Chunk, score: float = 2.0, sentence: float = 0.9) -> ScoredChunk:
    return ScoredChunk(chunk, score, dense=0.88, lexical=1.0, sentence=sentence)


def test_picks_the_answering_sentence_not_the_first_one() -> None:
    chunk = _chunk("c1", LAW)
    first, second = (
        _unit(chunk, "enskilda."),
        _unit(
            chunk,
            "2. För skolbibliotek ansvarar kommuner, regioner, staten eller enskilda huvudmän.",
            "Bibliotekshuvudmän",
        ),
    )
    answerer = _answerer({("c1", *first): 0.80, ("c1", *second): 0.93})
    answer = answerer.answer("Vem ansvarar för skolbiblioteken?", QUERY, [_passage(chunk)])
    assert not answer.refused
    assert "För skolbibliotek ansvarar" in answer.text and answer.text.endswith("[1]")
    # The list item keeps the sentence that introduces the list.
    assert answer.citations[0].quote.startswith("Bibliotekshuvudmän är kommunerna")


def test_prefers_the_lead_in_alone_when_it_answers_as_well() -> None:
    chunk = _chunk("c1", LAW)
    lead = (0, LAW.index("enskilda.") + len("enskilda."))
    item = _unit(chunk, "1. För folkbibliotek ansvarar kommunerna.", "Bibliotekshuvudmän")
    answer = _answerer({("c1", *lead): 0.91, ("c1", *item): 0.92}).answer(
        "Vilka är bibliotekshuvudmän?", QUERY, [_passage(chunk)]
    )
    assert answer.citations[0].quote == LAW[: lead[1]]


def test_every_citation_quote_is_verbatim_from_its_passage() -> None:
    chunk = _chunk("c1", LAW)
    good = Citation(1, chunk, "För folkbibliotek ansvarar kommunerna.", 1.0)
    invented = Citation(2, chunk, "Biblioteken ska vara öppna dygnet runt.", 1.0)
    assert verify_citations([good, invented]) == [good]


def test_cites_another_document_only_when_it_continues_the_best_one() -> None:
    law, other = _chunk("c1", LAW), _chunk("c2", OTHER, doc="strategi")
    vectors = {("c1", *_unit(law, "enskilda.")): 0.92, ("c2", 0, len(OTHER)): 0.92}
    answer = _answerer(vectors).answer(
        "Vilka är bibliotekshuvudmän?", QUERY, [_passage(law), _passage(other)]
    )
    assert {c.chunk.document_id for c in answer.citations} == {"lag"}


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Vilka är bibliotekshuvudmän?", "sv"),
        ("What is the purpose of the Swedish library act?", "en"),
        ("What did the bill Läsa för livet propose regarding e-books?", "en"),
        ("Vad säger lagen om nationella minoriteter?", "sv"),
    ],
)
def test_detects_the_question_language(question: str, language: str) -> None:
    assert detect_language(question) == language


@pytest.mark.parametrize(
    ("sentence", "coverage", "language", "refused"),
    [
        (0.78, 1.0, "sv", True),  # nothing close in meaning
        (0.85, 0.2, "sv", True),  # close-ish, but the question's rare words are not in the passages
        (0.85, 0.8, "sv", False),
        (0.90, 0.0, "sv", False),  # very close in meaning: paraphrases may share no words
        (0.82, 0.0, "en", False),  # English over Swedish text: similarity is all there is
    ],
)
def test_refusal_rule_combines_similarity_and_word_coverage(
    sentence: float, coverage: float, language: str, refused: bool
) -> None:
    chunk = _chunk("c1", LAW)
    rule = RefusalRule(min_sentence=0.80, min_coverage=0.45, coverage_below=0.875)
    passage = _passage(chunk, sentence=sentence)
    assert rule.should_refuse("fråga", language, [passage], lambda q, t: coverage) is refused  # type: ignore[arg-type]


@pytest.mark.parametrize(("by_parts", "refused"), [(0.0, True), (0.5, False)])
def test_the_refusal_rule_reads_coverage_counting_compound_parts(by_parts: float, refused: bool) -> None:
    chunk = _chunk("c1", LAW)
    unit = _unit(
        chunk, "Bibliotekshuvudmän är kommunerna, regionerna, staten och, i fråga om vissa skolor, enskilda."
    )
    answerer = ExtractiveAnswerer(
        lambda ids: [SentenceVector("c1", *unit, np.array([0.84, 0.0], dtype=np.float32))],
        lambda q, t: 0.0,  # whole words: none of the question's words is in the passage
        RefusalRule(min_sentence=0.80, min_coverage=0.30, coverage_below=0.85),
        refusal_coverage=lambda q, t: by_parts,
    )
    answer = answerer.answer("Vilka är huvudmän för textanalys?", QUERY, [_passage(chunk, sentence=0.84)])
    assert answer.refused is refused


PLAN = "Med kulturplan avses en beskrivning av regionens prioriteringar. Planen ska avse tre år."


@pytest.mark.parametrize(("in_place", "answered"), [(0.93, True), (0.85, False)])
def test_a_fact_naming_its_subject_only_by_its_place_answers_when_near_behind_its_heading(
    in_place: float, answered: bool
) -> None:
    chunk = _chunk("c1", PLAN)
    defined, years = _unit(chunk, PLAN.split(". ")[0] + "."), _unit(chunk, "Planen ska avse tre år.")

    def vector(plain: float, placed: float) -> tuple[np.ndarray, np.ndarray]:
        return np.array([plain, 0.0], dtype=np.float32), np.array([placed, 0.0], dtype=np.float32)

    rows = [("c1", *defined, *vector(0.92, 0.93)), ("c1", *years, *vector(0.82, in_place))]
    answerer = ExtractiveAnswerer(
        lambda ids: [SentenceVector(c, a, b, v, context=ctx) for c, a, b, v, ctx in rows if c in ids],
        lambda q, t: 1.0,
    )
    answer = answerer.answer("Hur många år ska en regional kulturplan gälla?", QUERY, [_passage(chunk)])
    assert answer.refused is not answered
    if answered:
        assert "tre år" in answer.text


@pytest.mark.parametrize(
    ("question", "answered"), [("Hur många lån krävs?", True), ("Hur många krävs?", False)]
)
def test_a_count_of_a_named_thing_is_looked_for_further_down_than_other_facts(
    question: str, answered: bool
) -> None:
    places = ["Malmö", "Lund", "Umeå", "Visby"]
    chunks = [
        _chunk(f"c{i}", f"Biblioteksersättningen är viktig för författarna i {p}.")
        for i, p in enumerate(places)
    ]
    counted = _chunk("c5", "Ersättning lämnas för minst 2 000 lån av verk.")
    vectors = {(c.id, 0, len(c.text)): 0.92 for c in chunks} | {("c5", 0, len(counted.text)): 0.91}
    answer = _answerer(vectors).answer(question, QUERY, [_passage(c) for c in [*chunks, counted]])
    assert answer.refused is not answered


def test_refuses_in_the_question_language_with_no_citations() -> None:
    chunk = _chunk("c1", LAW)
    answer = _answerer({}).answer(
        "Who won the Eurovision Song Contest?", QUERY, [_passage(chunk, sentence=0.7)]
    )
    assert answer.refused and answer.text == REFUSAL["en"] and answer.citations == ()


def test_refuses_when_no_passage_matches() -> None:
    answer = _answerer({}).answer("Hur bokar jag en tvättstuga?", QUERY, [])
    assert answer.refused and answer.text == REFUSAL["sv"]


# -- names: a question about someone or somewhere the documents never name is refused, naming it -----------

BUDGET = "Kommunens biblioteksbudget beslutas av kommunfullmäktige varje år. Den ska räcka till hela planen."


@pytest.mark.parametrize(
    ("question", "refused_naming"),
    [
        ("Hur stor är Arvika kommuns biblioteksbudget?", "Arvika"),  # owned by the unknown name
        ("Vad står det om budgeten i Arvikas biblioteksplan?", "Arvikas"),
        ("Vi i Arvika undrar vem som beslutar biblioteksbudgeten?", None),  # the name is only context
        ("Vem beslutar om Värmlands biblioteksbudget?", None),  # a name the documents use
        (
            "What does Arvika's budget say about the library?",
            None,
        ),  # English: names are in English, not checked
    ],
)
def test_a_question_about_a_name_the_documents_never_use_is_refused_naming_it(
    question: str, refused_naming: str | None
) -> None:
    chunk = _chunk("c1", BUDGET)
    sentence = _unit(chunk, BUDGET.split(". ")[0] + ".")
    answerer = _answerer({("c1", *sentence): 0.95}, knows=lambda name: name.startswith("Värmland"))
    answer = answerer.answer(question, QUERY, [_passage(chunk, sentence=0.95)])
    assert answer.refused is (refused_naming is not None)
    if refused_naming:
        assert answer.text == f"{REFUSAL['sv']} Dokumenten nämner inte {refused_naming}."


# -- answer kinds: a how-many/when/who question needs a sentence stating such a fact --------------------

FEES = (
    "Första stycket hindrar inte att folkbiblioteken tar ut\n\n"
    "1. ersättning för kostnader för porto, fotokopiering och andra liknande tjänster, och\n\n"
    "2. avgift för de fall låntagare inte inom avtalad tid lämnar tillbaka det som de har lånat.\n\n"
    "Biblioteken ska vara tillgängliga för alla."
)
REFORM = "Reformen är viktig för elevernas läsning. Den beräknas kosta 433 miljoner kronor per år från 2026."


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hur många år ska en regional kulturplan gälla?", "count"),
        ("How many members sit on the board?", "count"),
        ("Vad skulle skolbiblioteksreformen kosta per år?", "amount"),
        ("How much money was proposed for reading lists?", "amount"),
        ("Hur stor del av grundbeloppet får en författare?", "number"),
        ("How large can the fines be?", "number"),
        ("How high is the fee for a late return?", "number"),
        ("Hur lång är lånetiden för nya romaner?", "number"),
        ("Vilken författare fick mest biblioteksersättning?", "person"),
        ("Vem skrev förordet till strategin?", "person"),
        ("What fine does a borrower pay per day for a late book?", "amount"),
        ("Hur hög förseningsavgift får folkbiblioteket ta ut?", "amount"),
        ("Hur mycket ska upphovsmannen få i ersättning per sida?", "amount"),
        ("What annual salary are the cost estimates based on?", "amount"),
        ("What fee may libraries charge?", None),  # which fee, not how much
        ("Which authorities can I write to in meänkieli?", None),  # not "which author"
        ("När skulle KB lämna slutrapporten?", "date"),
        ("Vilka år gäller regionens biblioteksplan?", "date"),
        ("What was the deadline for responses to the inquiry?", "date"),
        ("Vilken är sista dagen att svara på remissen?", "date"),
        ("KB fick skjuta upp delredovisningen, till när då?", "date"),
        ("When is the Arts Council due to report?", "date"),
        ("Vem är riksbibliotekarie på KB?", "person"),
        ("Who is the director general of the agency?", "person"),
        # What a document says about a figure asks for the figure.
        ("Vad säger skollagen om hur många elever en skolbibliotekarie får ha?", "count"),
        ("What does the act say about how long copyright lasts?", "number"),
        ("Vad är budgeten för regionens biblioteksverksamhet 2026?", "amount"),
        ("What is the annual budget of the library unit?", "amount"),
        ("Vad kom KB fram till i slutredovisningen?", "outcome"),
        ("Which platform did it end up choosing?", "outcome"),
        ("Vad föreslog KB i sin delredovisning om samverkan?", "outcome"),
        ("What did the report on music venues recommend?", "outcome"),
        ("How much per loan is the base rate?", "amount"),
        ("Under vilket pris i kronor slipper man följerätt?", "amount"),
        ("Hur många procent av grundbeloppet får en översättare?", "number"),  # a share, not a count
        # "När en bilderbok lånas ut": a clause of time, not a question of when.
        ("När en bilderbok lånas ut, hur många procent får illustratören?", "number"),
        ("Which of the members serves as its chair?", "person"),
        ("Vem är chef för Kungliga biblioteket?", "person"),
        ("What did the agency propose in its final report?", "outcome"),
        # Whom to turn to is a named person; how long a loan period, the exact day, when a start is.
        ("Vem ska jag kontakta om regional biblioteksutveckling?", "person"),
        ("Who should I contact about the grant?", "person"),
        ("Hur lång lånetid måste vi ge på böcker?", "number"),
        ("Vilket exakt datum röstade riksdagen ja till lagen?", "date"),
        ("When exactly, on what exact date, did it pass?", "date"),
        ("När kan vi börja använda den nya tjänsten?", "date"),
        ("What is the minimum sale price in kronor?", "amount"),
        ("Grundbeloppet i svenska kronor, hur stort är det?", "amount"),
        ("Finns det en kontaktperson för regionens biblioteksutveckling?", "person"),
        ("Who was culture minister when the act was put forward?", "person"),
        ("Is there a deadline by which a municipality has to apply?", "date"),
        ("Finns det någon ansökningsfrist för kommuner?", "date"),
        # A contraction asks as its full form does.
        ("What's the yearly deadline for a region to send in its plan?", "date"),
        ("What’s the deadline for applying?", "date"),
        ("What was the vote count when the Riksdag passed the bill?", "count"),
        ("Vad föreslog utredningen i sitt betänkande?", None),  # a betänkande states its proposals
        ("How big is the annual scholarship the foundation awards?", "amount"),
        ("Hur stort är stipendiet som stiftelsen delar ut?", "amount"),
        ("Vilken statssekreterare ledde mötet?", "person"),
        ("Which state secretary led the meeting?", "person"),
        # A role after words placing it; a total grant; what came out of talks; a second question joined on.
        ("Who is the current national librarian heading the National Library?", "person"),
        ("Vem är den nuvarande riksbibliotekarien?", "person"),
        ("What is the institute's total annual government grant after the increase?", "amount"),
        ("What came out of the round-table talks on e-book lending?", "outcome"),
        (
            "What did the report on access to music venues, presented at the January 2025 cultural"
            " cooperation dialogue, propose?",
            "outcome",
        ),
        ("Which municipality joined the area most recently, and in what year did it join?", "date"),
        ("Vilken kommun gick med sist, och vilket år?", "date"),
        # What a report proposed, the thing asked first; how others solved something (an outcome).
        ("What forms of cooperation did the National Library propose in its interim report?", "outcome"),
        ("What did KB propose in its September 2023 interim report?", "outcome"),
        ("How soon after the judgment do they have to ask for a translation?", "number"),
        ("Hur snart efter domen måste man begära översättning?", "number"),
        ("How have the other Nordic countries solved e-book lending?", "outcome"),
        ("Hur har de andra nordiska länderna löst e-boklånen?", "outcome"),
        ("What did the bill propose regarding e-books?", None),  # a bill's "bör" states its proposals
        # A unit asks for a sum, whatever interrogative comes first.
        ("What is the base amount in kronor that the compensation is calculated from?", "amount"),
        # Not asking for such a fact:
        ("Vem ansvarar för skolbiblioteken?", None),
        ("Vem har ansvaret nu när landstingen är borta?", None),
        ("När måste regionen betala tillbaka bidraget?", None),
        ("När kan vi neka en låntagare att låna?", None),
        ("Enligt förordningen, vem beslutar hur mycket statsbidrag en region får?", None),
        # "när allt annat ska vara gratis" is a clause of time, not a question of when.
        ("Får vi ta ut förseningsavgifter, när allt annat ska vara gratis?", None),
    ],
)
def test_recognises_what_kind_of_fact_a_question_asks_for(question: str, kind: str | None) -> None:
    assert answer_kind(question) == kind


DUE = "Kungl. biblioteket ska senast den 1 december 2024 lämna en slutredovisning av uppdraget."
LONG_DUE = (
    "Kungl. biblioteket ska lämna en delredovisning av uppdraget till Regeringskansliet (Kulturdepartementet,"
    " med kopia till Utbildningsdepartementet) senast den 1 oktober 2017."
)
NEW_ACT = "Den nya bibliotekslagen föreslås träda i kraft den 1 januari 2014."
ARTS_COUNCIL = "Statens kulturråd tillförs 15 miljoner kronor årligen för uppdraget."
IN_THE_BILL = "In the 2013 bill, how much was the Arts Council to receive each year?"
RAISED, EACH_SCHOOL = "By how much did the agreement raise it?", "Hur mycket pengar får varje skola?"


@pytest.mark.parametrize(
    ("kind", "sentence", "question", "answers"),
    [
        ("amount", "Den beräknas kosta 433 miljoner kronor per år.", "Vad kostar reformen?", True),
        ("amount", "Ersättningen minskas med 80 procent.", "How large is the amount in kronor?", False),
        # A change answers a question about the change, not about the level after it.
        ("amount", "Bidraget ökas med 6 miljoner kronor.", "Hur stort är bidraget totalt?", False),
        ("amount", "Bidraget ökas med 6 miljoner kronor.", "Hur mycket mer får de i bidrag?", True),
        ("amount", "Bidraget ökas med 6 miljoner kronor.", "Med hur mycket höjs bidraget?", True),
        ("amount", "Bidraget är 20 miljoner kronor efter höjningen.", "Hur stort är bidraget totalt?", True),
        # An amount per item is answered by a rate, not by a total.
        ("amount", "Den kostar 433 miljoner kronor årligen.", "What salary per librarian?", False),
        ("amount", "Ersättningen är 1,50 kronor per sida.", "Hur mycket får man per kopierad sida?", True),
        ("amount", "Den beräknas kosta 433 miljoner kronor per år.", "Vad kostar den per år?", True),
        ("count", "Planen ska avse tre år.", "Hur många år ska planen gälla?", True),
        # A verb after "hur många" counts people: no noun of the question need follow the number.
        (
            "count",
            "Styrelsen ska bestå av en ordförande och tio andra ledamöter.",
            "Hur många sitter i styrelsen?",
            True,
        ),
        ("count", "Från och med 1 juli 2025 ska skolbibliotek vara bemannade.", "Hur många timmar?", False),
        ("count", "Satsningen är 40 miljoner årligen.", "Hur många lån gjordes?", False),
        # "2 000" is a number with a thousands space, not the year 2000; "lån" is the head of "utlån".
        ("count", "Ersättning lämnas för minst 2 000 lån av verk.", "Hur många utlån krävs?", True),
        ("count", "Planen antogs 2000.", "Hur många planer finns?", False),
        # How long something lasted: its length, or the day it lasted until; a deadline is neither.
        ("number", "Förslaget är ute på remiss till den 27 mars 2024.", "Hur länge kunde man svara?", True),
        ("number", "KB ska redovisa senast den 1 december 2025.", "Hur länge gäller förbudet?", False),
        # How soon: a time limit ("inom en vecka"), not the rule it limits.
        ("number", "En begäran ska framställas inom en vecka från domen.", "How soon must they ask?", True),
        ("number", "En begäran ska framställas hos domstolen.", "Hur snart måste man begära det?", False),
        # How often: a frequency, not any figure.
        (
            "number",
            "Regionen ska årligen redovisa till Kulturrådet.",
            "How often must a region report?",
            True,
        ),
        ("number", "Rådet avser att samlas två till tre gånger per år.", "Hur ofta träffas rådet?", True),
        ("number", "Förhandlingarna avser två år i taget.", "Hur ofta förhandlar man?", True),
        ("number", "Rådet har tio ledamöter och 5 miljoner kronor.", "Hur ofta träffas rådet?", False),
        ("count", "Därefter beräknas 1 miljon kronor årligen.", "How many books did each school get?", False),
        ("count", "Avgift får tas ut enligt 9 § och 2 kap. lagen (2013:801).", "Hur många lån?", False),
        ("date", "En slutredovisning ska lämnas senast den 1 mars 2019.", "När ska KB redovisa?", True),
        ("date", "Kungliga biblioteket ska redovisa uppdraget.", "När ska KB redovisa?", False),
        # An event in a clause that only dates the question's own ("efter att tidplanen ändrats") need not
        # be in the answer; the event asked about ("När ändrades lagen?") must.
        (
            "date",
            "KB har föreslagit att delredovisningen istället lämnas i maj 2018.",
            "När skulle KB lämna delredovisningen efter att tidplanen ändrats?",
            True,
        ),
        ("date", "KB ska lämna delredovisningen i maj 2018.", "När ändrades tidplanen?", False),
        # A date after a change: a sentence saying it changed or was decided anew, not the one before it.
        (
            "date",
            "Enligt uppdraget ska KB lämna delredovisningen senast den 1 oktober 2017.",
            "Till när sköts delredovisningen upp?",
            False,
        ),
        (
            "date",
            "Regeringen har beslutat att delredovisningen ska lämnas senast den 31 maj 2018.",
            "Till när sköts delredovisningen upp?",
            True,
        ),
        ("date", "KB ska lämna delredovisningen senast den 1 oktober 2017.", "När ska KB lämna den?", True),
        ("person", "Särskilde utredaren Mats Svegfors var på plats.", "Vem var utredare?", True),
        # A deputy is not the chair asked about; the head asked for is named as head.
        ("person", "Där var Kristina Axén Olin, andre vice ordförande.", "Vem är ordförande?", False),
        ("person", "Mötet leddes av ordförande Anna Berg.", "Vem är ordförande?", True),
        ("person", "Det sade kulturminister Parisa Liljestrand.", "Vem är chef för KB?", False),
        ("person", "Enligt Region Värmlands kulturplan ska ...", "Vem är chef i Region Värmland?", False),
        ("outcome", "Regeringen ger KB i uppdrag att ta fram en standard.", "Vad kom KB fram till?", False),
        ("outcome", "KB föreslår en gemensam standard för e-boklån.", "Vad kom KB fram till?", True),
        (
            "outcome",
            "KB ska även undersöka hur grannländerna lånar ut e-böcker.",
            "What did KB choose?",
            False,
        ),
        # A person asked for in a role is answered by someone named in that role, not by anyone named.
        ("person", "Kulturminister Parisa Liljestrand talade.", "Vem var utredare för översynen?", False),
        (
            "person",
            "Mötet leddes av Anna Berg, andre vice ordförande.",
            "Who is the director general?",
            False,
        ),
        (
            "person",
            "Mötet inleddes av generaldirektören Anna Berg.",
            "Who is the director general of MTM?",
            True,
        ),
        ("person", "Mötet leddes av kulturminister Anna Berg.", "Vem är kulturminister?", True),
        # Who got a prize or a grant: someone named as receiving it, not a founder or an adviser near it.
        (
            "person",
            "Mötet gästades av stiftelsegrundaren Pascal Engman och rådgivaren Simon Strand.",
            "Vem fick Pascal Engmans stipendium senast?",
            False,
        ),
        (
            "person",
            "Mötet gästades av stiftelsegrundaren Pascal Engman och rådgivaren Simon Strand.",
            "Vem fick Pascal Engmans stiftelses läsfrämjande stipendium senast?",
            False,
        ),
        (
            "person",
            "Stipendiet tilldelades bibliotekarien Anna Berg i Kil.",
            "Vem fick stipendiet i år?",
            True,
        ),
        (
            "person",
            "The prize went to Anna Berg, who received it in May.",
            "Who won the reading prize?",
            True,
        ),
        # "Vem fick ansvaret" asks for whoever is responsible, not for a recipient of anything.
        ("person", "Ansvaret ligger hos Anna Berg.", "Vem fick ansvaret för läsfrämjandet?", True),
        # A date asked for an entry into force is answered by a sentence about one, not by any date.
        (
            "date",
            "Regeringen beslutade den 7 juli 2022 att tillsätta en utredare.",
            "When will it enter into force?",
            False,
        ),
        ("date", "Lagen föreslås träda i kraft den 1 januari 2014.", "När skulle lagen börja gälla?", True),
        # A decision or a vote asked for is dated by a sentence about one, not by a report's due date.
        (
            "date",
            "Kulturrådet ska redovisa uppdraget senast den 15 oktober 2025.",
            "När ska regeringen fatta beslut om Kulturrådets förslag?",
            False,
        ),
        (
            "date",
            "Regeringen beslutade den 7 juli 2022 att tillkalla en utredare.",
            "När beslutade de?",
            True,
        ),
        (
            "date",
            "Regeringen beslutade den 7 juli 2022 att tillkalla en utredare.",
            "When will the Riksdag vote on the new law?",
            False,
        ),
        (
            "date",
            "Riksdagen sa ja till regeringens lagförslag i november 2024.",
            "När klubbade riksdagen lagförslaget?",
            True,
        ),
        # A page's own date line dates the page, not what is still to come.
        (
            "date",
            "Ursprungligen publicerad 22 april 2022, återpublicerad 7 juni 2023.",
            "When will the next library strategy be published?",
            False,
        ),
        ("date", "Ursprungligen publicerad 22 april 2022.", "När publicerades strategin?", True),
        ("date", "Lagändringarna träder i kraft den 1 juli 2025.", "When does the law take effect?", True),
        # A figure for another year than the one asked about does not answer.
        ("amount", "Stödet uppgår 2023 till 1,6 miljarder kronor.", "Hur mycket pengar fick de 2024?", False),
        ("amount", "Stödet uppgår 2023 till 1,6 miljarder kronor.", "Hur mycket pengar fick de 2023?", True),
        # Numbers that refer to sections and acts are no figure.
        (
            "number",
            "Utöver det som anges i 3 kap. 8 och 9 §§ lagen (2018:218) får uppgifter behandlas.",
            "How large can the fines be?",
            False,
        ),
        (
            "number",
            "I förordning (EU) 2016/679 och direktiv 95/46/EG finns bestämmelser om personuppgifter.",
            "How large can the fines be?",
            False,
        ),
        ("number", "Sanktionsavgiften är högst 10 000 000 kronor.", "How large can the fines be?", True),
        # "Vilket datum" asks for a day, which a year or a period does not give.
        (
            "date",
            "Enligt kulturplanen 2022-2025 ska regionen stödja biblioteken.",
            "Vilket datum antas planen?",
            False,
        ),
        ("date", "Planen antogs av regionfullmäktige den 12 juni 2022.", "Vilket datum antogs planen?", True),
        # A length of time is stated with its unit, not by any sum.
        (
            "number",
            "Det handlar om 40 miljoner årligen 2024-2026.",
            "Hur lång är lånetiden för romaner?",
            False,
        ),
        ("number", "Lånetiden är 28 dagar.", "Hur lång är lånetiden för romaner?", True),
        # A count is not answered by a sum, in figures or in words.
        (
            "count",
            "Därefter beräknas drygt en halv miljard kronor årligen.",
            "How many e-books were lent?",
            False,
        ),
        # "Vilken författare": someone named as an author, not a minister quoted beside it.
        (
            "person",
            "Höjningen bidrar till att upphovspersonerna får betalt, säger ministern Parisa Liljestrand.",
            "Vilken författare fick mest biblioteksersättning?",
            False,
        ),
        (
            "person",
            "Mest fick författaren Anna Berg.",
            "Vilken författare fick mest biblioteksersättning?",
            True,
        ),
        # When something is published: a sentence about its publication, not a decision's date.
        (
            "date",
            "Regeringen beslutade den 11 juni 2015 om uppdrag till KB att ta fram en strategi.",
            "When will the next strategy be published?",
            False,
        ),
        ("date", "Strategin publicerades den 3 mars 2019.", "When will the strategy be published?", True),
        # A sum is a number with its currency, not a broken word that starts with "kr".
        (
            "amount",
            "Den som säljer ett hjälpmedel för kr inggående döms till böter i sex månader.",
            "Vad kostar det per dag?",
            False,
        ),
        ("amount", "Avgiften är 5 kr per dag.", "What fine does a borrower pay per day?", True),
        # When a law was changed: a sentence about a change, not any date.
        (
            "date",
            "Från och med 1 juli 2025 ska elever ha tillgång till skolbibliotek.",
            "When was the act amended?",
            False,
        ),
        ("date", "Lagen ändrades senast den 1 juli 2025.", "When was the act amended?", True),
        # A share is stated as one: a sum of money does not say what part of the grant goes where.
        (
            "number",
            "Modellen uppgår 2023 till ca 1,6 miljarder kronor.",
            "Hur stor procent av bidraget går till bibliotek?",
            False,
        ),
        ("number", "Av bidraget går 12 procent till bibliotek.", "Hur stor andel går till bibliotek?", True),
        ("number", "Hälften av bidraget går till biblioteken.", "What share goes to libraries?", True),
        # A plan's period says when the plan applies, not when anything else happened.
        (
            "date",
            "Enligt Region Värmlands kulturplan 2022-2025 ska den regionala biblioteksverksamheten:",
            "När invigdes de nya lokalerna för regionbiblioteket?",
            False,
        ),
        (
            "date",
            "Enligt Region Värmlands kulturplan 2022-2025 ska den regionala biblioteksverksamheten:",
            "När gäller Region Värmlands kulturplan?",
            True,
        ),
        # "Hur många exemplar får ...": copies counted, not a paragraph's item followed by "får".
        (
            "count",
            "Exemplar som framställs med stöd av andra stycket 2 får spridas till lånesökande.",
            "Hur många exemplar får ett bibliotek framställa av en skadad bok?",
            False,
        ),
        ("count", "Biblioteket får framställa 3 exemplar.", "Hur många exemplar får biblioteket göra?", True),
        # A deadline is when something was due, not when it was done; a report's due date is not when
        # the work it reports on can be used.
        ("date", DUE, "Vilket datum lämnade KB in sin slutredovisning?", False),
        ("date", DUE, "When did KB submit its final report?", False),
        ("date", DUE, "När ska KB lämna sin slutredovisning?", True),
        ("date", LONG_DUE, "När lämnade KB in delredovisningen?", False),
        ("date", "Lagen ändrades senast den 1 juli 2025.", "När ändrades lagen senast?", True),
        ("date", DUE, "När kan vi börja använda den nya tjänsten?", False),
        ("date", "Tjänsten tas i bruk senast den 1 mars 2026.", "När kan vi börja använda tjänsten?", True),
        # By how much something changed is answered by a change, not by a level.
        (
            "amount",
            "Kostnaden beräknas till 216 miljoner kronor.",
            RAISED,
            False,
        ),
        (
            "amount",
            "Ersättningen höjdes med 6 miljoner kronor.",
            RAISED,
            True,
        ),
        # "in kronor" is not answered by euro; "varje skola" only by what each gets.
        ("amount", "Ersättningen tas ut med högst 12 500 euro.", "What is the maximum in kronor?", False),
        ("amount", "Ersättningen tas ut med högst 12 500 euro.", "How much is the maximum in euro?", True),
        (
            "amount",
            "Satsningen omfattar 179 miljoner kronor 2024.",
            EACH_SCHOOL,
            False,
        ),
        ("amount", "Varje skola får 20 000 kronor.", EACH_SCHOOL, True),
        # What the asker may get is a rate or a ceiling, not what the whole reform costs.
        (
            "amount",
            "Regeringen avsätter 433 miljoner kronor årligen.",
            "Hur mycket statsbidrag kan vi få?",
            False,
        ),
        ("amount", "En skola kan få högst 50 000 kronor.", "Hur mycket statsbidrag kan vi få?", True),
        # The new act's date is not the old one's.
        ("date", NEW_ACT, "När trädde den gamla bibliotekslagen i kraft?", False),
        ("date", NEW_ACT, "När träder den nya bibliotekslagen i kraft?", True),
        # The year of a bill the question names is not the year of the amount asked for.
        (
            "amount",
            ARTS_COUNCIL,
            IN_THE_BILL,
            True,
        ),
        ("amount", ARTS_COUNCIL, "Hur mycket fick Kulturrådet 2013?", False),
        (
            "amount",
            ARTS_COUNCIL,
            "I litteraturpropositionen 2013, hur mycket pengar per år följde med?",
            True,
        ),
        # Who wrote a report is said by a sentence about its writing, not by a name quoted near it.
        (
            "person",
            "– Det är angeläget, säger kulturminister Parisa Liljestrand.",
            "Who wrote the report?",
            False,
        ),
        ("person", "Rapporten har skrivits av Anna Svensson på Kulturrådet.", "Who wrote the report?", True),
        (
            "amount",
            ARTS_COUNCIL,
            "In the 2013 reading bill, how much was the council to get each year?",
            True,
        ),
    ],
)
def test_a_sentence_answers_only_when_it_states_a_new_fact_of_that_kind(
    kind: AnswerKind, sentence: str, question: str, answers: bool
) -> None:
    assert holds(kind, sentence, question) is answers


def test_a_how_much_question_takes_the_sentence_with_the_amount_or_is_refused_in_its_language() -> None:
    chunk = _chunk("c1", REFORM, doc="reform")
    topical, costly = (0, REFORM.index("Den")), (REFORM.index("Den"), len(REFORM))
    answerer = _answerer({("c1", *topical): 0.93, ("c1", *costly): 0.90})
    answer = answerer.answer("Vad skulle reformen kosta per år?", QUERY, [_passage(chunk)])
    assert not answer.refused and "433 miljoner kronor" in answer.text
    assert "viktig" not in answer.text

    only_topical = _answerer({("c1", *topical): 0.93})
    for question, language in [
        ("Hur mycket kostar reformen?", "sv"),
        ("How much does it cost?", "en"),
        # What the asker's situation says ("vad det kostar") is not what the question asks ("hur mycket").
        ("Vi vet inte vad det kostar eller vilka som betalar. Hur mycket kostar reformen?", "sv"),
    ]:
        refused = only_topical.answer(question, QUERY, [_passage(chunk)])
        assert refused.refused and refused.text == REFUSAL[language] and refused.citations == ()  # type: ignore[index]


def _shared_words(question: str, texts: list[str]) -> float:
    """Share of the question's longer words found in the texts (a stand-in for BM25 coverage)."""
    asked = {w.strip("?").lower() for w in question.split() if len(w) > 4}
    found = " ".join(texts).lower()
    return sum(w[:6] in found for w in asked) / max(len(asked), 1)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Med hur många kronor höjdes biblioteksersättningen?", "med höjdes biblioteksersättningen"),
        ("Hur mycket får vi ta i förseningsavgift per bok?", "får vi ta i förseningsavgift per bok"),
        ("När skulle KB lämna slutrapporten?", "skulle kb lämna slutrapporten"),
        ("Hur många?", "hur många?"),  # nothing but the cue: the whole question
        # A bound asked for ("som längst", "högst") is part of the cue, not of what it is about.
        ("Hur länge får ett förbud gälla som längst?", "får ett förbud gälla som"),
        ("Hur mycket får avgiften vara som högst?", "får avgiften vara som"),
    ],
)
def test_the_topic_of_a_fact_question_leaves_out_what_asks_for_the_fact(question: str, subject: str) -> None:
    assert " ".join(topic(question).split()) == subject


FEE_QUESTION = "Hur mycket får vi ta i förseningsavgift per bok?"


@pytest.mark.parametrize(
    ("question", "elsewhere", "doc", "answered"),
    [
        (FEE_QUESTION, "Ersättning enligt första stycket får tas ut med högst 12 500 euro.", "annan", False),
        (FEE_QUESTION, "Förseningsavgiften får vara högst 10 kronor per bok och dag.", "annan", True),
        # Sharing only the bound asked for ("högst") is not sharing the topic.
        (
            "Hur mycket får vi ta i avgift som högst?",
            "Ersättning enligt första stycket får tas ut med högst 12 500 euro.",
            "annan",
            False,
        ),
        # Sharing only the words that ask for the fact ("kronor") is not sharing the topic.
        (
            "Med hur många kronor höjdes ersättningen?",
            "Kostnaden beräknas till 216 miljoner kronor.",
            "annan",
            False,
        ),
        # English questions share no words with Swedish text: a figure further down must come from the
        # document the best sentences come from.
        (
            "How much may we charge for late books?",
            "Förseningsavgiften får vara högst 10 kronor.",
            "lag",
            True,
        ),
        (
            "How much may we charge for late books?",
            "Förseningsavgiften får vara högst 10 kronor.",
            "annan",
            False,
        ),
    ],
)
def test_a_figure_further_down_answers_only_when_it_shares_the_questions_topic(
    question: str, elsewhere: str, doc: str, answered: bool
) -> None:
    fees, other = _chunk("c1", FEES), _chunk("c2", elsewhere, doc=doc)
    answerer = _answerer(
        {("c1", 0, len(FEES)): 0.93, ("c2", 0, len(elsewhere)): 0.92}, coverage=_shared_words
    )
    answer = answerer.answer(question, QUERY, [_passage(fees), _passage(other)])
    assert answer.refused is not answered
    if answered:
        assert "10 kronor" in answer.text


def _glossary(question: str) -> tuple[str, ...]:
    """A one-entry glossary: "KB" and "Royal Library" are what the documents call "Kungl. biblioteket"."""
    asked = question.replace("?", " ").split()
    return ("Kungl. biblioteket",) if "KB" in asked or "Royal Library" in question else ()


@pytest.mark.parametrize(
    ("question", "passage", "answered"),
    [
        # A sum from a passage that never names what was asked about does not answer it.
        (
            "Hur mycket pengar får Bibliotek Värmland om året?",
            "Regeringen beräknar att 433 miljoner kronor behöver avsättas årligen för skolbibliotek.",
            False,
        ),
        (
            "Hur mycket pengar får Bibliotek Värmland om året?",
            "Bibliotek Värmland får 12 miljoner kronor om året från regionen.",
            True,
        ),
        # The glossary's wording of a name counts as the name.
        (
            "När ska KB lämna rapporten?",
            "Kungl. biblioteket ska lämna rapporten senast den 1 mars 2025.",
            True,
        ),
        ("När ska KB lämna rapporten?", "Kulturrådet ska lämna rapporten senast den 1 mars 2025.", False),
        # English: the glossary's Swedish wording of the question must be in the passage, when it has any.
        (
            "When will the Royal Library report?",
            "Kungl. biblioteket ska rapportera senast den 1 mars 2025.",
            True,
        ),
        ("When will the Royal Library report?", "Kulturrådet ska rapportera senast den 1 mars 2025.", False),
        ("When will the council report?", "Kulturrådet ska rapportera senast den 1 mars 2025.", True),
        # English: a name written the same in the documents ("Värmland") must be in the passage too.
        ("How much does Värmland pay per day?", "Avgiften är 5 kr per dag i hela länet.", False),
        ("How much does Värmland pay per day?", "I Värmland är avgiften 5 kr per dag.", True),
        ("How much does the Arts Council pay per day?", "Avgiften är 5 kr per dag.", True),  # an English name
    ],
)
def test_a_fact_answers_only_from_a_passage_about_what_the_question_names(
    question: str, passage: str, answered: bool
) -> None:
    chunk = replace(_chunk("c1", passage, doc="annan"), title="Pressmeddelande")
    answerer = ExtractiveAnswerer(
        lambda ids: [SentenceVector("c1", 0, len(passage), np.array([0.93, 0.0], dtype=np.float32))],
        _shared_words,
        wording=_glossary,
        local_name=lambda name: name == "Värmland",
    )
    answer = answerer.answer(question, QUERY, [_passage(chunk)])
    assert answer.refused is not answered
    if not answered:
        assert answer.text == REFUSAL[detect_language(question)] and answer.citations == ()


def test_an_unfinished_lead_in_brings_its_whole_list_each_item_cited() -> None:
    chunk = _chunk("c1", FEES)
    lead = _unit(chunk, "Första stycket hindrar inte att folkbiblioteken tar ut")
    first_item = _unit(chunk, "tjänster, och", "Första")
    answer = _answerer({("c1", *lead): 0.91, ("c1", *first_item): 0.90}).answer(
        "Vad får vi ta betalt för på folkbiblioteket?", QUERY, [_passage(chunk)]
    )
    lines = answer.text.splitlines()
    assert lines[0].startswith("Första stycket") and len(lines) == 3
    assert lines[1].startswith("1. ersättning") and lines[2].startswith("2. avgift")
    assert all(line.endswith("[1]") for line in lines)
    assert "2. avgift" in answer.citations[0].quote and "tillgängliga" not in answer.text


def test_one_item_that_answers_alone_stays_alone() -> None:
    chunk = _chunk("c1", LAW)
    item = _unit(chunk, "1. För folkbibliotek ansvarar kommunerna.", "Bibliotekshuvudmän")
    other = _unit(chunk, "enskilda huvudmän.", "Bibliotekshuvudmän")
    answer = _answerer({("c1", *item): 0.93, ("c1", *other): 0.80}).answer(
        "Vilka ansvarar för folkbiblioteken?", QUERY, [_passage(chunk)]
    )
    assert "folkbibliotek ansvarar" in answer.text and "skolbibliotek" not in answer.text


@pytest.mark.parametrize(("language", "refused"), [("en", False), ("sv", True)])
def test_english_questions_have_their_own_similarity_floor(language: str, refused: bool) -> None:
    rule = RefusalRule(min_sentence=0.80, min_sentence_english=0.76)
    passage = _passage(_chunk("c1", LAW), sentence=0.78)
    assert rule.should_refuse("q", language, [passage], lambda q, t: 1.0) is refused  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "placed", "refused"),
    [("sv", 0.807, True), ("sv", 0.85, False), ("sv", None, False), ("en", 0.807, False)],
    ids=["far-both-ways", "near-in-place", "no-context-vectors", "english"],
)
def test_a_swedish_question_far_from_the_best_sentence_alone_and_in_place_is_refused(
    language: str, placed: float | None, refused: bool
) -> None:
    # "Hur bokar jag en tvättstuga?": a passage on estates shares only the word "bok" with it.
    rule = RefusalRule(min_sentence=0.80, min_sentence_english=0.78, min_placed=0.82)
    passage = replace(_passage(_chunk("c1", LAW), sentence=0.813), placed_sentence=placed)
    assert rule.should_refuse("q", language, [passage], lambda q, t: 1.0) is refused  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("alone", "placed", "refused"),
    [(0.779, 0.799, False), (0.779, 0.785, True), (0.779, None, True), (0.785, 0.70, False)],
    ids=["near-in-place", "far-both-ways", "no-context-vectors", "near-alone"],
)
def test_an_english_question_below_the_floor_alone_is_answered_when_its_sentence_in_place_is_near(
    alone: float, placed: float | None, refused: bool
) -> None:
    # "How long is a book protected if the author is anonymous?": 0.779 from its § alone, 0.799 in place.
    rule = RefusalRule(min_sentence_english=0.78, min_placed_english=0.79)
    passage = replace(_passage(_chunk("c1", LAW), sentence=alone), placed_sentence=placed)
    assert rule.should_refuse("q", "en", [passage], lambda q, t: 0.0) is refused  # type: ignore[arg-type]


def test_a_question_about_what_came_of_an_assignment_is_refused_when_only_the_assignment_is_there() -> None:
    text = "Regeringen ger KB i uppdrag att ta fram en standard för e-boklån. Standarden ska vara öppen."
    chunk = _chunk("c1", text, doc="uppdrag")
    answerer = _answerer(
        {("c1", 0, text.index(" Standarden")): 0.93, ("c1", text.index("Standarden"), len(text)): 0.80}
    )
    answer = answerer.answer("Vilken standard har KB bestämt sig för?", QUERY, [_passage(chunk)])
    assert answer.refused and answer.citations == ()


def test_a_role_asked_for_is_found_a_little_further_from_the_question_than_other_facts() -> None:
    text = (
        "Kulturminister Parisa Liljestrand talade om översynen. Särskilde utredaren Mats Svegfors ledde den."
    )
    chunk = _chunk("c1", text, doc="dialog")
    second = text.index("Särskilde")
    answerer = _answerer({("c1", 0, second - 1): 0.93, ("c1", second, len(text)): 0.86})
    answer = answerer.answer("Vem var utredare för översynen?", QUERY, [_passage(chunk)])
    assert not answer.refused and "Mats Svegfors" in answer.text and "Liljestrand" not in answer.text


def test_a_person_named_in_the_role_asked_is_looked_for_further_down_when_no_nearer_passage_names_one() -> (
    None
):
    near = "Kulturminister Parisa Liljestrand bjöd in regionerna till dialog om modellen."
    further = "Särskilde utredaren Mats Svegfors berättade om översynen av modellen."
    chunks = [_chunk(f"c{i}", near, doc=f"d{i}") for i in range(3)] + [_chunk("c3", further, doc="d3")]
    vectors = {(f"c{i}", 0, len(near)): 0.93 for i in range(3)} | {("c3", 0, len(further)): 0.90}
    answer = _answerer(vectors).answer(
        "Vem var utredare för översynen?", QUERY, [_passage(c) for c in chunks]
    )
    assert not answer.refused and "Mats Svegfors" in answer.text


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        ("När beslutade regeringen att tillkalla en utredare för översynen av modellen?", False),
        # A decision still to come is not answered by the date of one taken.
        ("När ska regeringen besluta att tillkalla en utredare för översynen av modellen?", True),
    ],
)
def test_the_date_of_a_past_event_asked_is_looked_for_further_down_when_no_nearer_passage_dates_it(
    question: str, refused: bool
) -> None:
    near = "Kulturministern bjöd in regionerna till en dialog om översynen av modellen."
    further = "Regeringen beslutade den 7 juli 2022 att tillkalla en utredare för översynen av modellen."
    chunks = [_chunk(f"c{i}", near, doc=f"d{i}") for i in range(3)] + [_chunk("c3", further, doc="d3")]
    vectors = {(f"c{i}", 0, len(near)): 0.93 for i in range(3)} | {("c3", 0, len(further)): 0.90}
    answer = _answerer(vectors).answer(question, QUERY, [_passage(c) for c in chunks])
    assert answer.refused is refused
    assert refused or "7 juli 2022" in answer.text


def _share_of_words(question: str, texts: list[str]) -> float:
    """A word coverage: the share of the question's words the texts contain."""
    words = question.lower().split()
    return sum(w in " ".join(texts).lower() for w in words) / len(words)


WHOLE_SUM = "Kultursamverkansmodellen uppgår 2023 till ca 1,6 miljarder kronor."
PART_SUM = "Av modellens medel gick 90 miljoner kronor till regionbiblioteken 2023."
PURPOSE_SUM = "Av stödet till folkbildningen bör 30 miljoner kronor gå till läsfrämjande verksamhet."


@pytest.mark.parametrize(
    ("question", "text", "refused"),
    [
        # A part of a sum asked for by where it went: the whole sum does not say, a sentence naming it does.
        ("Hur mycket av kultursamverkansmodellens pengar gick till regionbiblioteken 2023?", WHOLE_SUM, True),
        ("Hur mycket av kultursamverkansmodellens pengar gick till regionbiblioteken 2023?", PART_SUM, False),
        # "gå till att ..." names a purpose, not a recipient: the sum stated answers.
        ("Hur mycket av stödet ska gå till att få vuxna att läsa mer?", PURPOSE_SUM, False),
    ],
)
def test_a_part_of_a_sum_is_answered_only_by_a_sentence_naming_where_it_went(
    question: str, text: str, refused: bool
) -> None:
    answerer = _answerer({("c1", 0, len(text)): 0.93}, coverage=_share_of_words)
    assert answerer.answer(question, QUERY, [_passage(_chunk("c1", text, doc="d"))]).refused is refused


ASSIGNMENT = "Kulturrådet ska genomföra uppdraget i dialog med regionerna."
APPOINTED = "Regeringen beslutade den 7 juli 2022 att tillkalla en särskild utredare för översynen."
SUM_ELSEWHERE = "Folkbildningen får 30 miljoner kronor för läsfrämjande i år."


@pytest.mark.parametrize(
    ("question", "elsewhere", "answered"),
    [
        # A role or an event the question names, stated further down in another document, answers.
        ("When did the government decide to appoint an investigator for the review?", APPOINTED, True),
        # Otherwise an English fact further down must come from the best sentences' own document.
        ("How much money is the Arts Council assignment worth?", SUM_ELSEWHERE, False),
    ],
)
def test_an_english_fact_further_down_in_another_document_answers_when_it_names_the_event_asked(
    question: str, elsewhere: str, answered: bool
) -> None:
    first, other = _chunk("c1", ASSIGNMENT, doc="uppdrag"), _chunk("c2", elsewhere, doc="annan")
    answerer = _answerer({("c1", 0, len(ASSIGNMENT)): 0.93, ("c2", 0, len(elsewhere)): 0.90})
    answer = answerer.answer(question, QUERY, [_passage(first), _passage(other)])
    assert answer.refused is not answered
    if answered:
        assert "7 juli 2022" in answer.text


def test_a_question_about_what_a_report_says_is_refused_when_the_passage_only_says_where_to_read_it() -> None:
    text = "Här kan du ta del av remissvaren på rapporten. Rapporten lämnades 2019."
    chunk = _chunk("c1", text, doc="remiss")
    first = text.index(" Rapporten")
    answerer = _answerer({("c1", 0, first): 0.93, ("c1", first + 1, len(text)): 0.80})
    assert answerer.answer("Vad föreslår rapporten?", QUERY, [_passage(chunk)]).refused
    assert not answerer.answer("Finns det remissvar på rapporten?", QUERY, [_passage(chunk)]).refused


LISTS_TO_COME = "Regeringen föreslår att det ska tas fram läslistor med klassiker."
ASSIGNED = "Regeringen ger KB i uppdrag att ta fram en tjänst."
ATTENDED = "På mötet deltog företrädare för Kulturrådet, Läsrådet och Svensk biblioteksförening."
STAFFED = "Från och med 1 juli 2025 ska elever ha tillgång till bemannade skolbibliotek."
MAY_APPLY = "Andra kommuner än de som anges i 6 § kan efter ansökan få ingå i förvaltningsområdet."
MEANKIELI = "Med förvaltningsområdet för meänkieli avses kommunerna Gällivare, Haparanda och Kiruna."
DONE = "Många insatser för biblioteken har redan genomförts, som ett läsfrämjandelyft."
REPORT_DUE = "KB ska lämna en delredovisning av strategin senast den 1 september 2023."
REPORT_FOUND = (
    "I delredovisningen av strategin konstaterar KB att samverkan mellan biblioteken behöver stärkas."
)


@pytest.mark.parametrize(
    ("question", "text", "refused"),
    [
        # The titles on lists that are only to be made are not in the documents.
        ("Vilka titlar står på läslistorna?", LISTS_TO_COME, True),
        (
            "Vilka e-boksleverantörer har KB avtal med?",
            "Regeringen ger KB i uppdrag att ta fram en tjänst.",
            True,
        ),
        # Asked about the proposal or the assignment itself, the announcement is the answer.
        ("Vilka läslistor föreslår regeringen?", LISTS_TO_COME, False),
        ("Vilket uppdrag fick KB?", ASSIGNED, False),
        ("Vad ingår i strategin?", LISTS_TO_COME, False),
        # A sentence that states the content answers.
        ("Vilka titlar står på läslistorna?", "Läslistan innehåller Röda rummet och Hemsöborna.", False),
        # Läsrådet came; what it thought is not there.
        ("Vad tyckte Läsrådet på rundabordssamtalet?", ATTENDED, True),
        ("Vilka deltog i rundabordssamtalet?", ATTENDED, False),
        # The requirement names no penalty for breaking it.
        ("Kan skolan få vite om skolbiblioteket inte är bemannat från 1 juli 2025?", STAFFED, True),
        ("Måste skolbiblioteket vara bemannat från 1 juli 2025?", STAFFED, False),
        # A rule that municipalities may apply does not say which have.
        ("Vilka kommuner har ansökt om att få gå med i förvaltningsområdet?", MAY_APPLY, True),
        ("Vilka kommuner ingår i förvaltningsområdet för meänkieli?", MEANKIELI, False),
        # What was done, or when the report is due, is not what the report concluded.
        ("What did KB conclude in its interim report on the strategy?", DONE, True),
        ("What were the findings of KB's interim report on the strategy?", DONE, True),
        ("What did KB conclude in its interim report on the strategy?", REPORT_FOUND, False),
        ("When is KB's interim report on the strategy due?", REPORT_DUE, False),
    ],
)
def test_a_passage_that_only_comes_close_does_not_answer(question: str, text: str, refused: bool) -> None:
    # Content only announced, a party present but not quoted, a requirement without its penalty, a report
    # without its findings.
    chunk = _chunk("c1", text, doc="sida")
    answerer = _answerer({("c1", 0, len(text)): 0.93})
    assert answerer.answer(question, QUERY, [_passage(chunk)]).refused is refused


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        (
            "Hur många nya titlar på minoritetsspråk ska biblioteket köpa in per år?",
            "Biblioteket ska köpa in minst 150 nya titlar på minoritetsspråk per år.",
            True,
        ),
        (
            "Hur många besök görs på huvudbiblioteket varje år?",
            "Varje år görs drygt 180 000 besök på huvudbiblioteket och de fyra filialerna.",
            True,
        ),
        (
            "Hur många besök görs på huvudbiblioteket?",
            "Huvudbiblioteket har 4 filialer och en bokbuss.",
            False,
        ),
    ],
)
def test_a_count_is_answered_by_a_number_of_the_things_the_question_counts(
    question: str, sentence: str, answers: bool
) -> None:
    assert holds("count", sentence, question) is answers


SECTION_9 = (
    "På folkbiblioteken ska allmänheten avgiftsfritt få låna litteratur oavsett publiceringsform.\n\n"
    "Första stycket hindrar inte att folkbiblioteken tar ut\n\n"
    "1. ersättning för kostnader för porto och fotokopiering, och\n\n"
    "2. avgift för de fall låntagare inte lämnar tillbaka det som de har lånat."
)


def _fees_answer(text: str = SECTION_9, locator: str = "9 §", continues: bool = False) -> str:
    """Ask about charging when only the exception's sentence (and its list) is close to the question."""
    chunk = replace(_chunk("c9", text), locator=locator)
    lead = text.index("tar ut") + len("tar ut")
    start = text.rindex("\n\n", 0, lead) + 2
    exception = (start, lead)
    items = [
        _unit(chunk, "1. ersättning för kostnader för porto och fotokopiering, och"),
        _unit(chunk, "2. avgift för de fall låntagare inte lämnar tillbaka det som de har lånat."),
    ]
    free = _unit(
        chunk, "På folkbiblioteken ska allmänheten avgiftsfritt få låna litteratur oavsett publiceringsform."
    )
    vectors = {
        ("c9", *exception): 0.93,
        ("c9", *items[0]): 0.92,
        ("c9", *items[1]): 0.92,
        ("c9", *free): 0.80,
    }
    answerer = _answerer(vectors, continues=lambda c: continues)
    answer = answerer.answer("Får vi ta betalt för att låna ut ljudböcker?", QUERY, [_passage(chunk)])
    assert not answer.refused
    return answer.text


def test_a_sentence_referring_back_to_the_first_stycke_comes_after_it() -> None:
    # Alone, "Första stycket hindrar inte att folkbiblioteken tar ut ... avgift" reads as "you may charge".
    text = _fees_answer()
    assert text.startswith("På folkbiblioteken ska allmänheten avgiftsfritt få låna")
    assert text.index("avgiftsfritt") < text.index("Första stycket hindrar inte")


@pytest.mark.parametrize(
    ("text", "locator", "continues"),
    [
        pytest.param(
            SECTION_9.replace("Första stycket hindrar", "Enligt 17 § första stycket hindrar"),
            "9 §",
            False,
            id="the reference names another section",
        ),
        pytest.param(SECTION_9, "9 §", True, id="the chunk continues a section split over chunks"),
        pytest.param(SECTION_9, "s. 4, Avgifter", False, id="not a statute's section"),
    ],
)
def test_no_earlier_stycke_is_added_when_the_reference_is_not_to_it(
    text: str, locator: str, continues: bool
) -> None:
    answer = _fees_answer(text, locator, continues)
    assert "avgiftsfritt" not in answer


def test_an_earlier_stycke_with_a_list_keeps_an_item_per_line() -> None:
    text = (
        "Framställaren har uteslutande rätt att\n\n1. framställa exemplar, och\n\n"
        "2. göra upptagningen tillgänglig.\n\n"
        "Rättigheterna enligt första stycket gäller i femtio år."
    )
    chunk = replace(_chunk("c46", text), locator="46 §")
    last = _unit(chunk, "Rättigheterna enligt första stycket gäller i femtio år.")
    answer = _answerer({("c46", *last): 0.93}).answer(
        "Hur länge är en upptagning skyddad?", QUERY, [_passage(chunk)]
    )
    assert answer.text.splitlines() == [
        "Framställaren har uteslutande rätt att [1]",
        "1. framställa exemplar, och [1]",
        "2. göra upptagningen tillgänglig. [1] Rättigheterna enligt första stycket gäller i femtio år. [1]",
    ]


def _scored(doc: str, text: str, score: float) -> ScoredChunk:
    return ScoredChunk(_chunk(doc, text, doc=doc), score)


@pytest.mark.parametrize(
    ("bonus", "depth", "first"),
    [(0.1, 8, "grans"), (0.0, 8, "allman"), (0.1, 1, "allman"), (0.01, 8, "allman")],
)
def test_passages_stating_the_fact_move_up_by_the_bonus_within_the_depth(
    bonus: float, depth: int, first: str
) -> None:
    passages = [
        _scored("allman", "Författare får biblioteksersättning för lån.", 3.05),
        _scored("grans", "Ersättning lämnas först vid 2 000 lån.", 3.0),
    ]
    ordered = facts_first("count", "Hur många lån krävs?", passages, bonus, depth)
    assert ordered[0].chunk.document_id == first
    assert sorted(p.chunk.id for p in ordered) == ["allman", "grans"]


LOANS = "Under året gjordes 52 000 lån på folkbiblioteken."


@pytest.mark.parametrize(
    ("sentence", "refused"),
    [
        ("Under 2025 gjordes 52 000 lån på folkbiblioteken.", False),
        ("Under 2024 gjordes 52 000 lån på folkbiblioteken.", True),
        (LOANS, True),  # a figure of no stated year says nothing of last year's
    ],
)
def test_a_figure_asked_for_last_year_is_answered_only_by_a_figure_of_that_year(
    sentence: str, refused: bool
) -> None:
    chunk = _chunk("c1", sentence, doc="statistik")
    answerer = _answerer({("c1", 0, len(sentence)): 0.93})
    answerer._today = lambda: dt.date(2026, 11, 28)
    question = "Hur många lån gjordes på folkbiblioteken förra året?"
    assert answerer.answer(question, QUERY, [_passage(chunk)]).refused is refused


MINISTER = "I mars bjöd kulturminister Parisa Liljestrand in till samtal."


@pytest.mark.parametrize(
    ("question", "dated", "refused"),
    [
        # A minister named on a 2024 page does not answer who held the post in 2013.
        ("Vem var kulturminister när lagen antogs 2013?", {"2024"}, True),
        ("Vem var kulturminister vid samtalet i mars 2024?", {"2024"}, False),
        ("Vem var kulturminister vid samtalet?", {"2024"}, False),
        # "förra året" is the year before this one (2025 on 2026-11-28).
        ("Vem var kulturminister förra året?", {"2024"}, True),
        ("Vem var kulturminister förra året?", {"2025"}, False),
    ],
)
def test_a_person_asked_for_in_a_year_is_answered_only_from_a_passage_of_that_year(
    question: str, dated: set[str], refused: bool
) -> None:
    chunk = _chunk("c1", MINISTER, doc="samtal")
    answerer = _answerer({("c1", 0, len(MINISTER)): 0.93})
    answerer._about.years_of = lambda _doc_id: dated
    answerer._today = lambda: dt.date(2026, 11, 28)
    assert answerer.answer(question, QUERY, [_passage(chunk)]).refused is refused


DIALOG_2024 = "Kulturministern bjöd den 23 januari 2024 in regionerna till dialog om modellen."
DIALOG_2025 = "Kulturministern bjöd den 28 januari in regionerna till dialog om modellen."
DIALOG_NOTE = "Utredningen (dir. 2022:103) berättade om översynen av modellen vid dialogen den 8 juni."


@pytest.mark.parametrize(
    ("question", "answered_with"),
    [
        # The 2024 dialogue's date does not answer when the 2025 one was: the 2025 page's date does.
        ("När hölls dialogen om modellen 2025?", "28 januari"),
        # No passage is of 2026 (a directive's number 2022:103 dates no page to 2022 either): refused.
        ("När hölls dialogen om modellen 2026?", None),
        ("När hölls dialogen om modellen 2022?", None),
    ],
)
def test_a_date_asked_for_in_a_year_is_taken_only_from_a_passage_of_that_year(
    question: str, answered_with: str | None
) -> None:
    texts = {"c1": DIALOG_2024, "c2": DIALOG_2025, "c3": DIALOG_NOTE}
    chunks = [_chunk(cid, text, doc=cid) for cid, text in texts.items()]
    answerer = _answerer(
        {(cid, 0, len(text)): 0.93 - 0.01 * i for i, (cid, text) in enumerate(texts.items())}
    )
    answerer._about.years_of = {"c1": {"2024"}, "c2": {"2025"}, "c3": {"2023"}}.__getitem__
    answer = answerer.answer(question, QUERY, [_passage(c) for c in chunks])
    assert answer.refused is (answered_with is None), answer.text
    if answered_with:
        assert answered_with in answer.text and "2024" not in answer.text


def test_a_date_found_in_a_passage_of_the_year_asked_must_still_be_about_what_the_question_names() -> None:
    in_varmland = "Region Värmland bjöd den 23 januari 2024 in kommunerna till dialog."
    elsewhere = "Region Dalarna bjöd den 28 januari in kommunerna till dialog."
    chunks = [_chunk("c1", in_varmland, doc="c1"), _chunk("c2", elsewhere, doc="c2")]
    answerer = _answerer(
        {("c1", 0, len(in_varmland)): 0.93, ("c2", 0, len(elsewhere)): 0.92}, coverage=_share_of_words
    )
    answerer._about.years_of = {"c1": {"2024"}, "c2": {"2025"}}.__getitem__
    question = "När hölls dialogen i Värmland 2025?"
    assert answerer.answer(question, QUERY, [_passage(c) for c in chunks]).refused
