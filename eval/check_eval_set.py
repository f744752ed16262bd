"""Validate planbot's evaluation set: eval/questions.jsonl and eval/conversations.jsonl.

Usage:  .venv/bin/python eval/check_eval_set.py [questions.jsonl] [conversations.jsonl] [corpus_dir]

``validate(questions_path, conversations_path, corpus_dir)`` returns a list of problems (empty when
the set is sound); ``notes(...)`` returns informational remarks (gold found in other documents too,
counts).  ``main()`` prints both and exits 1 when there is a problem.

Rules checked
- every line is a JSON object; ids are unique across both files;
- questions.jsonl starts with eval/shared-dev.jsonl verbatim (when that file sits beside it); those
  development lines may lack ``lang``/``kind``/``document`` and their gold only has to occur somewhere
  in the corpus;
- new answerable questions: id, question, gold (1+ strings of 5-20 words), keywords (1-3), lang
  (sv|en), kind (paraphrase|english|two-sections|named-document|direct), document (an existing
  document id); each gold occurs (case-insensitive, whitespace-normalised) inside one passage (a
  heading-delimited section) of the named document's body; each keyword occurs in a passage hit by a
  gold; a gold is not copied whole into the question; ``english`` questions have lang ``en``;
  ``two-sections`` golds hit at least two passages;
- refusals: expect == "refuse", kind refuse-near|refuse-far, lang, and no gold;
- counts: >= 100 questions, >= 77 new, >= 21 refusals of which >= 18 new; among the new ones
  paraphrase >= 20, english >= 12, two-sections >= 5, named-document >= 8; every corpus document is
  the ``document`` of some answerable question; every section (N §) of bibliotekslagen is hit by some
  gold;
- conversations: >= 16, >= 12 Swedish and >= 3 English; each has >= 2 turns with a question; the final
  turn has gold, a standalone_hint, and (if given) a document holding its gold; every gold anywhere in
  a conversation occurs in the corpus.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

KINDS = {"paraphrase", "english", "two-sections", "named-document", "direct"}
REFUSE_KINDS = {"refuse-near", "refuse-far"}
LANGS = {"sv", "en"}
MIN_NEW_KIND = {"paraphrase": 20, "english": 12, "two-sections": 5, "named-document": 8}
MIN_QUESTIONS = 100
MIN_NEW_QUESTIONS = 77
MIN_NEW_REFUSE = 18
MIN_REFUSE = 21
MIN_CONVERSATIONS = 16
MIN_CONV_LANG = {"sv": 12, "en": 3}
GOLD_WORDS = (5, 20)
LIBRARY_ACT = "bibliotekslag-2013-801"

_WS = re.compile(r"\s+")
_HEADING = re.compile(r"^#{1,6}\s")


def norm(text: str) -> str:
    """Lower-case and collapse runs of whitespace, as the evaluation matches gold."""
    return _WS.sub(" ", text).strip().lower()


def document_id(path: Path, corpus_dir: Path) -> str:
    """``regeringen/prop.-2013143.md`` -> ``regeringen--prop.-2013143``."""
    rel = path.relative_to(corpus_dir).with_suffix("")
    return rel.as_posix().lower().replace("/", "--")


def split_front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) == 2:
            meta = yaml.safe_load(parts[0][3:]) or {}
            body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
            return meta, body
    return {}, text


def passages(body: str) -> list[tuple[str, str]]:
    """(heading, normalised text) per heading-delimited section; heading lines are not included."""
    out: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        if _HEADING.match(line):
            out.append((line.lstrip("#").strip(), []))
        else:
            out[-1][1].append(line)
    return [(h, norm("\n".join(lines))) for h, lines in out if norm("\n".join(lines))]


def load_corpus(corpus_dir: str | Path) -> dict[str, list[tuple[str, str]]]:
    corpus_dir = Path(corpus_dir)
    docs = {}
    for path in sorted(corpus_dir.rglob("*.md")):
        _, body = split_front_matter(path.read_text(encoding="utf-8"))
        docs[document_id(path, corpus_dir)] = passages(body)
    return docs


def hits(docs: dict, gold: str, doc: str | None = None) -> list[tuple[str, int]]:
    """(document id, passage index) of every passage holding ``gold``; only in ``doc`` if given."""
    g = norm(gold)
    found = []
    for did, ps in docs.items():
        if doc is not None and did != doc:
            continue
        found += [(did, i) for i, (_, text) in enumerate(ps) if g in text]
    return found


def read_jsonl(path: Path, problems: list[str]) -> list[tuple[int, dict]]:
    rows = []
    if not path.exists():
        problems.append(f"{path}: missing")
        return rows
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            problems.append(f"{path.name}:{n}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}:{n}: not JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{path.name}:{n}: not a JSON object")
            continue
        rows.append((n, obj))
    return rows


def _dev_lines(questions_path: Path) -> list[str]:
    dev = questions_path.parent / "shared-dev.jsonl"
    if not dev.exists():
        return []
    return [line for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]


def _check_gold(where: str, gold, docs, doc, problems, strict_len=True) -> set[tuple[str, int]]:
    """Check a gold list; return the passages it hits (in ``doc`` when given)."""
    if not isinstance(gold, list) or not gold or not all(isinstance(g, str) and g.strip() for g in gold):
        problems.append(f"{where}: gold must be a non-empty list of strings")
        return set()
    hit: set[tuple[str, int]] = set()
    for g in gold:
        words = len(g.split())
        if strict_len and not GOLD_WORDS[0] <= words <= GOLD_WORDS[1]:
            problems.append(f"{where}: gold {g!r} has {words} words (want {GOLD_WORDS[0]}-{GOLD_WORDS[1]})")
        found = hits(docs, g, doc)
        if not found:
            target = f"document {doc!r}" if doc else "the corpus"
            problems.append(f"{where}: gold {g!r} not found in one passage of {target}")
        hit.update(found)
    return hit


def _check_keywords(where, keywords, docs, hit, problems, required=True):
    if keywords is None and not required:
        return
    if not isinstance(keywords, list) or not 1 <= len(keywords) <= 3 or not all(
        isinstance(k, str) and k.strip() for k in keywords
    ):
        problems.append(f"{where}: keywords must be a list of 1-3 strings")
        return
    texts = [docs[d][i][1] for d, i in hit]
    for k in keywords:
        if texts and not any(norm(k) in t for t in texts):
            problems.append(f"{where}: keyword {k!r} not in the answering passage")


def validate(questions_path, conversations_path, corpus_dir) -> list[str]:
    """All problems with the evaluation set; an empty list means it passes."""
    problems, _ = _run(Path(questions_path), Path(conversations_path), Path(corpus_dir))
    return problems


def notes(questions_path, conversations_path, corpus_dir) -> list[str]:
    """Informational remarks: counts, and gold substrings that also occur in other documents."""
    _, info = _run(Path(questions_path), Path(conversations_path), Path(corpus_dir))
    return info


def _run(qpath: Path, cpath: Path, corpus_dir: Path) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    info: list[str] = []
    docs = load_corpus(corpus_dir)
    if not docs:
        return [f"{corpus_dir}: no documents"], info

    # --- questions -------------------------------------------------------------------------
    dev_lines = _dev_lines(qpath)
    raw_lines = qpath.read_text(encoding="utf-8").splitlines() if qpath.exists() else []
    if dev_lines and raw_lines[: len(dev_lines)] != dev_lines:
        problems.append(f"{qpath.name}: does not start with shared-dev.jsonl verbatim")
    dev_ids = {json.loads(line).get("id") for line in dev_lines}

    rows = read_jsonl(qpath, problems)
    ids: Counter = Counter()
    new_kinds: Counter = Counter()
    langs: Counter = Counter()
    covered: set[str] = set()
    act_hits: set[int] = set()
    n_refuse = n_new_refuse = n_new = 0

    for n, q in rows:
        qid = q.get("id")
        where = f"{qpath.name}:{n} ({qid})"
        if not isinstance(qid, str) or not qid:
            problems.append(f"{where}: missing id")
            continue
        ids[qid] += 1
        dev = qid in dev_ids
        n_new += not dev
        if not isinstance(q.get("question"), str) or not q["question"].strip():
            problems.append(f"{where}: missing question")
        lang = q.get("lang")
        if lang is not None or not dev:
            if lang not in LANGS:
                problems.append(f"{where}: lang must be one of {sorted(LANGS)}")
        langs[lang or "?"] += 1

        if q.get("expect") is not None or q.get("kind") in REFUSE_KINDS:
            if q.get("expect") != "refuse":
                problems.append(f"{where}: expect must be 'refuse'")
            if "gold" in q:
                problems.append(f"{where}: a refusal has no gold")
            if not dev and q.get("kind") not in REFUSE_KINDS:
                problems.append(f"{where}: refusal kind must be one of {sorted(REFUSE_KINDS)}")
            n_refuse += 1
            n_new_refuse += not dev
            if not dev:
                new_kinds[q.get("kind")] += 1
            continue

        kind = q.get("kind")
        doc = q.get("document")
        if not dev or kind is not None:
            if kind not in KINDS:
                problems.append(f"{where}: kind must be one of {sorted(KINDS)}")
        if not dev or doc is not None:
            if doc not in docs:
                problems.append(f"{where}: unknown document {doc!r}")
                doc = None
            else:
                covered.add(doc)
        if not dev:
            new_kinds[kind] += 1
        if kind == "english" and lang != "en":
            problems.append(f"{where}: kind english needs lang 'en'")

        hit = _check_gold(where, q.get("gold"), docs, doc, problems, strict_len=not dev)
        _check_keywords(where, q.get("keywords"), docs, hit, problems, required=not dev)
        if kind == "two-sections" and len(hit) < 2:
            problems.append(f"{where}: two-sections gold hits {len(hit)} passage(s), want >= 2")
        question = norm(q.get("question") or "")
        for g in q.get("gold") or []:
            if isinstance(g, str) and len(g.split()) >= 4 and norm(g) in question:
                problems.append(f"{where}: gold {g!r} copied into the question")
            if isinstance(g, str) and doc:
                others = sorted({d for d, _ in hits(docs, g)} - {doc})
                if others:
                    info.append(f"{where}: gold {g!r} also in {', '.join(others)}")
        act_hits.update(i for d, i in hit if d == LIBRARY_ACT)

    for qid, c in ids.items():
        if c > 1:
            problems.append(f"{qpath.name}: id {qid!r} used {c} times")

    n_questions = len(rows)
    if n_questions < MIN_QUESTIONS:
        problems.append(f"{qpath.name}: {n_questions} questions, want >= {MIN_QUESTIONS}")
    if n_new < MIN_NEW_QUESTIONS:
        problems.append(f"{qpath.name}: {n_new} new questions, want >= {MIN_NEW_QUESTIONS}")
    if n_refuse < MIN_REFUSE:
        problems.append(f"{qpath.name}: {n_refuse} refusals, want >= {MIN_REFUSE}")
    if n_new_refuse < MIN_NEW_REFUSE:
        problems.append(f"{qpath.name}: {n_new_refuse} new refusals, want >= {MIN_NEW_REFUSE}")
    for kind, least in MIN_NEW_KIND.items():
        if new_kinds[kind] < least:
            problems.append(f"{qpath.name}: {new_kinds[kind]} new {kind!r} questions, want >= {least}")
    for did in sorted(set(docs) - covered):
        problems.append(f"{qpath.name}: document {did!r} has no question")

    # --- conversations -------------------------------------------------------------------------
    crows = read_jsonl(cpath, problems)
    conv_langs: Counter = Counter()
    for n, c in crows:
        cid = c.get("id")
        where = f"{cpath.name}:{n} ({cid})"
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where}: missing id")
            continue
        ids[cid] += 1
        if ids[cid] > 1:
            problems.append(f"{where}: id {cid!r} already used")
        if c.get("lang") not in LANGS:
            problems.append(f"{where}: lang must be one of {sorted(LANGS)}")
        conv_langs[c.get("lang")] += 1
        turns = c.get("turns")
        if not isinstance(turns, list) or len(turns) < 2:
            problems.append(f"{where}: want >= 2 turns")
            continue
        for t, turn in enumerate(turns, 1):
            tw = f"{where} turn {t}"
            if not isinstance(turn, dict) or not isinstance(turn.get("question"), str) or not turn["question"].strip():
                problems.append(f"{tw}: missing question")
                continue
            last = t == len(turns)
            if "gold" not in turn:
                if last:
                    problems.append(f"{tw}: the final turn needs gold")
                continue
            doc = turn.get("document")
            if doc is not None and doc not in docs:
                problems.append(f"{tw}: unknown document {doc!r}")
                doc = None
            hit = _check_gold(tw, turn.get("gold"), docs, doc, problems)
            _check_keywords(tw, turn.get("keywords"), docs, hit, problems, required=False)
            act_hits.update(i for d, i in hit if d == LIBRARY_ACT)
            if last and not (isinstance(turn.get("standalone_hint"), str) and turn["standalone_hint"].strip()):
                problems.append(f"{tw}: the final turn needs a standalone_hint")
    if len(crows) < MIN_CONVERSATIONS:
        problems.append(f"{cpath.name}: {len(crows)} conversations, want >= {MIN_CONVERSATIONS}")
    for lang, least in MIN_CONV_LANG.items():
        if conv_langs[lang] < least:
            problems.append(f"{cpath.name}: {conv_langs[lang]} {lang!r} conversations, want >= {least}")

    # --- every section of bibliotekslagen ---------------------------------------------------------
    if LIBRARY_ACT in docs:
        for i, (heading, _) in enumerate(docs[LIBRARY_ACT]):
            if heading.endswith("§") and i not in act_hits:
                problems.append(f"{LIBRARY_ACT}: section {heading} has no gold")

    info.insert(0, f"questions: {n_questions} ({n_new} new, {n_refuse} refusals of which {n_new_refuse} new)")
    info.insert(1, "new kinds: " + ", ".join(f"{k}={v}" for k, v in sorted(new_kinds.items(), key=str)))
    info.insert(2, "question langs: " + ", ".join(f"{k}={v}" for k, v in sorted(langs.items())))
    info.insert(3, f"conversations: {len(crows)} (" + ", ".join(f"{k}={v}" for k, v in sorted(conv_langs.items(), key=str)) + ")")
    info.insert(4, f"documents covered: {len(covered)}/{len(docs)}")
    return problems, info


def report(problems: list[str], info: list[str]) -> int:
    """Print the notes and problems of a check; the exit status (1 when there is a problem)."""
    for line in info:
        print("note:", line)
    for line in problems:
        print("PROBLEM:", line)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    args = sys.argv[1:] if argv is None else argv
    qpath = Path(args[0]) if len(args) > 0 else here / "questions.jsonl"
    cpath = Path(args[1]) if len(args) > 1 else here / "conversations.jsonl"
    corpus = Path(args[2]) if len(args) > 2 else here.parent / "corpus"
    return report(*_run(qpath, cpath, corpus))


if __name__ == "__main__":
    sys.exit(main())
