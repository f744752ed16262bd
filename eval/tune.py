"""Choose the ranking settings on the TUNE split only (run: .venv/bin/python eval/tune.py).

Never reads split=test lines of eval/everyday.jsonl (eval/FROZEN.md). Tunes on the everyday tune
split and the older eval/questions.jsonl, each reported separately:

1. retrieval-side expansion: thesaurus on/off, dictionary on/off, expansion weight in BM25;
2. the reranker's hand-set weights (grid search over the cached signals);
3. near-duplicate collapse on/off.

Query vectors are embedded once (the Retriever caches them); everything else is cheap to redo.
Use PLANBOT_INDEX_DIR / PLANBOT_DATA_DIR to point at your own index.
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planbot.config import Settings
from planbot.expansion import create_expander
from planbot.pipeline import Pipeline
from planbot.records import ScoredChunk
from planbot.rerank import ExpandedLexical, SentenceWindowReranker
from planbot.signals import FEATURES, HAND_SET, RankerWeights, collapse_duplicates
from planbot_dev.evaluate import Question, holds_gold, load_questions

SETS = {
    "everyday-tune": (Path("eval/everyday.jsonl"), "tune"),
    "questions": (Path("eval/questions.jsonl"), "all"),
}


@dataclass
class Cached:
    """One question's reranker head: candidates, their signals, and which hold the gold."""

    question: Question
    head: list[ScoredChunk]
    features: np.ndarray
    gold: np.ndarray


def tuning_questions() -> dict[str, list[Question]]:
    """Answerable questions of the tuning sets (test lines are never loaded)."""
    out = {}
    for name, (path, split) in SETS.items():
        qs = load_questions(path, split)
        assert all(q.split != "test" for q in qs), "the test split must never be tuned on"
        out[name] = [q for q in qs if q.gold and not q.refuse]
    return out


def configure(pipeline: Pipeline, thesaurus: bool, dictionary: bool, weight: float) -> SentenceWindowReranker:
    """Point the retriever's lexical side at an expander with these settings; return a reranker over it."""
    expander = create_expander(pipeline.settings.glossary_file, thesaurus=thesaurus, dictionary=dictionary)
    backend = pipeline.retriever.lexical_backend
    inner = backend.inner if isinstance(backend, ExpandedLexical) else (backend or pipeline.retriever)
    pipeline.retriever.lexical_backend = ExpandedLexical(inner, expander, weight=weight)
    reranker = SentenceWindowReranker(pipeline.retriever, expander=expander)
    reranker.all_signals = True
    return reranker


VECTORS = Path("bench/.cache/tune-query-vectors.npz")
_vectors: dict[str, np.ndarray] = {}


def query_vector(pipeline: Pipeline, question: str) -> np.ndarray:
    """The question's vector, kept on disk between runs (embedding is the slow part on 2 busy cores)."""
    if not _vectors and VECTORS.exists():
        with np.load(VECTORS) as saved:
            _vectors.update(zip(saved["questions"].tolist(), saved["vectors"], strict=True))
    if question not in _vectors:
        _vectors[question] = pipeline.retriever.embed_query(question)
        VECTORS.parent.mkdir(parents=True, exist_ok=True)
        np.savez(VECTORS, questions=np.array(list(_vectors)), vectors=np.stack(list(_vectors.values())))
    return _vectors[question]


def cache(pipeline: Pipeline, reranker: SentenceWindowReranker, questions: list[Question]) -> list[Cached]:
    """Signals of every question's candidate head under the current retrieval settings."""
    out = []
    r = pipeline.retriever
    for q in questions:
        vector = query_vector(pipeline, q.question)
        cands = r.retrieve(q.question, vector, pipeline.settings.candidates, q.filters)[: reranker.depth]
        head, feats = reranker.signals(q.question, vector, cands)
        gold = np.array([holds_gold(c.chunk.text, q.gold) for c in head], dtype=bool)
        out.append(Cached(q, head, feats, gold))
    return out


def ranks(data: list[Cached], weights: RankerWeights, collapse: bool = True) -> list[int | None]:
    """1-based rank of the first gold passage per question (None: not in the head)."""
    out = []
    for item in data:
        scores = weights.score(item.features)
        order = np.argsort(-scores, kind="stable")
        if not collapse:
            hit = np.flatnonzero(item.gold[order])
            out.append(int(hit[0]) + 1 if hit.size else None)
            continue
        ranked = collapse_duplicates([item.head[i] for i in order])
        out.append(
            next((i for i, c in enumerate(ranked, 1) if holds_gold(c.chunk.text, item.question.gold)), None)
        )
    return out


