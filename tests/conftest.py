"""Shared test fixtures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

PdfFactory = Callable[[list[list[str]]], bytes]


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
