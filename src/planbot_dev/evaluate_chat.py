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
    """One eval conversation: its questions in order and the gold of its final (follow-up) turn."""

    id: str
    lang: str
    questions: tuple[str, ...]
    gold: tuple[str, ...]


@dataclass(frozen=True)
class ConversationResult:
    """Where the follow-up's gold ranked (None: not in the top 5) for the plain and the rewritten query."""

    id: str
    lang: str
    plain_query: str
    rewritten_query: str | None
    plain_rank: int | None
    rewritten_rank: int | None


def load_conversations(path: Path) -> list[Conversation]:
    """Conversations from eval/conversations.jsonl; the last turn must have gold."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        turns = row.get("turns") or []
        if len(turns) < 2 or not turns[-1].get("gold"):
            raise InvalidInput(f"{path}:{number}: a conversation needs 2+ turns and gold on the last one.")
        out.append(
            Conversation(
                str(row["id"]),
                str(row.get("lang", "")),
                tuple(str(t["question"]) for t in turns),
                tuple(turns[-1]["gold"]),
            )
        )
    return out


def _rank(pipeline: Pipeline, query: str, gold: Sequence[str]) -> int | None:
    _, ranked = pipeline.search(query, TOP)
    return next((i for i, p in enumerate(ranked, 1) if holds_gold(p.chunk.text, gold)), None)


def run(
    pipeline: Pipeline, conversations: Sequence[Conversation], rewriter: Rewriter
) -> list[ConversationResult]:
    """Search each conversation's follow-up as asked and as rewritten from the turns before it."""
    results = []
    for conv in conversations:
        earlier: list[str] = []
        for question in conv.questions[:-1]:
            earlier.append(rewriter.rewrite(question, earlier) or question)
        follow_up = conv.questions[-1]
        rewritten = rewriter.rewrite(follow_up, earlier)
        plain_rank = _rank(pipeline, follow_up, conv.gold)
        rewritten_rank = _rank(pipeline, rewritten, conv.gold) if rewritten else plain_rank
        results.append(
            ConversationResult(conv.id, conv.lang, follow_up, rewritten, plain_rank, rewritten_rank)
        )
    return results


def totals(results: Sequence[ConversationResult]) -> tuple[int, int]:
    """Conversations with gold in the top 5 on the follow-up turn: (without rewriting, with rewriting)."""
    return sum(r.plain_rank is not None for r in results), sum(r.rewritten_rank is not None for r in results)


def report(results: Sequence[ConversationResult], per_conversation: bool = True) -> str:
    """A table per conversation, then both counts."""
    lines = []
    if per_conversation:
        for r in results:
            plain = r.plain_rank or "-"
            rewritten = r.rewritten_rank or "-"
            query = r.rewritten_query or "(kept as asked)"
            lines.append(f"{r.id} {r.lang}  plain@{plain!s:<2} rewritten@{rewritten!s:<2} {query}")
        lines.append("")
    plain, rewritten = totals(results)
    lines.append(
        f"follow-up turns with gold in the top {TOP}: {plain}/{len(results)} without rewriting, "
        f"{rewritten}/{len(results)} with rewriting"
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
            "results": [asdict(r) for r in results],
        },
        ensure_ascii=False,
        indent=2,
    )