def metrics(hits: list[int | None]) -> dict[str, float]:
    """top-1, top-5, MRR@10."""
    n = max(1, len(hits))
    return {
        "top1": round(sum(h == 1 for h in hits) / n, 3),
        "top5": round(sum(h is not None and h <= 5 for h in hits) / n, 3),
        "mrr": round(sum(1 / h for h in hits if h is not None and h <= 10) / n, 3),
    }


def objective(m: dict[str, float]) -> float:
    return m["top1"] + m["mrr"] + 0.5 * m["top5"]


def grid() -> list[RankerWeights]:
    """Hand-set weight candidates around the shipped ones."""
    axes = {
        "dense": [1.0],
        "sentence": [0.0, 0.5, 1.0],
        "context": [0.0, 1.0, 1.5, 2.0],
        "lexical": [0.0, 0.04, 0.08, 0.16],
        "expansion": [0.0, 0.02, 0.04, 0.08],
        "source": [0.0, 0.01, 0.02, 0.04],
        "title": [0.0, 0.03, 0.06],
        "fused": [0.0, 0.05],
        "wording": [0.0, 0.5],
    }
    return [RankerWeights(dict(zip(axes, v, strict=True))) for v in itertools.product(*axes.values())]


def main() -> None:
    pipeline = Pipeline(Settings())
    pipeline.ingest(progress=False)
    sets = tuning_questions()
    print({k: len(v) for k, v in sets.items()}, "answerable tuning questions")
    best_retrieval = None
    choice = Path("bench/.cache/tune-choice.json")
    sweep = [] if "--fixed" in sys.argv else [False, True]
    if not sweep:
        fixed = json.loads(choice.read_text())
        best_retrieval = (0.0, fixed["thesaurus"], fixed["dictionary"], fixed["weight"])
    for thesaurus, dictionary, weight in itertools.product(sweep, sweep, [0.0, 0.25, 0.5]):
        reranker = configure(pipeline, thesaurus, dictionary, weight)
        data = {k: cache(pipeline, reranker, qs) for k, qs in sets.items()}
        ms = {k: metrics(ranks(d, HAND_SET)) for k, d in data.items()}
        score = sum(objective(m) for m in ms.values())
        print(f"thesaurus={thesaurus!s:5} dictionary={dictionary!s:5} weight={weight:4}", json.dumps(ms))
        if best_retrieval is None or score > best_retrieval[0]:
            best_retrieval = (score, thesaurus, dictionary, weight)
    assert best_retrieval is not None
    _, thesaurus, dictionary, weight = best_retrieval
    print(f"chosen retrieval: thesaurus={thesaurus} dictionary={dictionary} weight={weight}")
    choice.parent.mkdir(parents=True, exist_ok=True)
    choice.write_text(json.dumps({"thesaurus": thesaurus, "dictionary": dictionary, "weight": weight}))
    reranker = configure(pipeline, thesaurus, dictionary, weight)
    data = {k: cache(pipeline, reranker, qs) for k, qs in sets.items()}
    results = []
    for w in grid():
        ms = {k: metrics(ranks(d, w, collapse=False)) for k, d in data.items()}
        results.append((sum(objective(m) for m in ms.values()), ms, w))
    results.sort(key=lambda t: -t[0])
    for _, ms, w in results[:10]:
        print(json.dumps(ms), json.dumps(dict(w.weights)))
    best = results[0][2]
    for collapse in (False, True):
        print(f"collapse={collapse}", {k: metrics(ranks(d, best, collapse)) for k, d in data.items()})
    print("shipped HAND_SET:", {k: metrics(ranks(d, HAND_SET)) for k, d in data.items()})
    print("features:", FEATURES)
    for name, d in data.items():
        for item, hit in zip(d, ranks(d, best), strict=True):
            if hit != 1:
                top = collapse_duplicates([item.head[i] for i in np.argsort(-best.score(item.features))])[0]
                print(f"miss {name} {item.question.id} {item.question.kind:12} rank={hit} top={top.chunk.id}")


if __name__ == "__main__":
    main()
