"""eval-chat's loading and scoring of follow-up conversations (kinds, splits, near-miss refusals)."""

from __future__ import annotations

import json
from pathlib import Path

from planbot_dev.evaluate_chat import ConversationResult, by_kind, carried_terms, load_conversations


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_loads_near_miss_follow_ups_and_keeps_only_the_asked_split(tmp_path: Path) -> None:
    first = {"question": "Vem bestämmer grundbeloppet?", "gold": ["överenskommelse"]}
    rows: list[dict[str, object]] = [
        {"id": "a", "kind": "near-miss-follow-up", "split": "tune",
         "turns": [first, {"question": "Hur många kronor är det?", "expect": "refuse"}]},
        {"id": "b", "kind": "topic-shift", "split": "test",
         "turns": [first, {"question": "Ny fråga: vad är lånecentraler?", "gold": ["lånecentral"],
                           "drop_terms": ["grundbeloppet"]}]},
    ]  # fmt: skip
    path = _write(tmp_path / "c.jsonl", rows)
    tune = load_conversations(path, "tune")
    assert [c.id for c in tune] == ["a"] and tune[0].refuse and tune[0].gold == ()
    (test,) = load_conversations(path, "test")
    assert test.drop_terms == ("grundbeloppet",) and not test.refuse
    assert len(load_conversations(path)) == 2


def test_a_topic_shift_query_that_still_carries_an_earlier_term_counts_as_wrong() -> None:
    assert carried_terms("Vad är lånecentraler? (Grundbeloppet)", ["grundbeloppet", "kronor"]) == (
        "grundbeloppet",
    )
    carried = ConversationResult(
        "b", "sv", "q", "q (grundbeloppet)", 1, 1, kind="topic-shift", carried=("x",)
    )
    refused = ConversationResult(
        "a", "sv", "q", None, None, None, kind="near-miss-follow-up", refuse=True, refused=True
    )
    assert not carried.ok and refused.ok
    totals = {k.kind: k for k in by_kind([carried, refused])}
    assert totals["all"].carried == 1 and totals["all"].refused == 1 and totals["all"].answerable == 1
