"""Conversations and their turns in SQLite (data_dir/planbot.sqlite3, shared with other tables, WAL mode)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from planbot.config import Settings
from planbot.conversation.record import answer_from_record, answer_to_record
from planbot.db import connect, database_path, migrate
from planbot.errors import NotFound
from planbot.records import Answer

Role = Literal["user", "assistant"]
TITLE_CHARS = 80

# Append-only: each script's position is its identity (see planbot.db.migrate).
MIGRATIONS = [
    """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversation_turns (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    standalone TEXT,
    answer TEXT,
    created TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS conversation_turns_by_seq ON conversation_turns (conversation_id, seq);
CREATE INDEX IF NOT EXISTS conversations_by_updated ON conversations (updated);
""",
    # Conversations belong to whoever started them: a hash of their owner credential (see server/owner.py).
    # Those from before have no owner and are reachable only by the CLI until they are purged.
    """
ALTER TABLE conversations ADD COLUMN owner TEXT;
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, updated);
""",
]


@dataclass(frozen=True)
class ConversationInfo:
    """A conversation as listed: title is its first question, shortened."""

    id: str
    title: str
    created: str
    updated: str
    turns: int


@dataclass(frozen=True)
class Turn:
    """One message; assistant turns carry the answer JSON, user turns the query searched if rewritten."""

    message_id: str
    role: Role
    content: str
    created: str
    standalone: str | None = None
    answer: Answer | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    # Fixed-width UTC stamps sort as text, which the listing and the purge rely on.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _title(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


class ConversationStore:
    """Create, extend, list, read and delete conversations; caps turns and purges stale conversations."""

    def __init__(
        self,
        path: Path,
        *,
        max_turns: int = 20,
        max_age_days: int = 30,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.path = path
        self.max_turns = max_turns
        self.max_age = timedelta(days=max_age_days)
        self._clock = clock
        migrate(path, "conversations", MIGRATIONS)
        self.purge()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with connect(self.path) as db:
            yield db

    def purge(self) -> int:
        """Delete conversations not updated within the maximum age; returns how many."""
        cutoff = _stamp(self._clock() - self.max_age)
        with self._connect() as db:
            return db.execute("DELETE FROM conversations WHERE updated < ?", (cutoff,)).rowcount

    def create(self, first_question: str, owner: str | None = None) -> str:
        """A new, empty conversation titled by its first question, belonging to ``owner``; returns its id."""
        self.purge()
        cid = uuid.uuid4().hex
        now = _stamp(self._clock())
        with self._connect() as db:
            db.execute(
                "INSERT INTO conversations (id, title, created, updated, owner) VALUES (?, ?, ?, ?, ?)",
                (cid, _title(first_question), now, now, owner),
            )
        return cid

    def require(self, conversation_id: str, owner: str | None = None) -> None:
        """Raise NotFound unless the conversation exists (and, if ``owner`` is given, is theirs).

        Someone else's conversation is "not found" too, so ids cannot be probed.
        """
        where, args = _whose(conversation_id, owner)
        with self._connect() as db:
            row = db.execute(f"SELECT 1 FROM conversations c WHERE {where}", args).fetchone()
        if row is None:
            raise NotFound(
                f"No conversation with id {conversation_id!r}: it may have been deleted or purged after "
                f"{self.max_age.days} days. Start a new one with conversation_id null."
            )

    def append(
        self,
        conversation_id: str,
        role: Role,
        content: str,
        *,
        standalone: str | None = None,
        answer: Answer | None = None,
        message_id: str | None = None,
    ) -> str:
        """Add a turn, drop the oldest beyond the cap, and return the turn's message id."""
        self.purge()
        self.require(conversation_id)
        mid = message_id or uuid.uuid4().hex
        now = _stamp(self._clock())
        with self._connect() as db:
            # Take the write lock before reading MAX(seq), so two replies to one conversation cannot collide.
            db.execute("BEGIN IMMEDIATE")
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM conversation_turns WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            db.execute(
                "INSERT INTO conversation_turns (id, conversation_id, seq, role, content, standalone, answer,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    mid,
                    conversation_id,
                    seq,
                    role,
                    content,
                    standalone,
                    None if answer is None else json.dumps(answer_to_record(answer), ensure_ascii=False),
                    now,
                ),
            )
            db.execute(
                "DELETE FROM conversation_turns WHERE conversation_id = ? AND seq <= ?",
                (conversation_id, seq - self.max_turns),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
        return mid

    def recent(self, owner: str | None = None, limit: int = -1, offset: int = 0) -> list[ConversationInfo]:
        """Conversations (only ``owner``'s if given), newest first, ``limit`` of them from ``offset``."""
        where, args = ("WHERE c.owner = ?", (owner,)) if owner is not None else ("", ())
        return self._infos(where, args, limit, offset)

    def info(self, conversation_id: str, owner: str | None = None) -> ConversationInfo:
        """One conversation's listing entry, or NotFound."""
        self.require(conversation_id, owner)
        return self._infos("WHERE c.id = ?", (conversation_id,))[0]

    def _infos(
        self, where: str, args: tuple[str, ...], limit: int = -1, offset: int = 0
    ) -> list[ConversationInfo]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.created, c.updated, COUNT(t.id) FROM conversations c "
                f"LEFT JOIN conversation_turns t ON t.conversation_id = c.id {where} "
                "GROUP BY c.id ORDER BY c.updated DESC, c.rowid DESC LIMIT ? OFFSET ?",
                (*args, limit, offset),
            ).fetchall()
        return [ConversationInfo(*row) for row in rows]

    def claim(self, conversation_id: str, owner: str) -> None:
        """Give a conversation nobody owns yet (one just started) to ``owner``."""
        with self._connect() as db:
            db.execute(
                "UPDATE conversations SET owner = ? WHERE id = ? AND owner IS NULL", (owner, conversation_id)
            )

    def message_owner(self, message_id: str) -> tuple[str, str | None] | None:
        """The conversation a stored message is in and that conversation's owner, or None if unknown."""
        with self._connect() as db:
            row = db.execute(
                "SELECT c.id, c.owner FROM conversation_turns t "
                "JOIN conversations c ON c.id = t.conversation_id WHERE t.id = ?",
                (message_id,),
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def turns(self, conversation_id: str, last: int | None = None, owner: str | None = None) -> list[Turn]:
        """The conversation's turns in order (only the ``last`` ones if given), or NotFound."""
        self.require(conversation_id, owner)
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, role, content, created, standalone, answer FROM conversation_turns "
                "WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        if last is not None:
            rows = rows[-last:] if last > 0 else []
        return [
            Turn(
                mid,
                role,
                content,
                created,
                standalone,
                None if answer is None else answer_from_record(json.loads(answer)),
            )
            for mid, role, content, created, standalone, answer in rows
        ]

    def delete(self, conversation_id: str, owner: str | None = None) -> None:
        """Delete a conversation and its turns (only if ``owner``'s, when given), or raise NotFound."""
        where, args = _whose(conversation_id, owner)
        with self._connect() as db:
            gone = db.execute(f"DELETE FROM conversations AS c WHERE {where}", args).rowcount
        if not gone:
            self.require(conversation_id, owner)

    def delete_all(self, older_than_days: int = 0) -> int:
        """An administrator's purge: every conversation not updated in ``older_than_days``; how many."""
        cutoff = _stamp(self._clock() - timedelta(days=older_than_days))
        with self._connect() as db:
            return db.execute("DELETE FROM conversations WHERE updated <= ?", (cutoff,)).rowcount


def _whose(conversation_id: str, owner: str | None) -> tuple[str, tuple[str, ...]]:
    """The WHERE clause for one conversation, restricted to ``owner``'s when given."""
    if owner is None:
        return "c.id = ?", (conversation_id,)
    return "c.id = ? AND c.owner = ?", (conversation_id, owner)


def store_for(settings: Settings) -> ConversationStore:
    """The store configured by ``settings`` (data_dir, history_turns, history_max_age_days)."""
    return ConversationStore(
        database_path(settings.data_dir),
        max_turns=settings.history_turns,
        max_age_days=settings.history_max_age_days,
    )
