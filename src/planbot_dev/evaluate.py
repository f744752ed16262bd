"""`planbot eval`: retrieval, citation and refusal quality on a question set, beside a plain baseline."""

from __future__ import annotations

import contextlib
import json
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from math import log2
from pathlib import Path
from typing import Any

from planbot.errors import InvalidInput
from planbot.filters import Filters
from planbot.loaders import load_document
from planbot.pipeline import Pipeline
from planbot.records import Answer, Document
from planbot_dev.baseline import Baseline
from planbot_dev.typed import as_typed

__all__ = ["Baseline", "Question", "Result", "Summary", "load_questions", "run_baseline", "run_planbot"]


def normalise(text: str) -> str:
    """Lower-cased with runs of whitespace folded, for gold matching."""
    return re.sub(r"\s+", " ", text).strip().lower()


def holds_gold(passage: str, gold: Sequence[str]) -> bool:
    """Whether a passage contains any gold substring (ignoring case and runs of whitespace)."""
    text = normalise(passage)
    return any(normalise(g) in text for g in gold)


@dataclass(frozen=True)
class Question:
    """One eval question; ``gold`` empty and ``refuse`` true for unanswerable ones."""

    id: str
    question: str
    gold: tuple[str, ...] = ()
    refuse: bool = False
    lang: str = "sv"
    kind: str = ""
    filters: Filters | None = None
    split: str = ""
    # The gold document and the documents that hold the gold strings too (eval/FROZEN.md, ``also``).
    documents: tuple[str, ...] = ()
    # A message asking two or three things: each part's gold, empty for a part the documents do not answer.
    parts: tuple[tuple[str, ...], ...] = ()


@contextlib.contextmanager
def grown(pipeline: Pipeline, paths: Sequence[Path]) -> Iterator[list[Document]]:
    """The index with the documents at ``paths`` added for a run, and without them again afterwards.

    How the figures hold as the corpus grows (`planbot eval --add plan.pdf`): the questions' gold stays
    where it is, and every added passage competes with it.
    """
    docs = [load_document(p, p.parent) for p in paths]
    present = pipeline.documents()
    taken = sorted({d.id for d in docs} & present.keys())
    if taken:
        raise InvalidInput(f"already in the index, so they would not be added: {', '.join(taken)}")
    if docs:
        pipeline.ingest_documents(docs)
    try:
        yield docs
    finally:
        # Also dropped by the next ingest of the corpus, which prunes what its directory lacks.
        for doc in docs:
            if doc.id in pipeline.documents():
                pipeline.delete_document(doc.id)


def load_questions(
    path: Path,
    split: str = "all",
    *,
    plain_letters: bool = False,
    slips: int | None = None,
    greetings: int | None = None,
) -> list[Question]:
    """Questions from a JSON-lines file in the eval format; ``split`` tune|test keeps only those lines.

    With ``plain_letters`` each question is as typed without å, ä and ö ("Far vi lana ut bocker?"); with
    ``slips`` (a seed) each has one slip of the keyboard (``with_slip``); with ``greetings`` (a seed) each
    Swedish question is written as in a chat window (``with_greetings``).
    """
    rng = random.Random(slips)
    greeter = random.Random(greetings)
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if split != "all" and row.get("split", "tune") != split:
            continue
        parts = tuple(tuple(p.get("gold") or ()) for p in row.get("parts") or ())
        out.append(
            Question(
                id=str(row["id"]),
                question=as_typed(
                    str(row["question"]),
                    plain_letters,
                    rng if slips is not None else None,
                    greeter if greetings is not None and row.get("lang", "sv") == "sv" else None,
                ),
                # A part's gold in first place counts for the message, as any one gold string does.
                gold=tuple(row.get("gold") or ()) + tuple(g for p in parts for g in p),
                refuse=row.get("expect") == "refuse",
                parts=parts,
                lang=str(row.get("lang", "")),
                kind=str(row.get("kind", "refuse" if row.get("expect") == "refuse" else "")),
                filters=Filters(**row["filters"]) if row.get("filters") else None,
                split=str(row.get("split", "")),
                documents=tuple([row["document"]] if row.get("document") else [])
                + tuple(row.get("also") or ()),
            )
        )
    return out


@dataclass
class Result:
    """What one system did with one question."""

    id: str
    ranks: list[bool]
    refused: bool
    cited: int = 0
    cited_gold: int = 0
    ms: float = 0.0
    top_dense: float | None = None
    # Per part of a message asking several things: an answerable part's gold cited, or the other part refused.
    parts: list[bool] = field(default_factory=list)

    @property
    def first_hit(self) -> int | None:
        """1-based rank of the first passage holding gold, if any in the list."""
        return next((i for i, hit in enumerate(self.ranks, start=1) if hit), None)


