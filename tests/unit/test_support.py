"""Application support: ranked plan goals and law provisions, a cited paragraph, and the model fallback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from planbot.config import LLMSettings
from planbot.errors import InvalidInput, ModelUnavailable, NotFound
from planbot.pipeline import Pipeline
from planbot.planwork import support as sp
from planbot.planwork.support import SupportRequest, support
from planbot.records import Chunk

from ..support import FakeEmbedder
from .test_lagkoll import planwork_settings

PROJECT = (
    "Läsfrämjande projekt för förskolebarn. Vi vill ge alla familjer med små barn en bokpåse och hålla "
    "sagostunder på förskolorna. Målet är att stärka barnens språkutveckling och läslust."
)


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    p = Pipeline(planwork_settings(tmp_path), embedder=FakeEmbedder())
    p.settings.refuse_min_sentence = 0.3  # the fake embedder's similarities are lower than e5's
    p.settings.refuse_min_placed = 0.3
    p.ingest(progress=False)
    return p


def test_items_are_verbatim_and_the_paragraph_cites_every_sentence(pipeline: Pipeline) -> None:
    result = support(pipeline, SupportRequest(PROJECT, ["biblioteksplan-alunda"]))
    kinds = {i.kind for i in result.items}
    assert kinds == {"plan", "lag"}
    for item in result.items:
        assert item.quote and item.quote in item.chunk.text
    assert {i.chunk.document_id for i in result.items if i.kind == "plan"} == {"biblioteksplan-alunda"}
    assert {i.chunk.document_id for i in result.items if i.kind == "lag"} == {"bibliotekslag-2013-801"}
    assert result.paragraph_sentences and all(s.endswith("]") for s in result.paragraph_sentences)
    numbers = {i.n for i in result.items}
    for s in result.paragraph_sentences:
        assert int(s.rsplit("[", 1)[1].rstrip("]")) in numbers
    assert [d for d, _ in result.searched] == ["biblioteksplan-alunda", "bibliotekslag-2013-801"]


def test_without_documents_every_plan_is_searched(pipeline: Pipeline) -> None:
    searched = [d for d, _ in support(pipeline, SupportRequest(PROJECT)).searched]
    assert "biblioteksplan-ekeby" in searched and "regeringen--prop.-202324164" not in searched


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_bad_descriptions_are_refused(pipeline: Pipeline, text: str) -> None:
    with pytest.raises(InvalidInput):
        support(pipeline, SupportRequest(text))


def test_unknown_document_is_not_found(pipeline: Pipeline) -> None:
    with pytest.raises(NotFound):
        support(pipeline, SupportRequest(PROJECT, ["nope"]))


class _Model:
    def __init__(self, reply: str | None) -> None:
        self.reply = reply

    def stream(self, system: str, user: str) -> Iterator[str]:
        if self.reply is None:
            raise ModelUnavailable("down")
        yield self.reply


@pytest.mark.parametrize(
    ("reply", "mode", "kept"),
    [
        ("Projektet stärker barns språk [2]. Det svarar mot lagen [3]. Ogrundad mening.", "generated", 2),
        ("Ingen mening har någon källa.", "extractive", 0),
        ("Fel nummer [99].", "extractive", 0),
        (None, "extractive", 0),
    ],
)
def test_a_generated_paragraph_is_verified_or_falls_back(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, reply: str | None, mode: str, kept: int
) -> None:
    import planbot.conversation.generation as generation

    monkeypatch.setattr(generation, "create_chat_model", lambda llm: _Model(reply))
    pipeline.settings.llm = LLMSettings(provider="openai", model="fake")
    result = support(pipeline, SupportRequest(PROJECT, ["biblioteksplan-alunda"]))
    assert result.mode == mode
    assert all(s.endswith("]") for s in result.paragraph_sentences)
    if mode == "generated":
        assert len(result.paragraph_sentences) == kept
        assert result.paragraph == "Projektet stärker barns språk. [2] Det svarar mot lagen. [3]"
        assert result.note and "1 mening" in result.note
    else:
        assert result.paragraph.startswith("Projektet bidrar till")
        assert result.note


def test_store_request_writes_only_where_asked(pipeline: Pipeline, tmp_path: Path) -> None:
    request = SupportRequest(PROJECT)
    result = support(pipeline, request)
    key = sp.store_request(tmp_path, request, result)
    stored = (tmp_path / "support" / f"{key}.json").read_text(encoding="utf-8")
    assert PROJECT in stored


@pytest.mark.parametrize(
    ("locator", "named"),
    [
        ("s. 4, Barn och unga", "Biblioteksplan Testby (s. 4, Barn och unga):"),
        ("Biblioteksplan Testby", "Biblioteksplan Testby:"),
    ],
)
def test_the_paragraph_names_a_plan_and_its_place_once_each(locator: str, named: str) -> None:
    chunk = Chunk(
        id="p#1",
        document_id="p",
        ordinal=1,
        text="Vi läser för barn.",
        locator=locator,
        title="Biblioteksplan Testby",
    )
    item = sp.SupportItem(1, "plan", chunk, "Vi läser för barn.", 0.9)
    (sentence,) = sp.extractive_paragraph([item])
    assert sentence == f"Projektet bidrar till {named} \u201dVi läser för barn.\u201d [1]"
