"""Sentence-vector files: one per document version, replaced whole, swept with their version."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from planbot.sentence_files import SentenceFiles, file_name

SENTENCES = [("plan#0", 0, 10), ("plan#0", 11, 30), ("plan#2", 0, 12)]


def _vectors(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(len(SENTENCES), 384)).astype(np.float32)
    unit: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return unit


@pytest.mark.parametrize(
    "ids",
    [("plan#0", "plan#2", "plan#1"), ("plan-a", "plan-c", "plan-b"), ("plan#0", "annan#2", "plan#1")],
    ids=["numbered", "named", "mixed"],
)
def test_a_chunk_gets_its_own_sentences_spans_and_vectors_back(tmp_path: Path, ids: tuple[str, ...]) -> None:
    first, second, absent = ids
    sentences = [(first, 0, 10), (first, 11, 30), (second, 0, 12)]
    files = SentenceFiles(tmp_path)
    files.write("plan", "h1", sentences, _vectors(1))
    file = files.read("plan", "h1")
    assert file is not None
    got = file.of(first)
    assert got is not None
    assert [(s.chunk_id, s.start, s.end) for s in got] == sentences[:2]
    assert np.allclose(np.stack([s.vector for s in got]), _vectors(1)[:2], atol=1e-3)
    assert [s.start for s in file.of(second) or []] == [0]
    assert file.of(absent) is None and file.of("plan#9") is None and file.of("annan#0") is None
    assert files.read("plan", "h2") is None


def test_a_reader_sees_the_replacement_of_a_file_it_has_open(tmp_path: Path) -> None:
    files = SentenceFiles(tmp_path)
    files.write("plan", "h1", SENTENCES, _vectors(1))
    first = files.read("plan", "h1")
    SentenceFiles(tmp_path).write("plan", "h1", SENTENCES, _vectors(2))  # the second pass, another process
    again = files.read("plan", "h1")
    assert first is not None and again is not None
    assert np.allclose([s.vector for s in again.of("plan#0") or []], _vectors(2)[:2], atol=1e-3)
    # A reader still holding the old file keeps reading valid, old vectors.
    assert np.allclose([s.vector for s in first.of("plan#0") or []], _vectors(1)[:2], atol=1e-3)


def test_a_document_with_no_sentences_has_an_empty_file(tmp_path: Path) -> None:
    files = SentenceFiles(tmp_path)
    files.write("tom", "h1", [], np.zeros((0, 384), dtype=np.float32))
    file = files.read("tom", "h1")
    assert file is not None and file.of("tom#0") is None


def test_deleting_and_sweeping_remove_only_the_versions_not_kept(tmp_path: Path) -> None:
    files = SentenceFiles(tmp_path)
    for doc, version in [("plan", "h1"), ("plan", "h2"), ("a/b c#d", "h1"), ("gone", "h9")]:
        files.write(doc, version, SENTENCES, _vectors(1))
    files.delete("plan", keep_hash="h2")
    assert files.read("plan", "h1") is None and files.read("plan", "h2") is not None
    assert files.sweep({"plan": "h2", "a/b c#d": "h1"}) == 1
    assert files.read("gone", "h9") is None and files.read("a/b c#d", "h1") is not None
    files.delete("a/b c#d")
    assert files.read("a/b c#d", "h1") is None


@pytest.mark.parametrize("damage", [b"", b"PBSV\x01\x00\x00\x00" + b"\x00" * 8, b"not a vector file at all"])
def test_a_damaged_file_reads_as_absent(tmp_path: Path, damage: bytes) -> None:
    files = SentenceFiles(tmp_path)
    files.write("plan", "h1", SENTENCES, _vectors(1))
    next(tmp_path.glob("*.sv")).write_bytes(damage)
    assert files.read("plan", "h1") is None


def test_a_damaged_file_is_reported_once_and_read_again_once_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files = SentenceFiles(tmp_path)
    files.write("plan", "h1", SENTENCES, _vectors(1))
    next(tmp_path.glob("*.sv")).write_bytes(b"not a vector file at all")
    with caplog.at_level(logging.WARNING, logger="planbot.sentence_files"):
        assert all(files.read("plan", "h1") is None for _ in range(5))
    assert len(caplog.records) == 1 and "planbot ingest" in caplog.records[0].getMessage()
    files.write("plan", "h1", SENTENCES, _vectors(2))  # a repair writes a new file (a new inode)
    file = files.read("plan", "h1")
    assert file is not None and len(file.of("plan#0") or []) == 2


def test_a_sweep_removes_the_temporary_files_of_crashed_writes_but_not_a_write_under_way(
    tmp_path: Path,
) -> None:
    files = SentenceFiles(tmp_path)
    files.write("plan", "h1", SENTENCES, _vectors(1))
    crashed = tmp_path / f".{file_name('plan', 'h2')}.0a1b2c3d.tmp"
    writing = tmp_path / f".{file_name('plan', 'h3')}.4e5f6a7b.tmp"
    crashed.write_bytes(b"half a file")
    writing.write_bytes(b"half a file")
    two_hours_ago = time.time() - 7200
    os.utime(crashed, (two_hours_ago, two_hours_ago))
    assert files.sweep({"plan": "h1"}) == 1
    assert not crashed.exists() and writing.exists() and files.read("plan", "h1") is not None


def test_context_vectors_come_back_beside_the_plain_ones_and_are_absent_when_not_written(
    tmp_path: Path,
) -> None:
    files = SentenceFiles(tmp_path)
    files.write("plan", "h1", SENTENCES, _vectors(1), _vectors(2))
    files.write("plan", "h2", SENTENCES, _vectors(1))
    both, plain = files.read("plan", "h1"), files.read("plan", "h2")
    assert both is not None and plain is not None
    got = both.of("plan#0") or []
    assert np.allclose([s.vector for s in got], _vectors(1)[:2], atol=1e-3)
    assert np.allclose([s.context for s in got], _vectors(2)[:2], atol=1e-3)
    assert all(s.context is None for s in plain.of("plan#0") or [])
