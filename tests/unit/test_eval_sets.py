"""Shipped evaluation sets pass their validators; the everyday test split is frozen; faults are reported."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval"
CORPUS = ROOT / "corpus"
QUESTIONS = "everyday.jsonl"
CONVERSATIONS = "everyday-conversations.jsonl"
SITUATIONAL = "situational.jsonl"
BLIND = "blind.jsonl"
BLIND2 = "blind2.jsonl"
BLIND3 = "blind3.jsonl"
BLIND4 = "blind4.jsonl"
BLIND5 = "blind5.jsonl"
BLIND6 = "blind6.jsonl"
BLIND7 = "blind7.jsonl"
BLIND8 = "blind8.jsonl"
FROZEN = "FROZEN.md"

Row = dict[str, Any]


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(EVAL))
    spec = importlib.util.spec_from_file_location(name, EVAL / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


everyday = _load("check_everyday")
old_set = _load("check_eval_set")


def _rows(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_everyday_set_passes_its_validator() -> None:
    problems = everyday.validate(EVAL / QUESTIONS, EVAL / CONVERSATIONS, CORPUS, EVAL / FROZEN)
    assert problems == []


@pytest.mark.parametrize("name", [SITUATIONAL, BLIND, BLIND2, BLIND3, BLIND4, BLIND5, BLIND6, BLIND7, BLIND8])
def test_gold_of_the_blind_sets_lies_in_one_passage_of_its_document(name: str) -> None:
    docs, _ = everyday.load(CORPUS)
    holders = [h for r in _rows(EVAL / name) for h in [r, *r.get("parts", [])] if h.get("gold")]
    misplaced = [
        g for h in holders for g in h["gold"] if h["document"] not in {d for d, _ in everyday.hits(docs, g)}
    ]
    assert holders and misplaced == []


@pytest.mark.parametrize(
    "name",
    [QUESTIONS, CONVERSATIONS, SITUATIONAL, BLIND, BLIND2, BLIND3, BLIND4, BLIND5, BLIND6, BLIND7, BLIND8],
)
def test_everyday_test_split_matches_frozen_hash(name: str) -> None:
    recorded = everyday.frozen_hashes(EVAL / FROZEN)
    assert everyday.test_hash(_rows(EVAL / name)) == recorded[name]


def test_old_eval_set_passes_apart_from_statutes_added_after_it() -> None:
    problems = old_set.validate(EVAL / "questions.jsonl", EVAL / "conversations.jsonl", CORPUS)
    later = everyday.NEW_STATUTES
    assert [p for p in problems if not any(f"document {d!r} has no question" in p for d in later)] == []


def _first(rows: list[Row], pred: Callable[[Row], bool]) -> Row:
    return next(r for r in rows if pred(r))


def _gold_not_in_document(q: list[Row], c: list[Row]) -> None:
    _first(q, lambda r: "gold" in r)["gold"] = ["de här orden står inte i något dokument alls"]


def _gold_copied(q: list[Row], c: list[Row]) -> None:
    row = _first(q, lambda r: "gold" in r)
    row["question"] = "Stämmer det att " + row["gold"][0] + "?"


def _test_line_edited(q: list[Row], c: list[Row]) -> None:
    _first(q, lambda r: r["split"] == "test")["question"] += " Tack!"


def _near_miss_with_gold(q: list[Row], c: list[Row]) -> None:
    _first(q, lambda r: r["kind"] == "near-miss")["gold"] = ["Varje kommun ska ha folkbibliotek"]


def _document_uncovered(q: list[Row], c: list[Row]) -> None:
    q[:] = [r for r in q if r.get("document") != "lag-2009-724-nationella-minoriteter"]


def _split_share_off(q: list[Row], c: list[Row]) -> None:
    for r in [r for r in q if r["kind"] == "list" and r["split"] == "test"][:3]:
        r["split"] = "tune"


def _also_missing(q: list[Row], c: list[Row]) -> None:
    del _first(q, lambda r: "also" in r)["also"]


def _retelling_holds_gold(q: list[Row], c: list[Row]) -> None:
    row = _first(q, lambda r: r["kind"] == "source-over-retelling")
    row["retold_in"] = [row["document"]]


def _list_with_one_gold(q: list[Row], c: list[Row]) -> None:
    row = _first(q, lambda r: r["kind"] == "list")
    row["gold"] = row["gold"][:1]


def _drop_term_carried(q: list[Row], c: list[Row]) -> None:
    final = _first(c, lambda r: r["kind"] == "topic-shift")["turns"][-1]
    final["question"] += " " + final["drop_terms"][0]


def _near_miss_follow_up_with_gold(q: list[Row], c: list[Row]) -> None:
    final = _first(c, lambda r: r["kind"] == "near-miss-follow-up")["turns"][-1]
    final["gold"] = ["Varje kommun ska ha folkbibliotek"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_gold_not_in_document, "not inside one section"),
        (_gold_copied, "question copies"),
        (_test_line_edited, "frozen test split changed"),
        (_near_miss_with_gold, "a near-miss has no gold"),
        (_document_uncovered, "gold document of no question"),
        (_split_share_off, "test lines, want 40%"),
        (_also_missing, "also must be"),
        (_retelling_holds_gold, "occurs in the retelling"),
        (_list_with_one_gold, "needs 2+ golds"),
        (_drop_term_carried, "carried into the final turn"),
        (_near_miss_follow_up_with_gold, "ends with expect 'refuse'"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_validator_reports_a_broken_set(
    tmp_path: Path, mutate: Callable[[list[Row], list[Row]], None], expected: str
) -> None:
    q, c = _rows(EVAL / QUESTIONS), _rows(EVAL / CONVERSATIONS)
    mutate(q, c)
    for name, rows in ((QUESTIONS, q), (CONVERSATIONS, c)):
        (tmp_path / name).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    shutil.copy(EVAL / FROZEN, tmp_path / FROZEN)
    problems = everyday.validate(tmp_path / QUESTIONS, tmp_path / CONVERSATIONS, CORPUS, tmp_path / FROZEN)
    assert any(expected in p for p in problems), problems


def test_main_exits_1_on_problems(tmp_path: Path) -> None:
    (tmp_path / QUESTIONS).write_text('{"id": "e001"}\n', encoding="utf-8")
    (tmp_path / CONVERSATIONS).write_text("", encoding="utf-8")
    args = [str(tmp_path / QUESTIONS), str(tmp_path / CONVERSATIONS), str(CORPUS), str(tmp_path / FROZEN)]
    assert everyday.main(args) == 1
