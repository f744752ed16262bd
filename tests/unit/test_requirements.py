"""The shipped requirement list: what its cues, `also` words and commitment rules accept and refuse."""

from __future__ import annotations

import pytest

from planbot.planwork.requirements import Requirement, load_requirements


def requirement(req_id: str) -> Requirement:
    return next(r for r in load_requirements().requirements if r.id == req_id)


@pytest.mark.parametrize(
    ("sentence", "commits"),
    [
        ("Barn och unga är en prioriterad grupp.", False),  # a participle describes, it does not commit
        ("Vi prioriterar läsfrämjande arbete för vuxna.", True),
        ("Böcker som saknas lånar vi in från andra bibliotek.", True),  # the plan's "vi", inverted
        ("Vi delar bibliotekssystem med grannkommunerna.", True),
        ("Vi kan på sikt dela bibliotekssystem med grannkommunerna.", False),
    ],
)
def test_the_plans_own_voice_commits_and_a_description_does_not(sentence: str, commits: bool) -> None:
    assert load_requirements().commitment.commits(sentence) is commits


@pytest.mark.parametrize(
    ("sentence", "context", "addressed"),
    [
        # The school libraries' own work with the teachers is not 14 §, however "gemensam" it is.
        ("Skolbibliotekarierna och lärarna tar fram en gemensam läsplan.", "Skolbiblioteken", False),
        ("Planen omfattar både folkbiblioteken och skolbiblioteken i gemensam regi.", "", False),
        ("Bokstart genomförs i samarbete med regionens barnhälsovård.", "", False),
        ("Tillsammans med skolan delar vi ut lånekort till alla elever.", "", False),
        ("Folkbiblioteket samarbetar med skolbiblioteken om läsfrämjande.", "", True),
        ("Vi samverkar med regionbiblioteket.", "", True),
        ("Tillsammans med biblioteken i länet utvecklar vi nya tjänster.", "", True),
    ],
)
def test_cooperation_counts_for_14_paragraph_only_with_another_library(
    sentence: str, context: str, addressed: bool
) -> None:
    assert bool(requirement("bl-14-samverkan").addressed_by(sentence, context)) is addressed


@pytest.mark.parametrize(
    ("sentence", "addressed"),
    [
        ("Vi erbjuder gratis wifi och gratis evenemang.", False),  # free, but not lending
        ("Fria medier är grunden för demokratin.", False),
        ("Lån av böcker och e-böcker ska vara fria för alla.", True),
        ("Avgifter tas bara ut för kopiering.", True),
    ],
)
def test_free_of_charge_counts_for_9_paragraph_only_about_lending(sentence: str, addressed: bool) -> None:
    assert bool(requirement("bl-9-avgiftsfritt").addressed_by(sentence)) is addressed


def test_a_plain_statement_meets_free_loans_and_interlibrary_loans() -> None:
    # "Det är gratis att låna" states that the law is met; it needs no "ska".
    assert requirement("bl-9-avgiftsfritt").statement_is_enough
    assert requirement("bl-15-16-fjarrlan").statement_is_enough


def test_source_criticism_taught_to_pupils_only_mentions_democracy() -> None:
    req = requirement("bl-2-demokrati")
    sentence = "Skolbibliotekarierna ska undervisa eleverna i källkritik."
    assert req.addressed_by(sentence) and req.mention_only_with.find(sentence)
    assert not req.mention_only_with.find("Vi ska erbjuda kurser i källkritik för vuxna.")


@pytest.mark.parametrize(
    ("req_id", "sentence"),
    [
        ("bl-2-litteratur-bildning", "Biblioteket ska vara en plats för kultur och lärande hela livet."),
        ("bl-4-funktionsnedsattning", "Storstilsböcker och förstoringsglas finns för den som ser dåligt."),
        ("bl-5-andra-sprak", "Vi köper in romaner på polska och engelska."),
        ("bl-6-folkbibliotek", "Biblioteket håller öppet sex dagar i veckan."),
        ("bl-7-lasning", "Vi ger lästips och bjuder in till bokfika."),
        ("bl-7-digital", "Vi lär ut hur man skyddar sig mot bedrägerier i mobiltelefonen."),
        ("bl-17-biblioteksplan", "Planen gäller folkbiblioteket och skolbiblioteken."),
        ("uppfoljning", "Planen aktualitetsprövas varje mandatperiod."),
        ("bl-15-16-fjarrlan", "Om boken inte finns här kan du beställa den från ett annat bibliotek."),
        ("bl-5-andra-sprak", "Böcker på de språk som invånarna talar köps in."),
        ("bl-2-demokrati", "Här kan invånarna bilda sig en uppfattning om samhället."),
    ],
)
def test_common_plan_wording_addresses_its_requirement(req_id: str, sentence: str) -> None:
    assert requirement(req_id).addressed_by(sentence)


@pytest.mark.parametrize(
    ("sentence", "headings"),
    [
        ("Där står att biblioteken ska bidra till det demokratiska samhällets utveckling.", ()),
        ("Lagen pekar också ut grupper som biblioteken ska ägna särskild uppmärksamhet.", ()),
        ("Bibliotekslagen (2013:801) säger att folkbiblioteken ska främja läsning.", ()),
        # The law's own subject and modal in a section about the governing documents restates the law.
        ("Biblioteken ska verka för det demokratiska samhällets utveckling.", ("Styrdokument och uppdrag",)),
        ("Folkbiblioteken ska vara tillgängliga för alla.", ("Lagstiftning",)),
    ],
)
def test_the_law_restated_in_the_plan_is_no_commitment(sentence: str, headings: tuple[str, ...]) -> None:
    assert load_requirements().commitment.commits(sentence, "", headings) is False


