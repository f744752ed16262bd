"""Learn the ranker's combination of signals, and ship it only if it beats hand-set weights (tune data only).

Run: .venv/bin/python eval/train_ranker.py [--write]

Rows are the reranker head's candidates (the fused top 20) of every answerable question of every tuning
set (``TUNING``: the tune splits of the frozen files and the sets that have no test split; never a test
line), label = the passage holds the gold. Three learners against the grid of hand-set weights:
  - logistic regression on per-question centred signals (pointwise; C fixed at 1);
  - pairwise logistic regression on gold-minus-other differences (a linear ranker; C fixed at 100,
    since the signals differ by hundredths within a question and C=1 shrinks them to nothing);
  - gradient-boosted trees on the signals, centred and relative to the best candidate (not linear, so it
    could only ship as a model file; it is measured to know whether non-linearity is what is missing).
Two held-out schemes: 5 folds by question, and leave one set out (a whole batch never seen, as the next
blind batch will be). The hand-set grid is chosen on the same training folds, so it is not favoured.
With --write and only if pairwise logistic beats the grid on both schemes, src/planbot/data/ranker.json
gets its weights (trained on all tuning rows); PLANBOT_RANKER_FILE uses them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from tune import Cached, cache, grid, metrics, objective

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.rerank import SentenceWindowReranker, create_reranker
from planbot.signals import FEATURES, RankerWeights
from planbot_dev.evaluate import load_questions

OUT = Path("src/planbot/data/ranker.json")
TUNING = {
    "everyday": ("eval/everyday.jsonl", "tune"),
    "questions": ("eval/questions.jsonl", "all"),
    "fresh": ("eval/fresh.jsonl", "all"),
    "statutes": ("eval/statutes.jsonl", "all"),
    "blind": ("eval/blind.jsonl", "tune"),
    "blind2": ("eval/blind2.jsonl", "tune"),
    "blind3": ("eval/blind3.jsonl", "tune"),
    "blind4": ("eval/blind4.jsonl", "tune"),
    "situational": ("eval/situational.jsonl", "tune"),
}
Scorer = Callable[[Cached], np.ndarray]


def load(pipeline: Pipeline) -> dict[str, list[Cached]]:
    """Every tuning set's answerable questions with their candidates' signals (test lines never load)."""
    reranker = create_reranker(pipeline.settings, pipeline.retriever)
    assert isinstance(reranker, SentenceWindowReranker)
    reranker.all_signals = True
    out = {}
    for name, (path, split) in TUNING.items():
        questions = [q for q in load_questions(Path(path), split) if q.gold and not q.refuse]
        assert all(q.split != "test" for q in questions), "the test split must never be tuned on"
        out[name] = cache(pipeline, reranker, questions)
    return out


def first_gold(items: list[Cached], scorer: Scorer) -> list[int | None]:
    """1-based rank of the first gold passage per question under ``scorer`` (None: not in the head)."""
    out = []
    for item in items:
        hit = np.flatnonzero(item.gold[np.argsort(-scorer(item), kind="stable")])
        out.append(int(hit[0]) + 1 if hit.size else None)
    return out


def linear(weights: np.ndarray) -> Scorer:
    return lambda item: item.features @ weights


def fit_pointwise(items: list[Cached]) -> Scorer:
    """Logistic regression on per-question centred signals; its coefficients are the weights."""
    x = np.concatenate([it.features - it.features.mean(axis=0) for it in items])
    y = np.concatenate([it.gold for it in items])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(x, y)
    return linear(model.coef_[0])


def pairwise_weights(items: list[Cached]) -> np.ndarray:
    """A linear ranker: logistic regression on (gold - other) signal differences within each question."""
    xs, ys = [], []
    for it in items:
        others = it.features[~it.gold]
        for row in it.features[it.gold]:
            diff = row - others
            xs += [diff, -diff]
            ys += [np.ones(len(diff)), np.zeros(len(diff))]
    model = LogisticRegression(C=100.0, fit_intercept=False, max_iter=2000)
    model.fit(np.concatenate(xs), np.concatenate(ys))
    coef = model.coef_[0]
    return np.asarray(coef / (abs(coef[FEATURES.index("dense")]) or 1.0))


def _relative(features: np.ndarray) -> np.ndarray:
    return np.hstack([features, features - features.mean(axis=0), features - features.max(axis=0)])


def fit_trees(items: list[Cached]) -> Scorer:
    """Gradient-boosted trees on each signal as it is, centred, and against the head's best."""
    x = np.concatenate([_relative(it.features) for it in items])
    y = np.concatenate([it.gold for it in items])
    model = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.05, max_depth=3, min_samples_leaf=40, random_state=0
    ).fit(x, y)
    return lambda item: model.predict_proba(_relative(item.features))[:, 1]


