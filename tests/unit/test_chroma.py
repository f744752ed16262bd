"""The embedded index's write lock: held across processes, re-entrant in a thread, taken by writes only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from planbot.chroma import LockedWrites, WriteLock

# Exit 0 if the lock file can be taken right now, 1 if another process holds it.
TRY_LOCK = (
    "import fcntl, sys; f = open(sys.argv[1], 'a+b')\n"
    "try: fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
    "except OSError: sys.exit(1)"
)


def _free_for_another_process(path: Path) -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)], check=False).returncode == 0


def test_the_write_lock_keeps_another_process_out_until_the_outer_hold_ends(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "index" / ".planbot-write.lock")
    with lock.held():
        with lock.held():  # nested in the same thread: no deadlock
            assert not _free_for_another_process(lock.path)
        assert not _free_for_another_process(lock.path)
    assert _free_for_another_process(lock.path)


class _Collection:
    """Records whether the lock was held during each call."""

    def __init__(self, lock: WriteLock) -> None:
        self.lock = lock
        self.calls: list[tuple[str, bool]] = []

    def _record(self, name: str) -> Any:
        self.calls.append((name, not _free_for_another_process(self.lock.path)))

    def add(self, **kwargs: Any) -> Any:
        return self._record("add")

    def delete(self, **kwargs: Any) -> Any:
        return self._record("delete")

    def get(self, **kwargs: Any) -> Any:
        return self._record("get")


def test_writes_to_a_locked_collection_hold_the_lock_and_reads_do_not(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / ".planbot-write.lock")
    inner = _Collection(lock)
    collection = LockedWrites(inner, lock)
    collection.add(ids=["a"])
    collection.get(ids=["a"])
    collection.delete(ids=["a"])
    assert inner.calls == [("add", True), ("get", False), ("delete", True)]
