"""Plan metadata: detected from the first pages, merged from its sources in order, checked when edited."""

from __future__ import annotations

import pytest

from planbot.errors import InvalidInput
from planbot.loaders import load_bytes
from planbot.planmeta import annotate, check, detect, merge, normalise, organisation_key, validity

from ..support import ROOT

COVER = """Biblioteksplan 2021–2024

Exempelkommun

Plan för folkbiblioteket och skolbiblioteken i Exempelkommun

Antagen av kommunfullmäktige 2021-03-15, § 45.

## Inledning
Enligt bibliotekslagen (2013:801) ska kommuner och regioner anta biblioteksplaner. Region Värmland stöder.
"""


def test_a_plan_cover_gives_kind_period_organisation_and_adoption() -> None:
    assert detect(COVER) == {
        "kind": "biblioteksplan",
        "period": "2021–2024",
        "organisation": "Exempelkommun",
        "adopted": "2021-03-15",
        "adopted_by": "kommunfullmäktige",
        "adopted_ref": "§ 45",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Regional biblioteksplan för Värmland 2021 - 2024\n\nAntagen av regionfullmäktige den 15 mars 2021",
         {"kind": "regional biblioteksplan", "period": "2021–2024", "organisation": "Region Värmland",
          "adopted": "2021-03-15", "adopted_by": "regionfullmäktige"}),
        ("Kulturplan för Region Värmland 2022–2025\n\nRegion Värmlands kulturplan beskriver",
         {"kind": "kulturplan", "period": "2022–2025", "organisation": "Region Värmland"}),
        ("Skolbiblioteksplan 2024–2027\n\nKarlstads kommun\n\n"
         "Fastställd av barn- och ungdomsnämnden 2024-01-10",
         {"kind": "skolbiblioteksplan", "period": "2024–2027", "organisation": "Karlstads kommun",
          "adopted": "2024-01-10", "adopted_by": "barn- och ungdomsnämnden"}),
        ("# Bibliotekslag (2013:801)\n\n1 § Lagen gäller 2014-2020 för Gotlands kommun.", {"kind": "lag"}),
        ("# Regeringens proposition 2012/13:147\n\nNy bibliotekslag", {"kind": "proposition"}),
        ("Pressmeddelande 4 april 2023\n\nKulturplaner 2024–2027 ska ses över.", {"kind": "pressmeddelande"}),
        ("# Stärkta skolbibliotek\n\nVarje kommun ska ha en biblioteksplan för 2020–2023.", {}),
    ],
)  # fmt: skip
def test_detection_from_the_first_lines(text: str, expected: dict[str, str]) -> None:
    assert detect(text) == expected


def test_an_html_page_without_other_cues_is_a_webbsida() -> None:
    assert detect("# Om oss\n\nText.", path="om-oss.html") == {"kind": "webbsida"}


def test_sources_merge_in_order_form_then_sources_toml_then_front_matter_then_detection() -> None:
    form = {"organisation": "Karlstads kommun"}
    sources_toml = normalise({"publisher": "Region Värmland", "period": "2021-2024"})
    front_matter = normalise({"kind": "kulturplan", "period": "2019-2022", "adopted": "2019-01-01"})
    detected = detect(COVER)
    merged = merge(form, sources_toml, front_matter, detected)
    assert merged["organisation"] == "Karlstads kommun"
    assert merged["period"] == "2021–2024"
    assert merged["kind"] == "kulturplan" and merged["adopted"] == "2019-01-01"
    assert merged["adopted_by"] == "kommunfullmäktige"


def test_publisher_is_an_organisation_only_when_it_is_a_kommun_or_region() -> None:
    assert normalise({"publisher": "Region Värmland"}) == {"organisation": "Region Värmland"}
    assert normalise({"publisher": "Kulturdepartementet"}, doc_type="lag") == {"kind": "lag"}


def test_annotate_keeps_what_the_document_states_over_detection() -> None:
    doc = load_bytes("plan.md", ("---\nperiod: 2020-2023\ndoc_type: kulturplan\n---\n" + COVER).encode())
    meta = annotate(doc).metadata
    assert (meta["period"], meta["kind"], meta["organisation"]) == (
        "2020–2023",
        "kulturplan",
        "Exempelkommun",
    )
    assert annotate(doc, {"period": "2030-2033"}).metadata["period"] == "2030–2033"


def test_the_word_made_pdf_fixture_is_detected_from_its_cover() -> None:
    data = (ROOT / "tests" / "fixtures" / "pdf" / "biblioteksplan-word.pdf").read_bytes()
    meta = annotate(load_bytes("biblioteksplan-word.pdf", data)).metadata
    assert (meta["kind"], meta["period"], meta["organisation"]) == (
        "biblioteksplan",
        "2025–2028",
        "Exempelkommun",
    )
    assert (meta["adopted"], meta["adopted_by"]) == ("2025-03-17", "kommunfullmäktige")


@pytest.mark.parametrize(
    "fields",
    [{"kind": "roman"}, {"period": "2024"}, {"adopted": "15/3 2021"}, {"organisation": "a\x00b"},
     {"valid_from": "2025-01-01", "valid_to": "2024-01-01"}],
)  # fmt: skip
def test_check_refuses_what_a_person_cannot_mean(fields: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        check(fields)


def test_check_normalises_and_keeps_blank_fields_for_clearing() -> None:
    assert check({"kind": "Kulturplan", "period": "2021-2024", "organisation": ""}) == {
        "kind": "kulturplan",
        "period": "2021–2024",
        "organisation": "",
    }


@pytest.mark.parametrize(
    ("name", "key"),
    [("Region Värmland", "värmland"), ("Region Värmlands", "värmland"), ("Karlstads kommun", "karlstad"),
     ("Karlstad", "karlstad"), ("Exempelkommun", "exempelkommun"), ("Exempelkommuns", "exempelkommun")],
)  # fmt: skip
def test_organisation_names_compare_by_their_core(name: str, key: str) -> None:
    assert organisation_key(name) == key


def test_validity_comes_from_the_period_or_valid_dates_never_the_publication_date() -> None:
    assert validity({"period": "2021–2024"}) is not None
    assert validity({"published": "2023-04-04"}) is None
    span = validity({"valid_from": "2024-01-01"})
    assert span is not None and span[1].year == 9999
