"""Validate the everyday evaluation set: eval/everyday.jsonl and eval/everyday-conversations.jsonl.

Usage:  .venv/bin/python eval/check_everyday.py [--hashes]
        [questions.jsonl conversations.jsonl corpus_dir frozen.md]

``validate(...)`` returns a list of problems (empty when the set is sound); ``main()`` prints them with
some counts and exits 1 when there is a problem.  ``--hashes`` prints the sha256 of the test split of
each file (the values recorded in eval/FROZEN.md).

Rules checked (the set is written in desk vocabulary; see eval/FROZEN.md for the freezing rule)
- every line is a JSON object with a unique id (``e001``... questions, ``ec01``... conversations);
  lang sv|en; split tune|test; kind from the lists below;
- answerable questions: question, gold (1+ verbatim strings of 5-20 words; case-insensitive,
  whitespace-normalised match), keywords (1-3), document (an existing id). Each gold lies inside one
  heading-delimited section of the document's body; each keyword occurs in a section hit by a gold;
  the question shares no run of 5 words with any gold (not copied); ``list`` questions have 2+ golds
  none of which contains another; ``english`` <=> lang en; ``answer_type`` (if given) is
  number|amount|date|name; ``also`` lists exactly the other documents holding every gold (the
  regeringen pages repeat each other); ``source-over-retelling`` questions name a statute
  (doc_type lag/förordning) as document and 1+ ``retold_in`` documents that hold none of the golds;
- near-misses: expect "refuse", kind near-miss, no gold/keywords/document;
- counts: >= 130 Swedish answerable, >= 30 english, >= 30 near-miss, >= 10 list, >= 10
  source-over-retelling, >= 5 named-document, >= 20 answerable on the three new statutes; every corpus
  document is the document of some answerable question;
- conversations: >= 35; kinds topic-shift, ellipsis, english-follow-up, near-miss-follow-up (>= 6
  each) and plain; >= 2 turns; golds checked as above wherever given; the final turn has a
  standalone_hint and gold+document+keywords, except near-miss-follow-up whose final turn has
  expect "refuse" and no gold; topic-shift final turns list ``drop_terms`` that occur in an earlier
  question but neither in the final question nor in its standalone_hint; ellipsis final questions
  have at most 6 words; english-follow-up conversations have lang en and a Swedish first question;
- split: per kind (questions and conversations separately) the test share is 40 % (+-1 question);
- frozen: the sha256 of each file's test lines matches eval/FROZEN.md.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_eval_set import document_id, hits, norm, passages, read_jsonl, report, split_front_matter

KINDS = {"everyday", "english", "list", "source-over-retelling", "named-document", "near-miss"}
CONV_KINDS = {"topic-shift", "ellipsis", "english-follow-up", "near-miss-follow-up", "plain"}
ANSWER_TYPES = {"number", "amount", "date", "name"}
LANGS = {"sv", "en"}
SPLITS = {"tune", "test"}
GOLD_WORDS = (5, 20)
COPY_RUN = 5
TEST_SHARE = 0.4
SEED = 20261125
NEW_STATUTES = {
    "forordning-2010-2012-regional-kulturverksamhet",
    "upphovsrattslag-1960-729",
    "forordning-1962-652-sveriges-forfattarfond",
}
STATUTE_TYPES = {"lag", "förordning"}
MIN_COUNTS = {
    "sv-answerable": 130,
    "english": 30,
    "near-miss": 30,
    "list": 10,
    "source-over-retelling": 10,
    "named-document": 5,
    "new-statutes": 20,
}
MIN_CONVERSATIONS = 35
MIN_CONV_KIND = {
    "topic-shift": 6,
    "ellipsis": 6,
    "english-follow-up": 6,
    "near-miss-follow-up": 6,
    "plain": 1,
}
ELLIPSIS_WORDS = 6
SWEDISH_HINT = re.compile(r"[åäö]|\b(och|vad|vem|hur|får|ska|är|måste|vilka)\b", re.IGNORECASE)
_HASH_LINE = re.compile(r"^- `(?P<file>[^`]+)`: sha256 `(?P<hex>[0-9a-f]{64})`", re.MULTILINE)
_WORD = re.compile(r"\w+")

Corpus = dict[str, list[tuple[str, str]]]


def load(corpus_dir: Path) -> tuple[Corpus, dict[str, dict[str, Any]]]:
    """Passages and front matter of every corpus document, by id."""
    docs: Corpus = {}
    meta: dict[str, dict[str, Any]] = {}
    for path in sorted(corpus_dir.rglob("*.md")):
        front, body = split_front_matter(path.read_text(encoding="utf-8"))
        did = document_id(path, corpus_dir)
        docs[did] = passages(body)
        meta[did] = front
    return docs, meta


def docs_holding_all(docs: Corpus, golds: list[str]) -> set[str]:
    """Documents in which every gold string lies inside one section."""
    sets = [{d for d, _ in hits(docs, g)} for g in golds]
    return set.intersection(*sets) if sets else set()


def copied_run(question: str, gold: str, run: int = COPY_RUN) -> bool:
    """True when the question repeats ``run`` consecutive words of the gold."""
    q = _WORD.findall(norm(question))
    g = _WORD.findall(norm(gold))
    grams = {tuple(g[i : i + run]) for i in range(len(g) - run + 1)}
    return any(tuple(q[i : i + run]) in grams for i in range(len(q) - run + 1))


def canonical_test_text(rows: list[dict[str, Any]]) -> str:
    """The frozen form of a file's test split: test rows sorted by id, one canonical JSON per line."""
    test = sorted((r for r in rows if r.get("split") == "test"), key=lambda r: str(r.get("id")))
    return "\n".join(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in test)


