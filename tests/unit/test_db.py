"""The one SQLite setup: several processes opening a fresh database at the same moment."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from planbot.db import migrate

PROCESSES = 4
# Before the fix about one start in three lost a process to "database is locked": twenty starts see it.
STARTS = 20


def _migrate_when_all_are_ready(path: str, ready: Barrier, results: multiprocessing.Queue[str]) -> None:
    ready.wait()
    try:
        migrate(Path(path), "conversations", ["CREATE TABLE turns (id INTEGER PRIMARY KEY)"])
        results.put("ok")
    except Exception as exc:  # the outcome is what the test compares
        results.put(repr(exc))


def test_processes_starting_together_on_a_fresh_database_all_get_it(tmp_path: Path) -> None:
    """The server and a command (or two workers) starting at once on a new data directory both start."""
    ctx = multiprocessing.get_context("fork")
    outcomes: list[str] = []
    for start in range(STARTS):
        path = str(tmp_path / f"start{start}.sqlite3")
        ready = ctx.Barrier(PROCESSES)
        results: multiprocessing.Queue[str] = ctx.Queue()
        args = (path, ready, results)
        procs = [ctx.Process(target=_migrate_when_all_are_ready, args=args) for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        outcomes += [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join()
    assert [o for o in outcomes if o != "ok"] == []
