"""Refusals and list answers on eval/everyday.jsonl, by kind, for one split (the answer side of issue 9).

Usage: .venv/bin/python eval/answer_check.py --split tune [--cache /tmp/x.pkl] [--show]

With --cache the ranked passages of each question are kept between runs, so a change to the answer
step (answer.py) is measured without searching again; drop the cache when ranking changes.
"""

from __future__ import annotations

import argparse
import json
import pickle
from collections import defaultdict
from pathlib import Path

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot_dev.evaluate import holds_gold, normalise

EVAL = Path(__file__).parent / "everyday.jsonl"


def main() -> None:
    """Print refused/answered counts and list completeness by kind."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=["tune", "test", "all"], default="tune")
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--show", action="store_true", help="print every wrong refusal decision")
    args = ap.parse_args()
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if args.split == "all" or r["split"] == args.split]
    pipeline = Pipeline(Settings())
    pipeline.ingest(progress=None)
    cache: dict[str, object] = {}
    if args.cache and args.cache.exists():
        cache = pickle.loads(args.cache.read_bytes())
    refused: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cited_ok = cited_all = 0
    list_found = list_total = 0
    for row in rows:
        q = row["question"]
        if q not in cache:
            vector, ranked = pipeline.search(q)
            cache[q] = (vector, [pipeline._with_context(p) for p in ranked])
        vector, passages = cache[q]  # type: ignore[misc]
        answer = pipeline.answerer.answer(q, vector, passages)
        kind = row["kind"]
        refused[kind][0] += answer.refused
        refused[kind][1] += 1
        gold = row.get("gold") or []
        wrong = answer.refused != (row.get("expect") == "refuse")
        if gold and not answer.refused:
            cited_all += len(answer.citations)
            cited_ok += sum(holds_gold(c.chunk.text, gold) for c in answer.citations)
        if kind == "list" and not answer.refused:
            text = normalise(" ".join(c.quote for c in answer.citations))
            list_total += len(gold)
            list_found += sum(normalise(g) in text for g in gold)
        if args.show and (wrong or (kind == "list" and not answer.refused)):
            top = passages[0] if passages else None
            where = f"{top.chunk.document_id} {top.chunk.locator} s={top.sentence:.3f}" if top else "-"
            gold_rank = next((i for i, p in enumerate(passages, 1) if holds_gold(p.chunk.text, gold)), None)
            flag = "REFUSED" if answer.refused else "ANSWERED"
            print(f"{row['id']} {kind} {row.get('answer_type', '')} {flag} gold@{gold_rank} [{where}] {q}")
            if not answer.refused:
                print("   ->", answer.text[:300])
    if args.cache:
        args.cache.write_bytes(pickle.dumps(cache))
    print(f"split={args.split} questions={len(rows)}")
    for kind, (n_refused, n) in sorted(refused.items()):
        print(f"  {kind:<24} refused {n_refused:>3}/{n}")
    answerable = [v for k, v in refused.items() if k != "near-miss"]
    print(f"  answerable refused: {sum(v[0] for v in answerable)}/{sum(v[1] for v in answerable)}")
    print(f"  cited-passage precision: {cited_ok}/{cited_all}")
    print(f"  list golds in the answer's quotes: {list_found}/{list_total}")


if __name__ == "__main__":
    main()