def test_hash(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_test_text(rows).encode("utf-8")).hexdigest()


def assign_splits(rows: list[dict[str, Any]], seed: int = SEED) -> None:
    """Mark round(40 %) of each kind "test" (seeded), the rest "tune"; kinds and ids taken in sorted order."""
    rng = random.Random(seed)
    by_kind: dict[str, list[str]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r["id"])
    test: set[str] = set()
    for kind in sorted(by_kind):
        ids = sorted(by_kind[kind])
        test.update(rng.sample(ids, round(TEST_SHARE * len(ids))))
    for r in rows:
        r["split"] = "test" if r["id"] in test else "tune"


def frozen_hashes(frozen_path: Path) -> dict[str, str]:
    if not frozen_path.exists():
        return {}
    return {m["file"]: m["hex"] for m in _HASH_LINE.finditer(frozen_path.read_text(encoding="utf-8"))}


class _Checker:
    def __init__(self, docs: Corpus, meta: dict[str, dict[str, Any]]) -> None:
        self.docs = docs
        self.meta = meta
        self.problems: list[str] = []

    def add(self, msg: str) -> None:
        self.problems.append(msg)

    def gold(
        self,
        where: str,
        item: dict[str, Any],
        question: str,
        kind: str | None,
        keywords_required: bool = True,
    ) -> None:
        """Check document, gold, keywords, copying and ``also`` of one answerable item."""
        doc = item.get("document")
        if doc not in self.docs:
            self.add(f"{where}: unknown document {doc!r}")
            return
        gold = item.get("gold")
        if not isinstance(gold, list) or not gold or not all(isinstance(g, str) and g.strip() for g in gold):
            self.add(f"{where}: gold must be a non-empty list of strings")
            return
        hit: set[tuple[str, int]] = set()
        for g in gold:
            n = len(g.split())
            if not GOLD_WORDS[0] <= n <= GOLD_WORDS[1]:
                self.add(f"{where}: gold {g!r} has {n} words (want {GOLD_WORDS[0]}-{GOLD_WORDS[1]})")
            found = hits(self.docs, g, doc)
            if not found:
                self.add(f"{where}: gold {g!r} not inside one section of {doc!r}")
            hit.update(found)
            if copied_run(question, g):
                self.add(f"{where}: question copies {COPY_RUN}+ words of gold {g!r}")
        if kind == "list":
            if len(gold) < 2:
                self.add(f"{where}: a list question needs 2+ golds")
            for a in gold:
                for b in gold:
                    if a is not b and norm(a) in norm(b):
                        self.add(f"{where}: list gold {a!r} lies inside {b!r}")
        kws = item.get("keywords")
        if kws is None and not keywords_required:
            kws = []
        elif (
            not isinstance(kws, list)
            or not 1 <= len(kws) <= 3
            or not all(isinstance(k, str) and k.strip() for k in kws)
        ):
            self.add(f"{where}: keywords must be a list of 1-3 strings")
        else:
            texts = [self.docs[d][i][1] for d, i in hit]
            for k in kws:
                if texts and not any(norm(k) in t for t in texts):
                    self.add(f"{where}: keyword {k!r} not in the answering section")
        also = item.get("also", [])
        expected = docs_holding_all(self.docs, gold) - {doc}
        if not isinstance(also, list) or set(also) != expected:
            self.add(f"{where}: also must be {sorted(expected)} (documents holding every gold), got {also!r}")

    def retelling(self, where: str, q: dict[str, Any]) -> None:
        doc = str(q.get("document"))
        if str(self.meta.get(doc, {}).get("doc_type", "")) not in STATUTE_TYPES:
            self.add(f"{where}: source-over-retelling needs a statute as document, not {doc!r}")
        retold = q.get("retold_in")
        if not isinstance(retold, list) or not retold:
            self.add(f"{where}: source-over-retelling needs retold_in (1+ document ids)")
            return
        for r in retold:
            if r not in self.docs:
                self.add(f"{where}: unknown retold_in document {r!r}")
            elif any(hits(self.docs, g, r) for g in q.get("gold") or [] if isinstance(g, str)):
                self.add(f"{where}: gold also occurs in the retelling {r!r}; pick words only the statute has")


