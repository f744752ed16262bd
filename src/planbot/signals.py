"""Ranking signals of a candidate passage, their linear combination, and near-duplicate collapse."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from planbot.errors import InvalidInput
from planbot.lexical import STOPWORDS, stems
from planbot.records import ScoredChunk

# The signals, in the order of a feature vector (eval/train_ranker.py and data/ranker.json use it).
FEATURES = ("dense", "sentence", "lexical", "expansion", "source", "title", "fused", "wording", "context")
# Statutes are the source that press releases and summaries retell.
SOURCE_TYPES = frozenset({"lag", "förordning"})
# Words of document titles that say nothing about which document is meant.
_TITLE_NOISE = frozenset(
    "lag förordning om till av för med och den det ett en nya ny regeringen regeringens sverig svensk".split()
)
_SHINGLE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class RankerWeights:
    """Weights of the signals (``FEATURES``) in a passage's score, plus the model they came from."""

    weights: Mapping[str, float]
    origin: str = "hand-set"

    def score(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Scores of the rows of a (candidates x FEATURES) matrix."""
        w = np.array([self.weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)
        return np.asarray(features @ w, dtype=np.float64)


# Chosen on the tune split of eval/everyday.jsonl and eval/questions.jsonl with eval/tune.py (grid search);
# the grid left "fused" and "wording" at 0, and the optimum is flat (see README, Answer quality).
# "context" (the best sentence behind its title and heading) took weight from "sentence" (1.0 before).
HAND_SET = RankerWeights(
    {
        "dense": 1.0,
        "sentence": 0.5,
        "context": 2.0,
        "lexical": 0.04,
        "expansion": 0.04,
        "source": 0.02,
        "title": 0.06,
    }
)


def default_weights_file() -> Path:
    """The learned weights shipped with planbot (written by eval/train_ranker.py)."""
    return Path(str(resources.files("planbot") / "data" / "ranker.json"))


def load_weights(path: Path) -> RankerWeights:
    """Weights from a JSON file ``{"weights": {feature: weight}, "origin": "..."}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = {str(k): float(v) for k, v in data["weights"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"cannot read ranker weights from {path}: {exc}") from exc
    unknown = set(weights) - set(FEATURES)
    if unknown:
        raise InvalidInput(f"{path}: unknown ranker features {sorted(unknown)}; known: {list(FEATURES)}")
    return RankerWeights(weights, str(data.get("origin", path.name)))


def title_match(question_stems: set[str], title: str) -> float:
    """Share of a title's telling stems that the question names (prefixes count: 'upphovsrättslag')."""
    words = {s for s in stems(title) if s not in _TITLE_NOISE and len(s) > 2}
    if not words or not question_stems:
        return 0.0
    hit = sum(any(q == t or (len(t) >= 5 and q.startswith(t)) for q in question_stems) for t in words)
    return hit / len(words)


def feature_matrix(
    question: str,
    candidates: Sequence[ScoredChunk],
    sentence: Mapping[str, float],
    expansion: Mapping[str, float],
    wording: Mapping[str, float] | None = None,
    context: Mapping[str, float] | None = None,
) -> npt.NDArray[np.float64]:
    """One row of ``FEATURES`` per candidate; BM25 and fused scores are scaled by the best among them.

    ``wording``: each candidate's best sentence similarity to the glossary wording (empty: no match, 0).
    ``context``: its best sentence's similarity embedded behind its place (absent: the plain sentence's).
    """
    wording = wording or {}
    context = context or {}
    top_lex = max((c.lexical or 0.0 for c in candidates), default=0.0) or 1.0
    top_exp = max(expansion.values(), default=0.0) or 1.0
    top_fused = max((c.score for c in candidates), default=0.0) or 1.0
    asked = {s for s in stems(question) if s not in STOPWORDS and len(s) > 2}
    titles: dict[str, float] = {}
    rows = []
    for c in candidates:
        dense = c.dense if c.dense is not None else 0.0
        if c.chunk.title not in titles:
            titles[c.chunk.title] = title_match(asked, c.chunk.title)
        rows.append(
            [
                dense,
                sentence.get(c.chunk.id, dense),
                (c.lexical or 0.0) / top_lex,
                expansion.get(c.chunk.id, 0.0) / top_exp,
                1.0 if c.chunk.doc_type in SOURCE_TYPES else 0.0,
                titles[c.chunk.title],
                c.score / top_fused,
                wording.get(c.chunk.id, 0.0) if wording else 0.0,
                context.get(c.chunk.id, sentence.get(c.chunk.id, dense)),
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(len(candidates), len(FEATURES))


# The same passages come back question after question (about 19 per question, half of them seen in the
# last few dozen). Hashes, not the 3-gram strings, and not too many: 4,096 passages' strings held 53 MB in
# each answer process at 100k chunks, to save 23 us a passage.
@functools.lru_cache(maxsize=1024)
def _shingles(text: str) -> frozenset[int]:
    toks = _SHINGLE.findall(text.lower())
    return frozenset(hash(tuple(toks[i : i + 3])) for i in range(max(1, len(toks) - 2)))


def near_duplicate(a: str, b: str, threshold: float = 0.6) -> bool:
    """Whether two passages say nearly the same thing: word 3-gram containment of the shorter one."""
    return _overlap(_shingles(a), _shingles(b)) >= threshold


def _overlap(sa: frozenset[int], sb: frozenset[int]) -> float:
    return len(sa & sb) / min(len(sa), len(sb)) if sa and sb else 0.0


# A figure a passage states: a sum, a share or a count of money ("433 miljoner kronor", "60 procent"), or a
# day ("1 juli 2025"). Section and statute numbers are left out: a page retelling a § does not repeat them.
_FIGURE = re.compile(
    r"\b\d+(?:[ ,.]\d+)*\s*(?:miljon\w*|miljard\w*|kronor|kr\b|procent|%|euro"
    r"|(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december)\s+\d{4})",
    re.IGNORECASE,
)


def _figures(text: str) -> set[str]:
    return {" ".join(m.group().lower().split()) for m in _FIGURE.finditer(text)}


def _same_figures(a: str, b: str) -> bool:
    """Whether the shorter passage's figures are all in the longer: otherwise they tell different things."""
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return _figures(shorter) <= _figures(longer)


def _similar(sa: frozenset[int], sb: frozenset[int]) -> float:
    return len(sa & sb) / max(len(sa), len(sb)) if sa and sb else 0.0


def collapse_duplicates(
    ranked: Sequence[ScoredChunk], threshold: float = 0.6, same_document: float = 0.9
) -> list[ScoredChunk]:
    """Fold near-identical passages of other documents into the best one, naming them in ``also_in``.

    A statute always stands for its group, so the source is cited rather than a page retelling it.
    Pages that tell the same story with another figure ("432 miljoner kronor" on one, "433" on the other)
    do not fold: "the same is also in ..." would hide that they disagree, and the figure asked for.
    Passages of one document fold only when each repeats the other almost word for word (``same_document``):
    a plan that repeats its introduction in every chapter fills one place in the results, not five,
    while a passage that holds another and says more stays.
    """
    # Each passage's shingles once: comparing every pair afresh cost tens of ms per question.
    shingles = {c.chunk.id: _shingles(c.chunk.text) for c in ranked}
    kept: list[ScoredChunk] = []
    # The shingles a kept slot was matched by: its first passage's (a statute swapped in keeps them).
    matched: list[frozenset[int]] = []
    for cand in ranked:
        own = shingles[cand.chunk.id]
        twin = next(
            (
                i
                for i, k in enumerate(kept)
                if (
                    _overlap(matched[i], own) >= threshold and _same_figures(k.chunk.text, cand.chunk.text)
                    if k.chunk.document_id != cand.chunk.document_id
                    # Within a document only a repeat folds, not a passage that holds another and more.
                    else _similar(matched[i], own) >= same_document
                )
            ),
            None,
        )
        if twin is None:
            kept.append(cand)
            matched.append(own)
            continue
        head = kept[twin]
        if head.chunk.document_id == cand.chunk.document_id:
            continue  # the same text again further on in the document
        if cand.chunk.doc_type in SOURCE_TYPES and head.chunk.doc_type not in SOURCE_TYPES:
            head, cand = replace(cand, score=head.score), head
        others = (*head.also_in, cand.chunk.document_id, *cand.also_in)
        also = tuple(dict.fromkeys(d for d in others if d != head.chunk.document_id))
        kept[twin] = replace(head, also_in=also)
    return kept