def fit_grid(items: list[Cached]) -> Scorer:
    """The hand-set grid's best weights on these questions (all grid points scored at once)."""
    w = np.array([[c.weights.get(f, 0.0) for f in FEATURES] for c in grid()]).T
    ranks = np.zeros((len(items), w.shape[1]))  # 0: no gold in the head
    for i, it in enumerate(items):
        if it.gold.any():
            scores = it.features @ w  # candidates x grid points
            best_gold = np.where(it.gold[:, None], scores, -np.inf).max(axis=0)
            ranks[i] = (np.where(~it.gold[:, None], scores, -np.inf) > best_gold).sum(axis=0) + 1
    top1 = (ranks == 1).mean(axis=0)
    top5 = ((ranks >= 1) & (ranks <= 5)).mean(axis=0)
    mrr = np.where((ranks >= 1) & (ranks <= 10), 1 / np.maximum(ranks, 1), 0).mean(axis=0)
    return linear(w[:, int(np.argmax(top1 + mrr + 0.5 * top5))])  # tune.objective


LEARNERS: dict[str, Callable[[list[Cached]], Scorer]] = {
    "hand-set grid": fit_grid,
    "logistic": fit_pointwise,
    "pairwise logistic": lambda items: linear(pairwise_weights(items)),
    "boosted trees": fit_trees,
}


def held_out(data: dict[str, list[Cached]]) -> dict[str, dict[str, dict[str, float]]]:
    """Each learner's figures on held-out questions: 5 folds by question, and leave one set out."""
    items = [(name, it) for name, rows in data.items() for it in rows]
    folds = np.random.default_rng(20261125).permutation(len(items)) % 5
    splits = {
        "5 folds by question": [
            (
                [it for (_, it), f in zip(items, folds, strict=True) if f != k],
                [it for (_, it), f in zip(items, folds, strict=True) if f == k],
            )
            for k in range(5)
        ],
        "leave one set out": [
            ([it for n, it in items if n != name], [it for n, it in items if n == name])
            for name in data
            if len(data[name]) >= 15
        ],
    }
    report = {}
    for scheme, pairs in splits.items():
        hits: dict[str, list[int | None]] = {name: [] for name in LEARNERS}
        for train, test in pairs:
            train = [
                it for it in train if it.gold.any()
            ]  # a question without gold in the head teaches nothing
            for name, learn in LEARNERS.items():
                hits[name] += first_gold(test, learn(train))
        report[scheme] = {name: metrics(h) for name, h in hits.items()}
    return report


def main() -> None:
    pipeline = Pipeline(Settings())
    pipeline.ingest(progress=False)
    data = load(pipeline)
    print({name: len(rows) for name, rows in data.items()}, "answerable tuning questions")
    report = held_out(data)
    for scheme, figures in report.items():
        print(scheme)
        for name, m in figures.items():
            print(f"  {name:18} {json.dumps(m)}")
    wins = all(
        objective(figures["pairwise logistic"]) > objective(figures["hand-set grid"])
        for figures in report.values()
    )
    print(f"pairwise logistic beats the hand-set grid on both held-out schemes: {wins}")
    every = [it for rows in data.values() for it in rows if it.gold.any()]
    weights = RankerWeights(
        {f: round(float(w), 4) for f, w in zip(FEATURES, pairwise_weights(every), strict=True)},
        "pairwise logistic",
    )
    print("pairwise logistic on all tuning questions:", dict(weights.weights))
    if "--write" in sys.argv and wins:
        OUT.write_text(
            json.dumps(
                {
                    "origin": f"pairwise logistic regression (eval/train_ranker.py, {len(every)} questions)",
                    "features": list(FEATURES),
                    "weights": dict(weights.weights),
                    "cross_validation": report,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
