"""Choose fusion, reranking and refusal parameters from the eval set (run: .venv/bin/python eval/tune.py).

Caches each question's candidates and their features once, then grid-searches the scoring
parameters offline, so the choice is measured on the shipped questions rather than guessed.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from planbot.config import Settings
from planbot.answer import content_stems
from planbot_dev.evaluate import holds_gold, load_questions
from planbot.pipeline import Pipeline


def features(pipeline: Pipeline, questions: list, depth: int = 30) -> list[dict]:
    """Per question: candidate chunks with dense/lexical ranks and scores and best-sentence similarity."""
    out = []
    r = pipeline.retriever
    for q in questions:
        qv = r.embed_query(q.question)
        dense = r.dense(qv, depth, q.filters)
        lexical = r.lexical_ranking(q.question, depth, q.filters)
        cands: dict[str, dict] = {}
        for rank, (c, s) in enumerate(dense, 1):
            cands.setdefault(c.id, {"chunk": c})["dense_rank"] = rank
            cands[c.id]["dense"] = s
        for rank, (c, s) in enumerate(lexical, 1):
            cands.setdefault(c.id, {"chunk": c})["lex_rank"] = rank
            cands[c.id]["lex"] = s
        missing = [cands[k]["chunk"] for k in cands if "dense" not in cands[k]]
        for cid, v in r.index.chunk_vectors(missing, r.documents).items():
            cands[cid]["dense"] = float(v @ qv)
        best: dict[str, float] = defaultdict(float)
        best_lex: dict[str, float] = defaultdict(float)
        q_stems = content_stems(q.question)
        for sv in r.index.sentence_vectors(list(cands), r.documents):
            best[sv.chunk_id] = max(best[sv.chunk_id], float(sv.vector @ qv))
            text = cands[sv.chunk_id]["chunk"].text[sv.start : sv.end]
            share = len(q_stems & content_stems(text)) / max(1, len(q_stems))
            best_lex[sv.chunk_id] = max(best_lex[sv.chunk_id], float(sv.vector @ qv) + 0.05 * share)
        titles = {d.id: d.title for d in r.documents.values()}
        tv = dict(zip(titles, pipeline.embedder.embed(list(titles.values())), strict=True))
        rows = []
        for cid, f in cands.items():
            rows.append(
                {
                    "id": cid,
                    "gold": holds_gold(f["chunk"].text, q.gold) if q.gold else False,
                    "dense": f.get("dense", 0.0),
                    "dense_rank": f.get("dense_rank", 99),
                    "lex": f.get("lex", 0.0),
                    "lex_rank": f.get("lex_rank", 99),
                    "sent": best.get(cid, f.get("dense", 0.0)),
                    "sentlex": best_lex.get(cid, f.get("dense", 0.0)),
                    "title": float(tv[f["chunk"].document_id] @ qv),
                }
            )
        out.append({"id": q.id, "refuse": q.refuse, "kind": q.kind, "rows": rows, "question": q.question})
    return out


def score_rows(rows: list[dict], p: dict) -> list[dict]:
    """Rank candidates with parameters ``p`` (the same formula as Retriever + SentenceWindowReranker)."""
    fused = []
    for row in rows:
        rrf = p["wd"] / (p["k"] + row["dense_rank"]) if row["dense_rank"] < 99 else 0.0
        rrf += p["wl"] / (p["k"] + row["lex_rank"]) if row["lex_rank"] < 99 else 0.0
        fused.append((rrf, row))
    fused.sort(key=lambda t: -t[0])
    top_lex = max((r["lex"] for r in rows), default=0.0) or 1.0
    scored = []
    for rank, (_, row) in enumerate(fused, 1):
        if rank <= p["depth"]:
            s = p["ws"] * row["sent"] + p["wp"] * row["dense"] + p["wf"] / rank**0.5
            s += p.get("wsl", 0.0) * row.get("sentlex", 0.0)
            s += p.get("wx", 0.0) * row["lex"] / top_lex + p.get("wt", 0.0) * row.get("title", 0.0)
        else:
            s = -rank
        scored.append((s, row))
    scored.sort(key=lambda t: -t[0])
    return [row for _, row in scored]


def metrics(data: list[dict], p: dict) -> dict:
    """top-1, top-5 and MRR@10 over answerable questions."""
    t1 = t5 = mrr = 0.0
    n = 0
    for q in data:
        if q["refuse"]:
            continue
        n += 1
        ranked = score_rows(q["rows"], p)
        hit = next((i for i, r in enumerate(ranked[:10], 1) if r["gold"]), None)
        t1 += hit == 1
        t5 += hit is not None and hit <= 5
        mrr += 1 / hit if hit else 0
    return {"top1": t1 / n, "top5": t5 / n, "mrr": mrr / n}


def compounds_effect(pipeline: Pipeline, questions: list) -> None:
    """BM25 alone with and without compound splitting: does splitting help in Swedish?"""
    from planbot.lexical import LexicalIndex
    from planbot.records import embedding_text

    chunks = pipeline.retriever.chunks
    texts = [embedding_text(c) for c in chunks]
    for mode in ("none", "split"):
        index = LexicalIndex(texts, mode)  # type: ignore[arg-type]
        t1 = t5 = n = 0
        for q in questions:
            if q.refuse:
                continue
            n += 1
            order = np.argsort(-index.scores(q.question))[:5]
            hits = [holds_gold(chunks[i].text, q.gold) for i in order]
            t1 += hits[0]
            t5 += any(hits)
        print(f"BM25 only, compounds={mode}: top-1 {t1 / n:.3f}, top-5 {t5 / n:.3f}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0] if args else "eval/questions.jsonl")
    cache = Path("bench/.cache/tune-features.json")
    questions = load_questions(path)
    pipeline = Pipeline(Settings())
    pipeline.ingest(progress=False)
    compounds_effect(pipeline, questions)
    if cache.exists() and "--cached" in sys.argv:
        data = json.loads(cache.read_text())
    else:
        data = features(pipeline, questions)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(data, default=str))
    grid = {
        "wd": [1.0],
        "wl": [0.0, 0.3, 0.6, 1.0],
        "k": [5, 20, 60],
        "depth": [10, 20, 30],
        "ws": [0.0, 1.0, 2.0],
        "wp": [0.0, 1.0],
        "wf": [0.0],
        "wx": [0.0, 0.04, 0.08, 0.12],
        "wsl": [0.0, 0.5, 1.0],
    }
    results = []
    for values in itertools.product(*grid.values()):
        p = dict(zip(grid, values, strict=True))
        if p["ws"] == 0 and p["wp"] == 0 and p["wf"] == 0:
            continue
        m = metrics(data, p)
        results.append((m["mrr"] + m["top1"], m, p))
    results.sort(key=lambda t: -t[0])
    for _, m, p in results[:15]:
        print(json.dumps(m), json.dumps(p))
    print(
        "fusion only (wl=0.6,k=20):",
        metrics(data, {"wd": 1, "wl": 0.6, "k": 20, "depth": 0, "ws": 0, "wp": 0, "wf": 0}),
    )
    print("dense only:", metrics(data, {"wd": 1, "wl": 0.0, "k": 20, "depth": 0, "ws": 0, "wp": 0, "wf": 0}))


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