def test_the_same_words_in_the_plans_own_priorities_commit() -> None:
    rules = load_requirements().commitment
    assert rules.commits("Biblioteken ska erbjuda språkcafé varje vecka.", "", ("Prioriterade områden",))
    assert rules.commits("Under perioden inför vi läsombud på äldreboendena.", "", ("Prioriterade områden",))
    # Under the plan's promises a description is a promise; under a theme it is only a description.
    assert rules.commits("- Filialerna får självbetjäning tidiga morgnar.", "", ("Våra löften",))
    assert not rules.commits("Läsning är grunden för allt lärande.", "", ("Prioriterade områden",))


def test_a_council_decision_paragraph_is_not_the_law_restated() -> None:
    rules = load_requirements().commitment
    assert rules.plain("Kommunfullmäktige antog planen den 9 oktober 2025 (§ 112).")
    assert rules.plain("Planen antogs av kommunfullmäktige 2025-02-24, § 18.")


@pytest.mark.parametrize(
    ("sentence", "lead_in"),
    [
        ("- utreda om fjärrlån från andra län kan skickas direkt till närbiblioteken.", ""),
        ("Biblioteket ska utreda om meröppet kan införas på filialen.", ""),
        ("Vi ska se över möjligheten att erbjuda fler talböcker.", ""),
        ("- pröva uppsökande verksamhet på gruppbostäderna,", "Om ekonomin tillåter kan biblioteket också"),
        ("- sagostunder och lovaktiviteter för barn,", "I mån av tid kan biblioteket till exempel erbjuda"),
        ("Skolbiblioteken har en egen handlingsplan, som inte ingår här.", ""),
    ],
)
def test_a_study_a_hedged_list_or_an_exclusion_is_no_commitment(sentence: str, lead_in: str) -> None:
    rules = load_requirements().commitment
    assert rules.commits(sentence, lead_in, ("Utvecklingsområden",)) is False
    assert rules.plain(sentence, lead_in) is False


def test_membership_in_a_library_cooperation_is_a_statement_that_meets_14_paragraph() -> None:
    req = requirement("bl-14-samverkan")
    member = "Sjöbacka ingår i bibliotekssamverkan Västra dalen tillsammans med tre grannkommuner."
    assert req.addressed_by(member) and req.statement_counts(member)
    # That the county's libraries cooperate says nothing of the municipality's own part.
    county = "Länets folkbibliotek har ett nätverk som samordnas av regionen."
    assert req.addressed_by(county) and not req.statement_counts(county)
    assert requirement("bl-17-biblioteksplan").statement_counts("Planen antogs av kommunfullmäktige.")


def test_the_plan_period_as_a_time_of_something_else_is_not_17_paragraph() -> None:
    req = requirement("bl-17-biblioteksplan")
    assert not req.addressed_by(
        "Vi har tagit bort alla övertidsavgifter, och så ska det förbli under hela planperioden."
    )
    assert not req.addressed_by("Under planperioden kommer vi att införa meröppet på filialen.")
    assert req.addressed_by("Varje kommun ska enligt bibliotekslagen ha en biblioteksplan.")


@pytest.mark.parametrize(
    ("sentence", "concrete"),
    [
        ("Planen ska följas upp under perioden, och utskottet kommer att hållas informerat.", False),
        ("Planen följs upp årligen av kultur- och fritidsnämnden.", True),
        ("Bibliotekschefen rapporterar till nämnden varje höst.", True),
        ("Nämnden får en lägesrapport varje år i september.", True),
        ("Båda nämnderna följer upp planen i sina årsredovisningar med följande nyckeltal:", True),
    ],
)
def test_a_follow_up_commits_only_with_a_when_or_a_measure(sentence: str, concrete: bool) -> None:
    assert bool(requirement("uppfoljning").commits_only_with.find(sentence)) is concrete


@pytest.mark.parametrize(
    "sentence",
    [
        "Inför varje allmänt val anordnas en valvecka med partiutfrågningar och information om att rösta.",
        "Biblioteket ska erbjuda dagstidningar så att invånarna tar del av nyheter från olika källor.",
        "En gång i månaden hålls Hällviksforum, ett öppet samtal om en aktuell fråga i kommunen.",
    ],
)
def test_democracy_worded_as_the_plans_own_work_addresses_2_paragraph(sentence: str) -> None:
    assert requirement("bl-2-demokrati").addressed_by(sentence)


def test_the_laws_voice_right_after_a_sentence_naming_the_law_restates_it() -> None:
    rules = load_requirements().commitment
    sentence = "Folkbiblioteken ska vara tillgängliga för alla och anpassade till användarnas behov."
    assert not rules.commits(sentence, "", (), "Bibliotekslagen (2013:801) beskriver bibliotekens uppdrag.")
    assert not rules.plain(sentence, "", "Bibliotekslagen (2013:801) beskriver bibliotekens uppdrag.")
    assert rules.commits(sentence, "", (), "Kommunen växer snabbt.")
