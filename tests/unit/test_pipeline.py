"""The assembled pipeline: which lexical backend PLANBOT_LEXICAL_BACKEND puts behind retrieval."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.records import Answer, Chunk, ScoredChunk
from planbot.rerank import ExpandedLexical
from planbot.retrieval import ChromaFullText, Retriever

from ..support import FakeEmbedder

LAW = "bibliotekslag-2013-801"


def _pipeline(settings: Settings, backend: str) -> Pipeline:
    pipe = Pipeline(settings.model_copy(update={"lexical_backend": backend}), embedder=FakeEmbedder())
    pipe.ingest(progress=False)
    return pipe


@pytest.mark.parametrize(("backend", "inner"), [("segments", Retriever), ("chroma", ChromaFullText)])
def test_the_setting_chooses_what_the_query_expansion_wraps(
    settings: Settings, backend: str, inner: type
) -> None:
    lexical = _pipeline(settings, backend).retriever.lexical_backend
    assert isinstance(lexical, ExpandedLexical)
    assert type(lexical.inner) is inner


@pytest.mark.parametrize(("backend", "asks_chroma"), [("segments", False), ("chroma", True)])
def test_only_the_chroma_backend_ranks_words_through_chromas_full_text_filter(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, backend: str, asks_chroma: bool
) -> None:
    pipe = _pipeline(settings, backend)
    terms: list[str] = []
    containing = pipe.index.chunks_containing

    def spy(words: list[str], *args: Any, **kwargs: Any) -> Any:
        terms.extend(words)
        return containing(words, *args, **kwargs)

    monkeypatch.setattr(pipe.index, "chunks_containing", spy)
    answer = pipe.ask("Vilka är bibliotekshuvudmän?")
    assert bool(terms) is asks_chroma
    assert answer.passages and answer.passages[0].chunk.document_id == LAW


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("Vem beslutar om Vellinges biblioteksbudget?", "Vellinges"),
        ("Hur mycket lägger Vellinge kommun på biblioteken?", "Vellinge"),
        ("Vem beslutar om Värmlands biblioteksbudget?", None),
        # "KB" is not in these documents, but the glossary says what they call it.
        ("När fick KB uppdraget om bibliotekshuvudmän?", None),
    ],
)
def test_a_question_owned_by_a_name_no_document_uses_is_refused_naming_it(
    settings: Settings, question: str, unknown: str | None
) -> None:
    answer = _pipeline(settings, "segments").ask(question)
    if unknown:
        assert answer.refused and answer.text.endswith(f"Dokumenten nämner inte {unknown}.")
    else:
        assert "nämner inte" not in answer.text


DIED = "Vad gäller när upphovsmannen har dött?"
SECTION = "Upphovsrätten gäller till utgången av sjuttionde året efter det år då upphovsmannen avled."


@pytest.mark.parametrize(
    ("entry", "covered"),
    [
        ('asked = ["dött"]\nmeans = ["avled"]', True),
        ('asked = ["dött"]\nmeans = ["dödsår"]', False),  # wording the passage does not use
        ('asked = ["barn"]\nmeans = ["avled"]', False),  # an entry the question does not match
    ],
)
def test_the_refusal_rule_counts_a_desk_word_where_the_passages_use_the_glossarys_wording(
    settings: Settings, tmp_path: Any, entry: str, covered: bool
) -> None:
    glossary = tmp_path / "glossary.toml"
    glossary.write_text(f"[[term]]\n{entry}\n", encoding="utf-8")
    pipe = Pipeline(settings.model_copy(update={"glossary_file": glossary}), embedder=FakeEmbedder())
    pipe.ingest(progress=False)
    coverage = pipe.answerer._refusal_coverage(DIED, [SECTION])
    assert (coverage == pytest.approx(1.0)) is covered


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("refuse_min_sentence", "min_sentence"),
        ("refuse_min_coverage", "min_coverage"),
        ("refuse_coverage_below", "coverage_below"),
        ("refuse_min_sentence_english", "min_sentence_english"),
        ("refuse_min_placed", "min_placed"),
        ("refuse_min_placed_english", "min_placed_english"),
    ],
)
def test_each_refusal_setting_sets_its_own_threshold(settings: Settings, setting: str, field: str) -> None:
    # A threshold read into its neighbour's place would refuse (or answer) the wrong questions.
    pipe = Pipeline(settings.model_copy(update={setting: 0.123}), embedder=FakeEmbedder())
    rule = pipe.answerer.rule
    assert getattr(rule, field) == 0.123
    others = [f for f in vars(rule) if f != field and getattr(rule, f) == 0.123]
    assert others == []


@pytest.mark.parametrize("how", ["api", "corpus"], ids=["deleted", "gone-from-the-corpus"])
def test_a_removed_documents_words_stop_counting_in_the_word_statistics(settings: Settings, how: str) -> None:
    pipe = _pipeline(settings, "segments")
    rare = pipe.retriever.lexical.idf("sagostund")
    sections = "\n\n".join(
        f"## Område {i}\n\nSagostunder på finska varje lördag, vecka {i}." for i in range(60)
    )
    plan = settings.corpus_dir / "plan.md"
    plan.write_text(f"---\ntitle: Plan\n---\n\n{sections}\n", encoding="utf-8")
    pipe.ingest(progress=False)
    assert pipe.retriever.lexical.idf("sagostund") < rare
    if how == "api":
        pipe.delete_document("plan")
    else:
        plan.unlink()
        pipe.ingest(progress=False)
    # As if it had never been indexed: its rows no longer weigh on every other word's rarity either.
    assert pipe.retriever.lexical.idf("sagostund") == pytest.approx(rare)


def test_only_a_later_part_of_a_section_split_over_chunks_continues_it(settings: Settings) -> None:
    # Its "första stycket" is in the chunk before it, so the answerer must not look for it in its own text.
    pipe = Pipeline(settings.model_copy(update={"chunk_tokens": 40}), embedder=FakeEmbedder())
    pipe.ingest(progress=False)
    sections: dict[str, list[Chunk]] = {}
    for chunk in pipe.index.all_chunks(pipe.retriever.documents):
        if chunk.document_id == LAW and chunk.locator.endswith("§"):
            sections.setdefault(chunk.locator, []).append(chunk)
    sizes = {len(parts) for parts in sections.values()}
    assert 1 in sizes and max(sizes) >= 2, "this chunk size should split some sections and not others"
    for parts in sections.values():
        parts.sort(key=lambda c: c.ordinal)
        assert [pipe._continues_section(c) for c in parts] == [False] + [True] * (len(parts) - 1)


@pytest.mark.parametrize(
    ("weight", "first"), [(0.0, "region-varmland-biblioteksverksamhetens-uppdrag"), (0.3, LAW)]
)
def test_the_sentence_that_asks_weighs_more_than_the_situation_told_before_it(
    settings: Settings, weight: float, first: str
) -> None:
    pipe = Pipeline(settings.model_copy(update={"asked_weight": weight}), embedder=FakeEmbedder())
    pipe.ingest(progress=False)
    _, ranked = pipe.search("Vi är bibliotek i Värmland. Vilka ansvarar för folkbibliotek?")
    assert ranked[0].chunk.document_id == first


class _RecordingAnswerer:
    """Answers from the passages it is given, refusing when ``refuse`` says so; records each order."""

    def __init__(self, refuse: Callable[[list[str]], bool]) -> None:
        self.refuse = refuse
        self.orders: list[list[str]] = []

    def answer(self, question: str, vector: Any, passages: list[ScoredChunk]) -> Answer:
        order = [p.chunk.document_id for p in passages]
        self.orders.append(order)
        return Answer(question, "svar", self.refuse(order), "sv", (), tuple(passages))


def _ranked(*docs: tuple[str, str]) -> list[ScoredChunk]:
    return [
        ScoredChunk(Chunk(id=d, document_id=d, ordinal=0, text=t, locator="1 §", title=d), 3.0 - 0.01 * i)
        for i, (d, t) in enumerate(docs)
    ]


TOPICAL = ("allman", "Författare får biblioteksersättning för lån av sina böcker.")
COUNTING = ("grans", "Ersättning lämnas först vid 2 000 lån.")
PLAIN, FACT_FIRST = ["allman", "grans"], ["grans", "allman"]


@pytest.mark.parametrize(
    ("question", "refused_when_first", "asked", "shown"),
    [
        # A how-many question answered on the plain ranking: the passage with the count is listed first.
        ("Hur många lån krävs?", (), [PLAIN, FACT_FIRST], FACT_FIRST),
        # Refused on the plain ranking: it stays refused, and nothing is moved up to answer it.
        ("Hur många lån krävs?", ("allman",), [PLAIN], PLAIN),
        # Refused with the count first: the plain ranking's answer stands.
        ("Hur många lån krävs?", ("grans",), [PLAIN, FACT_FIRST], PLAIN),
        # Not asking for a fact: one answer, in the plain order.
        ("Vad gäller för biblioteksersättning?", (), [PLAIN], PLAIN),
    ],
)
def test_passages_stating_the_fact_asked_for_come_first_but_do_not_decide_refusal(
    settings: Settings,
    question: str,
    refused_when_first: tuple[str, ...],
    asked: list[list[str]],
    shown: list[str],
) -> None:
    pipe = Pipeline(settings, embedder=FakeEmbedder())
    answerer = _RecordingAnswerer(lambda order: order[0] in refused_when_first)
    pipe.answerer = answerer
    ranked = _ranked(TOPICAL, COUNTING)
    pipe._search_as_read = lambda *a, **k: (np.zeros(4, dtype=np.float32), ranked)
    pipe._with_context = lambda p: p
    answer = pipe.ask(question)
    assert answerer.orders == asked
    assert [p.chunk.document_id for p in answer.passages] == shown
    assert answer.refused is (shown[0] in refused_when_first)


@pytest.mark.parametrize(
    ("front", "years"),
    [
        ('published: "2023-04-04"', {"2023"}),
        ('period: "2021-2024"\nissued: "2020-12-01"', {"2020", "2021", "2022", "2023", "2024"}),
        # Dates of a law are points, not a period: issued in 1962 and in force from 2014 is not 1963-2013.
        ('issued: "1962-06-01"\nin_force: "2014-01-01"', {"1962", "2014"}),
        # An open end adds no years but the known one.
        ('valid_from: "2022-01-01"', {"2022"}),
        # A plan's period covers the years between its ends.
        ('valid_from: "2022-01-01"\nvalid_to: "2025-12-31"', {"2022", "2023", "2024", "2025"}),
        ('publisher: "Regeringskansliet"', set()),
    ],
)
def test_a_document_is_dated_by_the_years_its_metadata_gives(
    settings: Settings, front: str, years: set[str]
) -> None:
    corpus = settings.corpus_dir.parent / "dated"
    corpus.mkdir()
    (corpus / "sida.md").write_text(f"---\ntitle: Sida\n{front}\n---\n\n# Sida\n\nText.\n", encoding="utf-8")
    pipe = Pipeline(settings.model_copy(update={"corpus_dir": corpus}), embedder=FakeEmbedder())
    pipe.ingest(progress=False)
    assert pipe._years_of("sida") == years
