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
