"""The one SQLite setup: the database path, connections (WAL, busy timeout, foreign keys) and migrations."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

DB_NAME = "planbot.sqlite3"
BUSY_TIMEOUT_S = 10.0


def database_path(data_dir: Path) -> Path:
    """The SQLite file that conversations and feedback share."""
    return data_dir / DB_NAME


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection in one transaction, committed on success, always closed."""
    # A connection per operation: requests run in several threads, and several stores share the file.
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        with db:
            yield db
    finally:
        db.close()


def migrate(path: Path, component: str, migrations: Sequence[str]) -> int:
    """Apply ``component``'s migrations not yet applied, in order; returns how many ran.

    Each migration is an SQL script; its position in the list is its identity, so append, never edit or
    reorder (as simonw/llm keeps its migrations).
    """
    _use_wal(path)
    with connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (component TEXT NOT NULL, seq INTEGER NOT NULL, "
            "applied TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (component, seq))"
        )
    ran = 0
    for seq, script in enumerate(migrations, start=1):
        with connect(path) as db:
            db.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it done
            done = db.execute(
                "SELECT 1 FROM _migrations WHERE component = ? AND seq = ?", (component, seq)
            ).fetchone()
            if done:
                continue
            for statement in _statements(script):
                db.execute(statement)
            db.execute("INSERT INTO _migrations (component, seq) VALUES (?, ?)", (component, seq))
            ran += 1
    return ran


def _use_wal(path: Path) -> None:
    """Switch the file to write-ahead logging, waiting while another process switches or writes it."""
    # The switch needs the file to itself, and SQLite does not wait on the busy timeout for it: a second
    # process starting at the same moment (the server and a command, two workers) is told "locked" at once.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            with connect(path) as db:
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _statements(script: str) -> list[str]:
    # executescript() would commit the open transaction; run the statements one by one inside it.
    return [s.strip() for s in script.split(";") if s.strip()]
