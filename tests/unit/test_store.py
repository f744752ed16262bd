"""The SQLite conversation store: persistence, ordering, caps, purging, and sharing the file."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planbot.conversation.store import MIGRATIONS, TITLE_CHARS, ConversationStore
from planbot.db import migrate
from planbot.errors import NotFound
from planbot.records import Answer, AnswerPart, Chunk, Citation, ScoredChunk


class Clock:
    """A settable clock, so age limits can be tested without waiting."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "planbot.sqlite3"


CHUNK = Chunk(
    "bv#0", "bv", 0, "Bibliotek Värmland är ett samarbete.", "s. 4, Inledning", "Region Värmland", page=4
)
ANSWER = Answer(
    "Vad är Bibliotek Värmland?",
    "Ett samarbete [1]",
    False,
    "sv",
    (Citation(1, CHUNK, "Bibliotek Värmland är ett samarbete.", 0.9, period_note="gällde 2021–2024"),),
    # Every field of a passage comes back, the other documents it was folded with among them.
    (ScoredChunk(CHUNK, 0.9, dense=0.8, context="Inledning", also_in=("kb-rapport",), placed_sentence=0.86),),
    # A message that asked two things keeps which of them was answered, and by which citations.
    parts=(AnswerPart("Vad är Bibliotek Värmland?", False, (1,)), AnswerPart("Vem leder det?", True)),
)


def test_turns_survive_reopening_the_store(db: Path, clock: Clock) -> None:
    store = ConversationStore(db, clock=clock)
    cid = store.create("Vad är Bibliotek Värmland?")
    store.append(cid, "user", "Vad är Bibliotek Värmland?")
    mid = store.append(cid, "assistant", "Ett samarbete [1]", answer=ANSWER)
    store.append(cid, "user", "Och vilka samarbetspartners har det?", standalone="... (bibliotek värmland)")

    reopened = ConversationStore(db, clock=clock)
    turns = reopened.turns(cid)
    assert [t.role for t in turns] == ["user", "assistant", "user"]
    assert turns[1].message_id == mid and turns[1].answer == ANSWER
    assert turns[2].standalone == "... (bibliotek värmland)" and turns[0].answer is None


def test_lists_newest_first_with_title_from_first_question_and_turn_counts(db: Path, clock: Clock) -> None:
    store = ConversationStore(db, clock=clock)
    old = store.create("Första frågan")
    clock.advance(minutes=1)
    new = store.create("x" * 300)
    clock.advance(minutes=1)
    store.append(old, "user", "Och sen?")  # a write makes it the most recent
    listing = store.recent()
    assert [c.id for c in listing] == [old, new]
    assert listing[0].title == "Första frågan" and listing[0].turns == 1
    assert len(listing[1].title) == TITLE_CHARS and listing[1].title.endswith("…")
    assert listing[0].updated > listing[0].created


def test_keeps_only_the_last_max_turns(db: Path, clock: Clock) -> None:
    store = ConversationStore(db, max_turns=4, clock=clock)
    cid = store.create("q0")
    for i in range(7):
        store.append(cid, "user", f"q{i}")
    assert [t.content for t in store.turns(cid)] == ["q3", "q4", "q5", "q6"]
    assert store.info(cid).turns == 4


def test_purges_conversations_older_than_max_age_on_writes_and_on_opening(db: Path, clock: Clock) -> None:
    store = ConversationStore(db, max_age_days=30, clock=clock)
    stale = store.create("gammal")
    clock.advance(days=20)
    fresh = store.create("ny")
    clock.advance(days=11)
    store.create("nyast")  # a write: the 31-day-old one goes
    assert stale not in {c.id for c in store.recent()}
    clock.advance(days=25)
    ConversationStore(db, max_age_days=30, clock=clock)  # startup purge
    with pytest.raises(NotFound):
        store.turns(fresh)


@pytest.mark.parametrize("operation", ["turns", "info", "delete", "append"])
def test_unknown_conversation_is_not_found_with_a_hint(db: Path, operation: str) -> None:
    store = ConversationStore(db)
    call = {
        "turns": lambda: store.turns("nope"),
        "info": lambda: store.info("nope"),
        "delete": lambda: store.delete("nope"),
        "append": lambda: store.append("nope", "user", "hej"),
    }[operation]
    with pytest.raises(NotFound, match="conversation_id null"):
        call()


def test_delete_removes_the_conversation_and_its_turns(db: Path) -> None:
    store = ConversationStore(db)
    cid = store.create("q")
    store.append(cid, "user", "q")
    store.delete(cid)
    assert store.recent() == []
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM conversation_turns").fetchone() == (0,)


def test_shares_the_file_in_wal_mode_without_touching_other_tables(db: Path) -> None:
    store = ConversationStore(db)
    with sqlite3.connect(db) as other:  # another module's table in the same file
        other.execute("CREATE TABLE feedback (message_id TEXT, rating INTEGER)")
        other.execute("INSERT INTO feedback VALUES ('m1', 1)")
    cid = store.create("q")
    store.delete(cid)
    ConversationStore(db)
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.execute("SELECT * FROM feedback").fetchall() == [("m1", 1)]


def test_concurrent_replies_to_one_conversation_are_all_kept(db: Path) -> None:
    store = ConversationStore(db, max_turns=100)
    cid = store.create("q")

    def reply(worker: int) -> None:
        for i in range(10):
            store.append(cid, "user", f"{worker}-{i}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(reply, range(4)))
    assert sorted(t.content for t in store.turns(cid)) == sorted(
        f"{w}-{i}" for w in range(4) for i in range(10)
    )


def test_an_answer_stored_before_records_were_versioned_still_reads(db: Path, clock: Clock) -> None:
    store = ConversationStore(db, clock=clock)
    cid = store.create("Vad är Bibliotek Värmland?")
    mid = store.append(cid, "assistant", "Ett samarbete [1]")
    old = {
        "answer": "Ett samarbete [1]",
        "refused": False,
        "language": "sv",
        "citations": [
            {"n": 1, "document_id": "bv", "title": "RV", "locator": "Inledning", "quote": "Ett", "score": 1}
        ],
        "passages": [
            {
                "rank": 1,
                "document_id": "bv",
                "title": "RV",
                "locator": "Inledning",
                "text": "Ett.",
                "score": 1,
            }
        ],
        "conversation_id": cid,
        "message_id": mid,
    }
    with sqlite3.connect(db) as con:
        con.execute("UPDATE conversation_turns SET answer = ? WHERE id = ?", (json.dumps(old), mid))
    (turn,) = store.turns(cid)
    assert turn.answer is not None and turn.answer.citations[0].chunk.locator == "Inledning"
    assert turn.answer.text == "Ett samarbete [1]"


def test_reopening_the_store_does_not_run_its_migrations_again(db: Path, clock: Clock) -> None:
    ConversationStore(db, clock=clock)
    assert migrate(db, "conversations", MIGRATIONS) == 0
