"""Answer feedback (👍/👎 and a comment) in SQLite beside the conversations, and its export."""

from __future__ import annotations

import csv
import io
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from planbot.db import connect, database_path, migrate

Rating = Literal["up", "down"]

# Append-only (see planbot.db.migrate); the first is the table from before migrations, hence IF NOT EXISTS.
MIGRATIONS = [
    """
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    message_id TEXT,
    conversation_id TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS feedback_message ON feedback (message_id) WHERE message_id IS NOT NULL;
""",
]

# Spreadsheet programs run cells starting with these as formulas; comments are typed by anyone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FeedbackEntry:
    """One reader's verdict on one answer."""

    question: str
    answer: str
    rating: Rating
    comment: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class StoredFeedback(FeedbackEntry):
    """A feedback entry as stored, with its id and UTC timestamp."""

    id: str = ""
    created_at: str = ""


EXPORT_COLUMNS = [
    "id",
    "created_at",
    "rating",
    "question",
    "answer",
    "comment",
    "message_id",
    "conversation_id",
]


class FeedbackStore:
    """The ``feedback`` table of ``data_dir/planbot.sqlite3``; other tables of the file are not ours."""

    def __init__(self, data_dir: Path) -> None:
        self.path = database_path(data_dir)
        migrate(self.path, "feedback", MIGRATIONS)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with connect(self.path) as db:
            db.row_factory = sqlite3.Row
            yield db

    def add(self, entry: FeedbackEntry) -> str:
        """Store ``entry``; a second verdict on the same message replaces the first. Returns its id."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            if entry.message_id is not None:
                row = db.execute(
                    "SELECT id FROM feedback WHERE message_id = ?", (entry.message_id,)
                ).fetchone()
                if row is not None:
                    db.execute(
                        "UPDATE feedback SET created_at = ?, conversation_id = ?, question = ?, answer = ?,"
                        " rating = ?, comment = ? WHERE id = ?",
                        (now, entry.conversation_id, entry.question, entry.answer, entry.rating,
                         entry.comment, row["id"]),
                    )  # fmt: skip
                    return str(row["id"])
            new_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO feedback (id, created_at, message_id, conversation_id, question, answer, rating,"
                " comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id, now, entry.message_id, entry.conversation_id, entry.question, entry.answer,
                 entry.rating, entry.comment),
            )  # fmt: skip
            return new_id

    def all(self) -> list[StoredFeedback]:
        """Every entry, oldest first."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM feedback ORDER BY created_at, rowid")
            return [StoredFeedback(**dict(row)) for row in rows]

    def to_csv(self) -> str:
        """Every entry as CSV with a header row, safe to open in a spreadsheet."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        for item in self.all():
            writer.writerow({k: _cell(v) for k, v in asdict(item).items()})
        return out.getvalue()


def _cell(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value
