"""Real plan PDFs (Word-made, two-column, scanned): clean reading-order text with printed page labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.chunking import chunk_document
from planbot.errors import DocumentError
from planbot.loaders import load_bytes
from planbot.pdf import clean_lines, ocr_available, parse_pdf
from planbot.records import Document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pdf"
LAYOUTS = ["biblioteksplan-word", "biblioteksplan-tvaspalt"]
NO_OCR = pytest.mark.skipif(
    not ocr_available(),
    reason="tesseract with its Swedish model is not installed; run scripts/install-ocr.sh",
)


def _load(stem: str, ocr: bool | None = False) -> Document:
    data = (FIXTURES / f"{stem}.pdf").read_bytes()
    if ocr is None:
        return load_bytes(f"{stem}.pdf", data)
    text, pages, fields = parse_pdf(stem, data, ocr=ocr)
    return Document(stem, fields["title"], text, stem, "0", metadata=fields, pages=pages)


@pytest.mark.parametrize("stem", LAYOUTS)
def test_running_headers_footers_and_contents_never_reach_the_text(stem: str) -> None:
    text = _load(stem).text
    assert "Exempelkommun |" not in text and "Kultur- och fritidsförvaltningen\n" not in text
    assert "Innehåll" not in text and "....." not in text
    assert text.count("## Läsfrämjande") == 1


@pytest.mark.parametrize(
    ("stem", "phrase", "pdf_page", "label"),
    [
        ("biblioteksplan-word", "läsfestival under vecka 46", 4, "2"),  # no /PageLabels: the footer number
        ("biblioteksplan-word", "Sagostunder på finska", 4, "2"),
        ("biblioteksplan-tvaspalt", "läsfestival under vecka 46", 5, "2"),  # /PageLabels: i, ii, iii, 1, …
        ("biblioteksplan-tvaspalt", "huvudbiblioteket och de fyra filialerna", 3, "iii"),
    ],
)
def test_chunks_cite_the_printed_page_label(stem: str, phrase: str, pdf_page: int, label: str) -> None:
    doc = _load(stem)
    chunk = next(c for c in chunk_document(doc) if phrase in " ".join(c.text.split()))
    assert (chunk.page, chunk.page_label) == (pdf_page, label)
    assert chunk.locator.startswith(f"s. {label}, ")


def test_two_columns_are_read_left_then_right_not_interleaved() -> None:
    text = " ".join(_load("biblioteksplan-tvaspalt").text.split())
    assert (
        "Biblioteken ska ägna särskild uppmärksamhet åt barn och unga för att främja språkutveckling" in text
    )
    assert (
        text.index("## Läsfrämjande")
        < text.index("lokala föreningslivet.")
        < text.index("## Nationella minoriteter")
    )


@pytest.mark.parametrize("stem", LAYOUTS)
def test_words_ligatures_and_bullets_are_normalised(stem: str) -> None:
    text = _load(stem).text
    flat = " ".join(text.split())
    for word in ("socialförvaltningen", "biblioteksverksamheten", "offentliga", "filialerna", "inflytande"):
        assert word in flat
    assert not any(ch in text for ch in "ﬁﬂﬀ\u00ad\uf0b7▪")
    lead_in = "Under planperioden ska biblioteken särskilt arbeta med följande insatser för barn och unga:"
    chunk = next(c for c in chunk_document(_load(stem)) if "förskoleklass" in c.text)
    assert lead_in in " ".join(chunk.text.split())
    assert "- Alla barn i förskoleklass får besöka" in chunk.text


@pytest.mark.parametrize("stem", LAYOUTS)
def test_table_rows_are_one_line_each_with_cells(stem: str) -> None:
    lines = _load(stem).text.splitlines()
    assert "Mål | Indikator | Ansvarig | År" in lines
    assert (
        "Stärkt skolbibliotek | Andel skolor med bemannat skolbibliotek | Utbildningsförvaltningen | 2027"
        in lines
    )
    assert "Meröppet | Antal meröppna bibliotek | Kultur- och fritidsförvaltningen | 2028" in lines


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["biblio-", "teket är öppet"], "biblioteket är öppet"),
        (["kultur-", "och fritidsnämnden"], "kultur-\noch fritidsnämnden"),
        (["ﬁnska och ﬂera folk\u00adbiblio\u00ad", "teket"], "finska och flera folkbiblioteket"),
        (["• Läsning", "▪ Digitalt", "\uf0b7 Minoriteter"], "- Läsning\n- Digitalt\n- Minoriteter"),
        (["Förord ........ iii", "Mål ......... 1", "Barn ...... 2", "Text."], "Text."),
    ],
    ids=["hyphenation", "coordination-hyphen", "ligatures-soft-hyphen", "bullets", "contents"],
)
def test_line_cleaning(lines: list[str], expected: str) -> None:
    assert clean_lines(lines) == expected


def test_scanned_page_without_ocr_is_reported_as_unreadable() -> None:
    doc = _load("biblioteksplan-skannad", ocr=False)
    assert doc.metadata["unreadable_pages"] == "4"
    assert "läsfestival" not in doc.text and "Sagostunder" not in doc.text
    assert "Barn och unga" in doc.text


def test_a_pdf_with_only_scanned_pages_and_no_ocr_is_refused() -> None:
    with pytest.raises(DocumentError, match="no text layer"):
        _load("skannad-sida", ocr=False)


@NO_OCR
def test_scanned_page_is_ocred_and_its_chunks_say_so() -> None:
    doc = _load("biblioteksplan-skannad", ocr=None)
    assert doc.metadata["ocr_pages"] == "4" and "unreadable_pages" not in doc.metadata
    chunk = next(c for c in chunk_document(doc) if "läsfestival" in c.text)
    assert chunk.ocr and chunk.page_label == "2" and chunk.locator.startswith("s. 2 (OCR), ")
    assert "Exempelkommun |" not in doc.text