def _common(where: str, row: dict[str, Any], kinds: set[str], chk: _Checker) -> str | None:
    kind = row.get("kind")
    if kind not in kinds:
        chk.add(f"{where}: kind must be one of {sorted(kinds)}")
    if row.get("lang") not in LANGS:
        chk.add(f"{where}: lang must be one of {sorted(LANGS)}")
    if row.get("split") not in SPLITS:
        chk.add(f"{where}: split must be one of {sorted(SPLITS)}")
    return kind if isinstance(kind, str) else None


def _check_questions(
    rows: list[tuple[int, dict[str, Any]]], name: str, chk: _Checker, counts: Counter[str]
) -> set[str]:
    covered: set[str] = set()
    for n, q in rows:
        where = f"{name}:{n} ({q.get('id')})"
        kind = _common(where, q, KINDS, chk)
        question = q.get("question")
        if not isinstance(question, str) or not question.strip():
            chk.add(f"{where}: missing question")
            question = ""
        at = q.get("answer_type")
        if at is not None and at not in ANSWER_TYPES:
            chk.add(f"{where}: answer_type must be one of {sorted(ANSWER_TYPES)}")
        counts[kind or "?"] += 1
        if kind == "near-miss" or "expect" in q:
            if q.get("expect") != "refuse" or kind != "near-miss":
                chk.add(f"{where}: a near-miss has kind 'near-miss' and expect 'refuse'")
            for field in ("gold", "keywords", "document"):
                if field in q:
                    chk.add(f"{where}: a near-miss has no {field}")
            continue
        if (kind == "english") != (q.get("lang") == "en"):
            chk.add(f"{where}: kind english <=> lang en")
        chk.gold(where, q, question, kind)
        if kind == "source-over-retelling":
            chk.retelling(where, q)
        doc = q.get("document")
        if doc in chk.docs:
            covered.add(doc)
            counts["new-statutes"] += doc in NEW_STATUTES
        counts["sv-answerable"] += q.get("lang") == "sv"
    return covered


def _check_conversations(
    rows: list[tuple[int, dict[str, Any]]], name: str, chk: _Checker, counts: Counter[str]
) -> None:
    for n, c in rows:
        where = f"{name}:{n} ({c.get('id')})"
        kind = _common(where, c, CONV_KINDS, chk)
        counts[kind or "?"] += 1
        turns = c.get("turns")
        if not isinstance(turns, list) or len(turns) < 2 or not all(isinstance(t, dict) for t in turns):
            chk.add(f"{where}: want >= 2 turns (objects)")
            continue
        for t, turn in enumerate(turns, 1):
            tw = f"{where} turn {t}"
            q = turn.get("question")
            if not isinstance(q, str) or not q.strip():
                chk.add(f"{tw}: missing question")
                continue
            last = t == len(turns)
            if last and not (
                isinstance(turn.get("standalone_hint"), str) and turn["standalone_hint"].strip()
            ):
                chk.add(f"{tw}: the final turn needs a standalone_hint")
            if last and kind == "near-miss-follow-up":
                if turn.get("expect") != "refuse" or "gold" in turn:
                    chk.add(f"{tw}: a near-miss follow-up ends with expect 'refuse' and no gold")
                continue
            if "gold" in turn or last:
                chk.gold(tw, turn, q, None, keywords_required=last)
        final = turns[-1]
        fq = str(final.get("question", ""))
        if kind == "topic-shift":
            terms = final.get("drop_terms")
            earlier = " ".join(norm(str(t.get("question", ""))) for t in turns[:-1])
            if not isinstance(terms, list) or not terms:
                chk.add(f"{where}: topic-shift final turn needs drop_terms")
            else:
                for term in terms:
                    if norm(term) not in earlier:
                        chk.add(f"{where}: drop term {term!r} is not in an earlier question")
                    if norm(term) in norm(fq) or norm(term) in norm(str(final.get("standalone_hint", ""))):
                        chk.add(f"{where}: drop term {term!r} is carried into the final turn")
        if kind == "ellipsis" and len(fq.split()) > ELLIPSIS_WORDS:
            chk.add(f"{where}: an ellipsis follow-up has at most {ELLIPSIS_WORDS} words")
        if kind == "english-follow-up":
            if c.get("lang") != "en":
                chk.add(f"{where}: english-follow-up conversations have lang en")
            if not SWEDISH_HINT.search(str(turns[0].get("question", ""))):
                chk.add(f"{where}: english-follow-up starts with a Swedish question")


