"""Learn the ranker's signal weights by logistic regression, if it beats hand-set weights (tune data only).

Run: .venv/bin/python eval/train_ranker.py [--write]

Rows are the reranker head's candidates of every answerable tuning question (eval/everyday.jsonl
split=tune and eval/questions.jsonl; never split=test), label = the passage holds the gold. Features
are centred per question (a per-question shift never changes an order, but it lets a pointwise model
learn what lifts a passage above its rivals). 5-fold cross-validation by question compares:
  - logistic regression trained on four folds, scored on the fifth;
  - the grid's best hand-set weights chosen on the same four folds.
With --write and only if logistic regression (C fixed at 1) wins on the held-out folds,
src/planbot/data/ranker.json gets its weights (trained on all tuning rows); PLANBOT_RANKER_FILE uses them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from tune import Cached, cache, configure, grid, metrics, objective, ranks, tuning_questions

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.signals import FEATURES, RankerWeights

OUT = Path("src/planbot/data/ranker.json")


def fit(items: list[Cached], c: float = 1.0) -> RankerWeights:
    """Logistic regression on per-question centred signals; its coefficients are the weights."""
    x = np.concatenate([it.features - it.features.mean(axis=0) for it in items])
    y = np.concatenate([it.gold for it in items])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000).fit(x, y)
    coef = model.coef_[0] / (abs(model.coef_[0][FEATURES.index("dense")]) or 1.0)
    return RankerWeights({f: round(float(w), 4) for f, w in zip(FEATURES, coef, strict=True)}, "logistic")


def best_of_grid(items: list[Cached]) -> RankerWeights:
    """The grid's best hand-set weights on these questions."""
    return max(grid(), key=lambda w: objective(metrics(ranks(items, w, collapse=False))))


def main() -> None:
    settings = Settings()
    pipeline = Pipeline(settings)
    pipeline.ingest(progress=False)
    tuned = (
        json.loads(Path("bench/.cache/tune-choice.json").read_text())
        if Path("bench/.cache/tune-choice.json").exists()
        else {"thesaurus": True, "dictionary": True, "weight": 0.5}
    )
    reranker = configure(pipeline, tuned["thesaurus"], tuned["dictionary"], tuned["weight"])
    items = [it for qs in tuning_questions().values() for it in cache(pipeline, reranker, qs)]
    items = [it for it in items if it.gold.any()]  # a question without gold in the head teaches nothing
    rng = np.random.default_rng(20261125)
    folds = rng.permutation(len(items)) % 5
    held = {"logistic": [], "hand-set grid": []}
    for k in range(5):
        train = [it for it, f in zip(items, folds, strict=True) if f != k]
        test = [it for it, f in zip(items, folds, strict=True) if f == k]
        for c in (0.1, 1.0, 10.0):
            held.setdefault(f"logistic C={c}", []).extend(ranks(test, fit(train, c), collapse=False))
        held["logistic"] = held["logistic C=1.0"]
        held["hand-set grid"].extend(ranks(test, best_of_grid(train), collapse=False))
    report = {name: metrics(hits) for name, hits in held.items()}
    for name, m in report.items():
        print(f"{name:18} held-out folds: {json.dumps(m)}")
    # C is fixed in advance (1.0): picking the best C by these same held-out folds would flatter it.
    # (First run, 250 questions: logistic C=1 top-1 0.657 / top-5 0.918 / MRR 0.766 against hand-set
    # 0.657 / 0.927 / 0.771; C=0.1 reached 0.669 top-1, within noise and chosen after the fact. Not shipped.)
    wins = objective(report["logistic"]) > objective(report["hand-set grid"])
    print(f"logistic (C=1) beats hand-set weights on held-out folds: {wins}")
    if "--write" in sys.argv and wins:
        c = 1.0
        weights = fit(items, c)
        OUT.write_text(
            json.dumps(
                {
                    "origin": f"logistic regression C={c} (eval/train_ranker.py, {len(items)} questions)",
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
        print(f"wrote {OUT}: {dict(weights.weights)}")


if __name__ == "__main__":
    main()