def ndcg(ranks: Sequence[bool], k: int = 10) -> float:
    """nDCG@k with binary relevance (ideal: every relevant passage found at the top)."""
    dcg = sum(1 / log2(i + 1) for i, hit in enumerate(ranks[:k], start=1) if hit)
    ideal = sum(1 / log2(i + 1) for i in range(1, min(k, max(1, sum(ranks[:k]))) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass
class Summary:
    """Totals over a question set."""

    system: str
    answerable: int
    unanswerable: int
    top1: float
    top5: float
    mrr10: float
    ndcg10: float
    cited_precision: float | None
    refusal_accuracy: float | None
    false_refusals: int
    p50_ms: float
    p95_ms: float
    misses: list[str] = field(default_factory=list)
    # Messages asking several things: answerable parts whose gold is cited; unanswerable parts refused.
    parts_cited: str | None = None
    parts_refused: str | None = None


def summarise(system: str, questions: Sequence[Question], results: Sequence[Result]) -> Summary:
    """Aggregate per-question results."""
    pairs = list(zip(questions, results, strict=True))
    ans = [(q, r) for q, r in pairs if not q.refuse]
    unans = [(q, r) for q, r in pairs if q.refuse]
    n = max(1, len(ans))
    hits = [r.first_hit for _, r in ans]
    cited = sum(r.cited for _, r in ans)
    times = sorted(r.ms for r in results) or [0.0]
    return Summary(
        system=system,
        answerable=len(ans),
        unanswerable=len(unans),
        top1=sum(h == 1 for h in hits) / n,
        top5=sum(h is not None and h <= 5 for h in hits) / n,
        mrr10=sum(1 / h for h in hits if h is not None and h <= 10) / n,
        ndcg10=sum(ndcg(r.ranks) for _, r in ans) / n,
        cited_precision=(sum(r.cited_gold for _, r in ans) / cited) if cited else None,
        refusal_accuracy=(sum(r.refused for _, r in unans) / len(unans)) if unans else None,
        false_refusals=sum(r.refused for _, r in ans),
        p50_ms=statistics.median(times),
        p95_ms=times[min(len(times) - 1, int(0.95 * len(times)))],
        misses=[q.id for q, r in ans if r.first_hit != 1],
        parts_cited=_share(pairs, answerable=True),
        parts_refused=_share(pairs, answerable=False),
    )


def _share(pairs: Sequence[tuple[Question, Result]], *, answerable: bool) -> str | None:
    """ "x of n" parts done right among the parts that are (or are not) answerable; None if there are none."""
    outcomes = (zip(q.parts, r.parts, strict=False) for q, r in pairs)
    done = [ok for pairs_of_q in outcomes for gold, ok in pairs_of_q if bool(gold) == answerable]
    return f"{sum(done)} of {len(done)}" if done else None


def part_outcomes(question: Question, answer: Answer) -> list[bool]:
    """For each part of ``question``: its gold cited (answerable) or its refusal (not answerable).

    A message planbot did not split is judged as a whole: a part is answered if any citation holds its
    gold, and refused only if the whole answer is.
    """
    out = []
    for i, gold in enumerate(question.parts):
        part = answer.parts[i] if len(answer.parts) == len(question.parts) else None
        if not gold:
            out.append(part.refused if part else answer.refused)
            continue
        cited = [c for c in answer.citations if part is None or c.n in part.citations]
        out.append(any(holds_gold(c.chunk.text, gold) for c in cited))
    return out


def run_planbot(
    pipeline: Pipeline, questions: Sequence[Question], filters: Filters | None = None
) -> list[Result]:
    """Ask every question through the same path the API uses."""
    out = []
    for q in questions:
        t0 = time.perf_counter()
        answer: Answer = pipeline.ask(q.question, top_k=10, filters=q.filters or filters)
        ms = 1e3 * (time.perf_counter() - t0)
        ranks = [holds_gold(p.chunk.text, q.gold) for p in answer.passages] if q.gold else []
        out.append(
            Result(
                id=q.id,
                ranks=ranks,
                refused=answer.refused,
                cited=len(answer.citations) if q.gold else 0,
                cited_gold=sum(holds_gold(c.chunk.text, q.gold) for c in answer.citations) if q.gold else 0,
                ms=ms,
                top_dense=answer.passages[0].dense if answer.passages else None,
                parts=part_outcomes(q, answer),
            )
        )
    return out


def run_baseline(search: Callable[[str], list[str]], questions: Sequence[Question]) -> list[Result]:
    """The baseline ranks passages only: it never refuses and cites nothing."""
    out = []
    for q in questions:
        t0 = time.perf_counter()
        texts = search(q.question)
        ms = 1e3 * (time.perf_counter() - t0)
        out.append(Result(q.id, [holds_gold(t, q.gold) for t in texts] if q.gold else [], False, ms=ms))
    return out


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.3f}"


def report(summaries: Sequence[Summary]) -> str:
    """Totals side by side, with ratios of the first system to the last."""
    rows = [
        ("gold in top-1", "top1"),
        ("gold in top-5", "top5"),
        ("MRR@10", "mrr10"),
        ("nDCG@10", "ndcg10"),
        ("cited-passage precision", "cited_precision"),
        ("refusal accuracy", "refusal_accuracy"),
        ("false refusals", "false_refusals"),
        ("latency p50 ms", "p50_ms"),
        ("latency p95 ms", "p95_ms"),
    ]
    head = f"{'':26}" + "".join(f"{s.system:>14}" for s in summaries)
    if len(summaries) > 1:
        head += f"{'ratio':>10}"
    lines = [head]
    for label, key in rows:
        vals = [getattr(s, key) for s in summaries]
        line = f"{label:26}" + "".join(f"{v:>14}" if isinstance(v, int) else f"{_fmt(v):>14}" for v in vals)
        if len(vals) > 1 and isinstance(vals[0], float) and isinstance(vals[-1], float) and vals[-1]:
            line += f"{vals[0] / vals[-1]:>9.2f}x"
        lines.append(line)
    for label, key in (("parts answered and cited", "parts_cited"), ("parts refused", "parts_refused")):
        if any(getattr(s, key) for s in summaries):
            lines.append(f"{label:26}" + "".join(f"{getattr(s, key) or '-':>14}" for s in summaries))
    s = summaries[0]
    lines.append(f"questions: {s.answerable} answerable, {s.unanswerable} unanswerable")
    return "\n".join(lines)


def by_group(
    questions: Sequence[Question], results: dict[str, list[Result]], key: Callable[[Question], str]
) -> str:
    """Top-1, top-5 and MRR@10 (answerable groups) or refusals (unanswerable) per group of questions."""
    groups = sorted({key(q) for q in questions})
    lines = [f"{'':26}{'n':>4}" + "".join(f"{s + ' top1/top5/mrr':>26}" for s in results)]
    for group in groups:
        idx = [i for i, q in enumerate(questions) if key(q) == group]
        qs = [questions[i] for i in idx]
        cells = []
        for rs in results.values():
            s = summarise("", qs, [rs[i] for i in idx])
            if s.answerable:
                cells.append(f"{s.top1:.2f} / {s.top5:.2f} / {s.mrr10:.2f}")
            else:
                cells.append(f"refused {s.refusal_accuracy or 0.0:.2f}")
        lines.append(f"{group[:26]:26}{len(qs):>4}" + "".join(f"{c:>26}" for c in cells))
    return "\n".join(lines)


def per_question(questions: Sequence[Question], results: dict[str, list[Result]]) -> str:
    """One line per question: first gold rank and refusal per system."""
    systems = list(results)
    lines = [f"{'id':8}{'kind':16}" + "".join(f"{s:>12}" for s in systems) + "  question"]
    for i, q in enumerate(questions):
        cells = []
        for s in systems:
            r = results[s][i]
            if q.refuse:
                cells.append("refused" if r.refused else "ANSWERED")
            elif r.refused:
                cells.append("REFUSED")
            else:
                cells.append(f"rank {r.first_hit}" if r.first_hit else "miss")
        lines.append(
            f"{q.id:8}{q.kind[:15]:16}" + "".join(f"{c:>12}" for c in cells) + f"  {q.question[:70]}"
        )
    return "\n".join(lines)


def as_json(
    summaries: Sequence[Summary], questions: Sequence[Question], results: dict[str, list[Result]]
) -> str:
    """The whole evaluation as JSON."""
    return json.dumps(
        {
            "summary": [asdict(s) for s in summaries],
            "questions": [
                {"id": q.id, "question": q.question, "kind": q.kind, "refuse": q.refuse}
                | {name: asdict(rs[i]) | {"first_hit": rs[i].first_hit} for name, rs in results.items()}
                for i, q in enumerate(questions)
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def summary_dict(s: Summary) -> dict[str, Any]:
    """A summary as a plain dict."""
    return asdict(s)