def _check_splits(rows: list[dict[str, Any]], name: str, chk: _Checker) -> None:
    total: Counter[str] = Counter()
    test: Counter[str] = Counter()
    for r in rows:
        kind = str(r.get("kind"))
        total[kind] += 1
        test[kind] += r.get("split") == "test"
    for kind, n in total.items():
        if abs(test[kind] - TEST_SHARE * n) > 1:
            chk.add(f"{name}: kind {kind!r} has {test[kind]}/{n} test lines, want {TEST_SHARE:.0%}")


def run(qpath: Path, cpath: Path, corpus_dir: Path, frozen: Path) -> tuple[list[str], list[str]]:
    """(problems, notes) for the everyday set."""
    docs, meta = load(corpus_dir)
    chk = _Checker(docs, meta)
    if not docs:
        return [f"{corpus_dir}: no documents"], []
    qrows = read_jsonl(qpath, chk.problems)
    crows = read_jsonl(cpath, chk.problems)
    ids = Counter(str(r.get("id")) for _, r in qrows + crows)
    for i, c in ids.items():
        if c > 1:
            chk.add(f"id {i!r} used {c} times")
    for _, r in qrows:
        if not re.fullmatch(r"e\d{3}", str(r.get("id"))):
            chk.add(f"{qpath.name}: id {r.get('id')!r} should look like e001")
    for _, r in crows:
        if not re.fullmatch(r"ec\d{2}", str(r.get("id"))):
            chk.add(f"{cpath.name}: id {r.get('id')!r} should look like ec01")

    qcounts: Counter[str] = Counter()
    covered = _check_questions(qrows, qpath.name, chk, qcounts)
    for key, least in MIN_COUNTS.items():
        if qcounts[key] < least:
            chk.add(f"{qpath.name}: {qcounts[key]} {key}, want >= {least}")
    for did in sorted(set(docs) - covered):
        chk.add(f"{qpath.name}: document {did!r} is the gold document of no question")

    ccounts: Counter[str] = Counter()
    _check_conversations(crows, cpath.name, chk, ccounts)
    if len(crows) < MIN_CONVERSATIONS:
        chk.add(f"{cpath.name}: {len(crows)} conversations, want >= {MIN_CONVERSATIONS}")
    for kind, least in MIN_CONV_KIND.items():
        if ccounts[kind] < least:
            chk.add(f"{cpath.name}: {ccounts[kind]} {kind!r} conversations, want >= {least}")

    recorded = frozen_hashes(frozen)
    for path, rows in ((qpath, [r for _, r in qrows]), (cpath, [r for _, r in crows])):
        _check_splits(rows, path.name, chk)
        want = recorded.get(path.name)
        if want is None:
            chk.add(f"{frozen.name}: no sha256 recorded for {path.name}")
        elif test_hash(rows) != want:
            chk.add(f"{path.name}: the frozen test split changed (sha256 differs from {frozen.name})")

    info = [
        f"questions: {len(qrows)} — " + ", ".join(f"{k}={v}" for k, v in sorted(qcounts.items())),
        f"conversations: {len(crows)} — " + ", ".join(f"{k}={v}" for k, v in sorted(ccounts.items())),
        f"documents covered: {len(covered)}/{len(docs)}",
    ]
    return chk.problems, info


def validate(qpath: str | Path, cpath: str | Path, corpus_dir: str | Path, frozen: str | Path) -> list[str]:
    """All problems with the everyday set; an empty list means it passes."""
    return run(Path(qpath), Path(cpath), Path(corpus_dir), Path(frozen))[0]


def _paths(args: list[str]) -> tuple[Path, Path, Path, Path]:
    here = Path(__file__).resolve().parent
    defaults = [
        here / "everyday.jsonl",
        here / "everyday-conversations.jsonl",
        here.parent / "corpus",
        here / "FROZEN.md",
    ]
    given = [Path(a) for a in args] + defaults[len(args) :]
    return given[0], given[1], given[2], given[3]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    show_hashes = "--hashes" in args
    qpath, cpath, corpus, frozen = _paths([a for a in args if a != "--hashes"])
    if show_hashes:
        for path in (qpath, cpath):
            rows = [r for _, r in read_jsonl(path, [])]
            print(f"- `{path.name}`: sha256 `{test_hash(rows)}`")
        return 0
    return report(*run(qpath, cpath, corpus, frozen))


if __name__ == "__main__":
    sys.exit(main())
