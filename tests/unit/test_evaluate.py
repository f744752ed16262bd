"""`planbot eval --add`: documents indexed for one run and gone again after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.pipeline import Pipeline
from planbot.records import Answer, AnswerPart, Chunk, Citation
from planbot_dev.evaluate import Question, grown, load_questions, part_outcomes

from ..support import FakeEmbedder

PLAN = (
    "---\ntitle: Biblioteksplan för Exempelkommun\n---\n\n# Mål\n\n"
    "Biblioteket ska ordna sagostunder på finska.\n"
)


@pytest.fixture
def pipeline(settings: Settings, fake_embedder: FakeEmbedder) -> Pipeline:
    pipeline = Pipeline(settings, embedder=fake_embedder)
    pipeline.ingest(progress=False)
    return pipeline


def test_an_added_document_competes_during_the_run_and_is_gone_after_it(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    plan = tmp_path / "extra" / "exempelplan.md"
    plan.parent.mkdir()
    plan.write_text(PLAN, encoding="utf-8")
    before = set(pipeline.documents())
    with grown(pipeline, [plan]) as added:
        assert [d.id for d in added] == ["exempelplan"]
        found = pipeline.ask("Vilka sagostunder på finska ordnar biblioteket?").passages
        assert found[0].chunk.document_id == "exempelplan"
    assert set(pipeline.documents()) == before
    assert all(p.chunk.document_id != "exempelplan" for p in pipeline.ask("sagostunder på finska").passages)


def test_a_document_already_in_the_index_is_refused_and_nothing_is_removed(
    pipeline: Pipeline, settings: Settings
) -> None:
    before = set(pipeline.documents())
    law = settings.corpus_dir / "bibliotekslag-2013-801.md"
    with pytest.raises(InvalidInput, match="bibliotekslag-2013-801"), grown(pipeline, [law]):
        pass
    assert set(pipeline.documents()) == before


def test_plain_letters_asks_each_question_as_typed_without_swedish_letters(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "Får vi låna ut böcker?", "gold": ["låna"]}\n', encoding="utf-8")
    assert load_questions(path)[0].question == "Får vi låna ut böcker?"
    only = load_questions(path, plain_letters=True)[0]
    assert only.question == "Far vi lana ut bocker?" and only.gold == ("låna",)


def test_typing_slips_change_one_word_by_one_slip_the_same_way_each_run(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [f'{{"id": "{i}", "question": "Måste kommunen ha en biblioteksplan {i}?"}}' for i in range(20)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = [q.question for q in load_questions(path, slips=3)]
    assert first == [q.question for q in load_questions(path, slips=3)]
    for typed, row in zip(first, load_questions(path), strict=True):
        changed = [(a, b) for a, b in zip(typed.split(), row.question.split(), strict=True) if a != b]
        assert len(changed) == 1 and abs(len(changed[0][0]) - len(changed[0][1])) <= 1


def test_greetings_wrap_each_swedish_question_the_same_way_each_run(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "a", "question": "Måste kommunen ha en plan?"}\n'
        '{"id": "b", "question": "Must there be a plan?", "lang": "en"}\n',
        encoding="utf-8",
    )
    swedish, english = load_questions(path, greetings=1)
    assert (
        "Måste kommunen ha en plan?" in swedish.question and swedish.question != "Måste kommunen ha en plan?"
    )
    assert [q.question for q in load_questions(path, greetings=1)] == [swedish.question, english.question]
    assert english.question == "Must there be a plan?"


def _cited(n: int, text: str) -> Citation:
    return Citation(n, Chunk(f"c{n}", "lag", n, text, f"{n} §", "Lag"), text, 0.9)


@pytest.mark.parametrize(
    ("parts", "outcomes"),
    [
        # Split by planbot: each part is judged by its own citations and its own refusal.
        ((AnswerPart("a?", False, (2,)), AnswerPart("b?", True)), [False, True]),
        ((AnswerPart("a?", False, (1,)), AnswerPart("b?", False, (2,))), [True, False]),
        # Not split: the whole answer's citations count, and the unanswerable part is not refused.
        ((), [True, False]),
    ],
)
def test_a_two_part_question_is_scored_part_by_part(
    parts: tuple[AnswerPart, ...], outcomes: list[bool]
) -> None:
    question = Question("t1", "a? b?", parts=(("kommunerna ansvarar",), ()))
    citations = (_cited(1, "För folkbibliotek kommunerna ansvarar."), _cited(2, "Avgift får tas ut."))
    answer = Answer("a? b?", "…", False, "sv", citations, (), parts=parts)
    assert part_outcomes(question, answer) == outcomes
