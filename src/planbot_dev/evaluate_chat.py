"""`planbot eval-chat`: does a follow-up find its gold passage in the top 5, with and without rewriting."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from planbot.conversation.service import Rewriter
from planbot.errors import InvalidInput
from planbot.pipeline import Pipeline
from planbot_dev.evaluate import holds_gold

TOP = 5


@dataclass(frozen=True)
class Conversation:
    """One eval conversation: its questions in order and what its final (follow-up) turn expects."""

    id: str
    lang: str
    questions: tuple[str, ...]
    gold: tuple[str, ...]
    kind: str = ""
    split: str = ""
    drop_terms: tuple[str, ...] = ()
    refuse: bool = False  # the final turn asks for something the documents do not hold


@dataclass(frozen=True)
class ConversationResult:
    """Where the follow-up's gold ranked (None: not in the top 5) for the plain and the rewritten query."""

    id: str
    lang: str
    plain_query: str
    rewritten_query: str | None
    plain_rank: int | None
    rewritten_rank: int | None
    kind: str = ""
    refuse: bool = False
    refused: bool | None = None  # whether the final turn's answer (from the rewritten query) refused
    carried: tuple[str, ...] = ()  # drop_terms found in the query searched

    @property
    def ok(self) -> bool:
        """Whether the final turn went right: refused if it should be, else gold in the top 5 and answered."""
        if self.refuse:
            return bool(self.refused)
        return self.rewritten_rank is not None and not self.carried


def load_conversations(path: Path, split: str | None = None) -> list[Conversation]:
    """Conversations from a JSONL file (optionally one split); the last turn has gold or expects a refusal."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        turns = row.get("turns") or []
        last = turns[-1] if turns else {}
        refuse = last.get("expect") == "refuse"
        if len(turns) < 2 or not (last.get("gold") or refuse):
            raise InvalidInput(
                f"{path}:{number}: a conversation needs 2+ turns and gold (or expect: refuse) "
                "on the last one."
            )
        if split and split != "all" and row.get("split") != split:
            continue
        out.append(
            Conversation(
                str(row["id"]),
                str(row.get("lang", "")),
                tuple(str(t["question"]) for t in turns),
                tuple(last.get("gold") or ()),
                kind=str(row.get("kind", "")),
                split=str(row.get("split", "")),
                drop_terms=tuple(last.get("drop_terms") or ()),
                refuse=refuse,
            )
        )
    return out


def _rank(pipeline: Pipeline, query: str, gold: Sequence[str]) -> int | None:
    if not gold:
        return None
    _, ranked = pipeline.search(query, TOP)
    return next((i for i, p in enumerate(ranked, 1) if holds_gold(p.chunk.text, gold)), None)


def carried_terms(query: str, drop_terms: Sequence[str]) -> tuple[str, ...]:
    """The earlier question's terms (``drop_terms``) that a topic-shift query still carries."""
    lowered = query.casefold()
    return tuple(t for t in drop_terms if t.casefold() in lowered)


def run(
    pipeline: Pipeline, conversations: Sequence[Conversation], rewriter: Rewriter, *, answer: bool = True
) -> list[ConversationResult]:
    """Search (and answer) each conversation's follow-up as asked and as rewritten from the earlier turns."""
    results = []
    for conv in conversations:
        earlier: list[str] = []
        for question in conv.questions[:-1]:
            earlier.append(rewriter.rewrite(question, earlier) or question)
        follow_up = conv.questions[-1]
        rewritten = rewriter.rewrite(follow_up, earlier)
        query = rewritten or follow_up
        plain_rank = _rank(pipeline, follow_up, conv.gold)
        rewritten_rank = _rank(pipeline, rewritten, conv.gold) if rewritten else plain_rank
        refused = pipeline.ask(query).refused if answer else None
        results.append(
            ConversationResult(
                conv.id,
                conv.lang,
                follow_up,
                rewritten,
                plain_rank,
                rewritten_rank,
                kind=conv.kind,
                refuse=conv.refuse,
                refused=refused,
                carried=carried_terms(query, conv.drop_terms),
            )
        )
    return results


def totals(results: Sequence[ConversationResult]) -> tuple[int, int]:
    """Answerable follow-ups with gold in the top 5: (without rewriting, with rewriting)."""
    answerable = [r for r in results if not r.refuse]
    return (
        sum(r.plain_rank is not None for r in answerable),
        sum(r.rewritten_rank is not None for r in answerable),
    )


@dataclass(frozen=True)
class KindSummary:
    """One kind of conversation: how many final turns went right, and how."""

    kind: str
    conversations: int
    gold_in_top: int  # answerable final turns with gold in the top 5 (rewritten query)
    answerable: int
    refused: int  # final turns refused (wanted for near-miss follow-ups, not for the others)
    carried: int  # topic-shift queries that still carry an earlier term


def by_kind(results: Sequence[ConversationResult]) -> list[KindSummary]:
    """Figures per kind of conversation, then one line for all."""
    kinds = sorted({r.kind for r in results})
    groups = [(k, [r for r in results if r.kind == k]) for k in kinds] + [("all", list(results))]
    out = []
    for kind, rs in groups:
        answerable = [r for r in rs if not r.refuse]
        out.append(
            KindSummary(
                kind,
                len(rs),
                sum(r.rewritten_rank is not None for r in answerable),
                len(answerable),
                sum(bool(r.refused) for r in rs),
                sum(bool(r.carried) for r in rs),
            )
        )
    return out


def report(results: Sequence[ConversationResult], per_conversation: bool = True) -> str:
    """A line per conversation, a table by kind, then both counts."""
    lines = []
    if per_conversation:
        for r in results:
            plain = r.plain_rank or "-"
            rewritten = r.rewritten_rank or "-"
            query = r.rewritten_query or "(kept as asked)"
            verdict = "ok " if r.ok else "BAD"
            refused = "refused " if r.refused else "answered" if r.refused is not None else ""
            carried = f" carries {list(r.carried)}" if r.carried else ""
            lines.append(
                f"{verdict} {r.id} {r.kind:<20} plain@{plain!s:<2} rewritten@{rewritten!s:<2} {refused}"
                f"{carried}  {query}"
            )
        lines.append("")
    lines.append(f"{'kind':<21} {'gold in top 5':>14} {'refused':>9} {'carries earlier terms':>22}")
    for k in by_kind(results):
        gold = f"{k.gold_in_top}/{k.answerable}" if k.answerable else "-"
        lines.append(f"{k.kind:<21} {gold:>14} {f'{k.refused}/{k.conversations}':>9} {k.carried:>22}")
    plain, rewritten = totals(results)
    n = sum(not r.refuse for r in results)
    lines.append("")
    lines.append(
        f"answerable follow-up turns with gold in the top {TOP}: {plain}/{n} without rewriting, "
        f"{rewritten}/{n} with rewriting"
    )
    return "\n".join(lines)


def as_json(results: Sequence[ConversationResult]) -> str:
    """Everything as JSON."""
    plain, rewritten = totals(results)
    return json.dumps(
        {
            "top": TOP,
            "conversations": len(results),
            "without_rewriting": plain,
            "with_rewriting": rewritten,
            "by_kind": [asdict(k) for k in by_kind(results)],
            "results": [asdict(r) for r in results],
        },
        ensure_ascii=False,
        indent=2,
    )
