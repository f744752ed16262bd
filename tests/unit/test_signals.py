"""Ranking signals: feature rows, weights files, source-before-retelling and near-duplicate collapse."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from planbot.errors import InvalidInput
from planbot.lexical import stems
from planbot.records import Chunk, ScoredChunk
from planbot.signals import (
    FEATURES,
    HAND_SET,
    RankerWeights,
    collapse_duplicates,
    default_weights_file,
    feature_matrix,
    load_weights,
    near_duplicate,
    title_match,
)

LAW = (
    "Folkbiblioteken ska ägna särskild uppmärksamhet åt barn och ungdomar för att främja deras "
    "språkutveckling."
)


def _scored(
    doc: str, text: str, doc_type: str, score: float, title: str = "T", ordinal: int = 0
) -> ScoredChunk:
    chunk = Chunk(
        id=f"{doc}#{ordinal}",
        document_id=doc,
        ordinal=ordinal,
        text=text,
        locator="",
        title=title,
        doc_type=doc_type,
    )
    return ScoredChunk(chunk, score, dense=0.8, lexical=1.0)


def test_a_statute_stands_for_its_retellings_which_it_names() -> None:
    page = _scored("regeringen--ny", "Regeringen skriver: " + LAW, "pressmeddelande", 0.9)
    other = _scored("regeringen--prop", LAW + " Det är viktigt.", "proposition", 0.85)
    law = _scored("bibliotekslag", LAW, "lag", 0.8)
    unrelated = _scored("plan", "Kommunen ska anta en biblioteksplan för sin verksamhet.", "plan", 0.7)
    out = collapse_duplicates([page, other, law, unrelated])
    assert [p.chunk.document_id for p in out] == ["bibliotekslag", "plan"]
    assert out[0].score == 0.9 and set(out[0].also_in) == {"regeringen--ny", "regeringen--prop"}
    assert out[1].also_in == ()


COST = (
    "Förslaget innebär att elever ska ha tillgång till skolbibliotek på den egna skolenheten. "
    "Skolbiblioteken ska vara bemannade. Kostnaden för förslagen beräknas till 216 miljoner kronor "
    "under 2025 och {} miljoner kronor från 2026 och framåt."
)


@pytest.mark.parametrize(("figure", "folded"), [("433", True), ("432", False)])
def test_pages_telling_the_same_story_with_another_figure_are_not_folded(figure: str, folded: bool) -> None:
    # Two government pages on the school-library reform: one says 433 million a year, the other 432.
    story = "Tillgången ser i dag olika ut. " + COST.format(figure)
    first = _scored("regeringen--nu-ska", story, "sida", 0.9)
    second = _scored("regeringen--alla-elever", COST.format("433"), "pressmeddelande", 0.8)
    out = collapse_duplicates([first, second])
    shown = ["regeringen--nu-ska"] + ([] if folded else ["regeringen--alla-elever"])
    assert [p.chunk.document_id for p in out] == shown
    assert out[0].also_in == (("regeringen--alla-elever",) if folded else ())


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (LAW, "Enligt lagen: " + LAW, True),
        (LAW, "Kommunen ska anta en biblioteksplan för sin verksamhet på biblioteksområdet.", False),
        ("", LAW, False),
    ],
)
def test_near_duplicates_are_passages_that_say_the_same(a: str, b: str, same: bool) -> None:
    assert near_duplicate(a, b) is same


@pytest.mark.parametrize(
    ("second", "kept"),
    [
        (LAW, 1),  # the plan's introduction again in its next chapter
        (LAW + " Kommunen ska också ha en skolbiblioteksplan för varje skola.", 2),
    ],
    ids=["repeated", "shares-a-formula"],
)
def test_a_document_repeating_a_passage_word_for_word_fills_one_place(second: str, kept: int) -> None:
    first, again = _scored("d", LAW, "plan", 0.9), _scored("d", second, "plan", 0.8, ordinal=7)
    out = collapse_duplicates([first, again])
    assert len(out) == kept and out[0].chunk.text == LAW and out[0].also_in == ()


@pytest.mark.parametrize(
    ("question", "title", "share"),
    [
        (
            "Vad säger upphovsrättslagen om citat?",
            "Lag (1960:729) om upphovsrätt till litterära och konstnärliga verk",
            0.2,
        ),
        (
            "Vad säger lagen om citat?",
            "Lag (1960:729) om upphovsrätt till litterära och konstnärliga verk",
            0.0,
        ),
        ("Enligt förordning 2010:2012?", "Förordning (2010:2012) om fördelning av statsbidrag", 0.5),
    ],
)
def test_title_match_is_the_share_of_a_title_the_question_names(
    question: str, title: str, share: float
) -> None:
    assert title_match(set(stems(question)), title) == pytest.approx(share, abs=0.05)


def test_source_signal_puts_the_statute_first_when_the_rest_is_equal() -> None:
    cands = [
        _scored("page", "Lagen säger något.", "pressmeddelande", 1.0),
        _scored("law", "Något.", "lag", 1.0),
    ]
    features = feature_matrix("fråga", cands, {}, {})
    assert features.shape == (2, len(FEATURES))
    scores = HAND_SET.score(features)
    assert scores[1] > scores[0]


def test_weights_file_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    path.write_text(
        json.dumps({"weights": {"dense": 2.0, "source": 0.5}, "origin": "test"}), encoding="utf-8"
    )
    weights = load_weights(path)
    assert weights.origin == "test"
    assert weights.score(np.eye(len(FEATURES)))[FEATURES.index("dense")] == 2.0
    path.write_text(json.dumps({"weights": {"colour": 1.0}}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="colour"):
        load_weights(path)
    with pytest.raises(InvalidInput, match="cannot read"):
        load_weights(tmp_path / "missing.json")


def test_shipped_weights_file_if_any_is_valid() -> None:
    path = default_weights_file()
    if path.exists():
        assert isinstance(load_weights(path), RankerWeights)


def test_folded_documents_are_named_in_the_api_passages_and_citations() -> None:
    from planbot.records import Answer, Citation
    from planbot.server.schemas import AnswerOut

    law = replace(_scored("bibliotekslag", LAW, "lag", 0.9), also_in=("regeringen--ny",))
    answer = Answer("Fråga?", "Svar [1]", False, "sv", (Citation(1, law.chunk, LAW, 0.9),), (law,))
    out = AnswerOut.from_answer(answer)
    assert out.passages[0].also_in == ["regeringen--ny"] == out.citations[0].also_in
    assert out.citations[0].also_note == "Samma uppgift finns också i regeringen--ny."
