"""Loading the corpus and single files: Markdown, text, HTML and PDF, and the errors users see."""

from __future__ import annotations

import io
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from planbot.errors import DocumentError
from planbot.loaders import document_id, load_bytes, load_corpus, load_document

PdfFactory = Callable[[list[list[str]]], bytes]

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Biblioteksplan 2024–2027 | Exempelstad</title>
<script>var tracking = "SKRIPTTEXT";</script><style>.x { color: red }</style></head>
<body>
<a class="skip-link" href="#main">Hoppa till innehållet</a>
<header><p>Exempelstads kommun – sidhuvud</p></header>
<nav><ul><li>Startsida</li><li>Kontakt</li></ul></nav>
<div id="cookie-banner" class="cookie-consent"><p>Vi använder kakor. Godkänn alla kakor?</p></div>
<ol class="breadcrumb"><li>Hem</li><li>Kultur</li></ol>
<main>
  <h1>Biblioteksplan för Exempelstad</h1>
  <p>Biblioteksplanen beskriver hur <b>folkbiblioteket</b> ska arbeta under perioden.</p>
  <h2>Prioriteringar</h2>
  <p>Barn och unga prioriteras i all verksamhet.</p>
  <ul><li>Läsfrämjande för barn</li><li>Digital delaktighet</li></ul>
  <div class="menu-sidebar">Relaterade sidor</div>
</main>
<footer>Kontakta oss på biblioteket@example.se</footer>
</body></html>
"""


def _errors_for(tmp_path: Path, name: str, data: bytes) -> DocumentError:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError) as caught:
        load_document(path, tmp_path)
    return caught.value


def test_real_corpus_loads_all_37_documents_without_errors(corpus_root: Path) -> None:
    documents, errors = load_corpus(corpus_root)
    assert errors == []
    assert len(documents) == 37
    assert len({doc.id for doc in documents}) == 37


def test_front_matter_supplies_title_type_url_and_metadata(corpus_root: Path) -> None:
    doc = load_document(corpus_root / "bibliotekslag-2013-801.md", corpus_root)
    assert doc.id == "bibliotekslag-2013-801"
    assert doc.title == "Bibliotekslag (2013:801)"
    assert doc.doc_type == "lag"
    assert doc.source_url == "https://rkrattsdb.gov.se/SFSdoc/13/130801.pdf"
    assert doc.metadata["issued"] == "2013-10-31"
    assert doc.metadata["sfs"] == "2013:801"
    assert "title" not in doc.metadata
    assert doc.text.lstrip().startswith("# Bibliotekslag\n")
    assert "---" not in doc.text.splitlines()
    assert len(doc.content_hash) == 64


def test_source_url_containing_triple_dash_does_not_end_the_front_matter(corpus_root: Path) -> None:
    hits = subprocess.run(
        ["grep", "-rl", "^source_url:.*---", str(corpus_root)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(hits) == 1
    path = Path(hits[0])
    doc = load_document(path, corpus_root)
    assert doc.source_url is not None and doc.source_url.endswith(
        "---forslag-till-en-nationell-biblioteksstrategi/"
    )
    assert doc.doc_type == "remiss"
    assert doc.title.startswith("Remiss av rapporten Demokratins skattkammare")
    assert doc.id == "regeringen--" + path.stem


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("regeringen/prop.-2013143.md", "regeringen--prop.-2013143"),
        ("bibliotekslag-2013-801.md", "bibliotekslag-2013-801"),
        ("Planer/Biblioteksplan Årjäng 2024.PDF", "planer--biblioteksplan--rj-ng-2024"),
    ],
)
def test_document_ids_are_path_based_and_url_safe(relative: str, expected: str) -> None:
    assert document_id(relative) == expected


def test_unquoted_yaml_dates_become_iso_strings_and_missing_type_defaults(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text("---\ntitle: Plan\nvalid_from: 2024-01-01\ntags: [a, b]\n---\nText här.\n", "utf-8")
    doc = load_document(path, tmp_path)
    assert doc.metadata == {"valid_from": "2024-01-01"}
    assert doc.doc_type == "dokument"
    assert doc.text == "Text här.\n"


@pytest.mark.parametrize(
    ("body", "title"),
    [("# Rubriken\n\nText.\n", "Rubriken"), ("Bara text utan rubrik.\n", "anteckning")],
)
def test_title_falls_back_to_first_heading_then_file_stem(tmp_path: Path, body: str, title: str) -> None:
    path = tmp_path / "anteckning.md"
    path.write_text(body, "utf-8")
    assert load_document(path, tmp_path).title == title


def test_latin1_text_file_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gammal.txt"
    path.write_bytes("Biblioteket i Västerås är öppet.".encode("cp1252"))
    assert load_document(path, tmp_path).text == "Biblioteket i Västerås är öppet."


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("tom.md", b"", "empty"),
        ("blank.txt", b"  \n\t\n ", "empty"),
        ("bara-front-matter.md", b"---\ntitle: X\n---\n\n", "empty"),
        ("bild.txt", b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(2000), "binary"),
    ],
)
def test_empty_and_binary_files_are_rejected(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    assert reason in _errors_for(tmp_path, name, data).reason


def test_html_keeps_main_content_and_drops_chrome(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(HTML_PAGE, "utf-8")
    doc = load_document(path, tmp_path)
    assert doc.title == "Biblioteksplan 2024–2027 | Exempelstad"
    assert "# Biblioteksplan för Exempelstad" in doc.text.splitlines()
    assert "## Prioriteringar" in doc.text.splitlines()
    assert "Biblioteksplanen beskriver hur folkbiblioteket ska arbeta under perioden." in doc.text
    assert "- Läsfrämjande för barn" in doc.text.splitlines()
    for chrome in ("SKRIPTTEXT", "kakor", "Startsida", "Hem", "sidhuvud", "Kontakta", "Hoppa", "Relaterade"):
        assert chrome not in doc.text


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><script>document.write('x')</script></head><body><script>run()</script></body></html>",
        "<html><body><nav><a href='/'>Start</a></nav><div class='cookie'>Godkänn</div></body></html>",
    ],
)
def test_html_without_readable_text_is_rejected(tmp_path: Path, html: str) -> None:
    assert "no readable text" in _errors_for(tmp_path, "tom.html", html.encode()).reason


@pytest.mark.parametrize(
    ("data", "expected_start"),
    [
        (HTML_PAGE.encode(), "# Biblioteksplan för Exempelstad"),
        (b"---\ntitle: Uppladdad\n---\n# Rubrik\nText.", "# Rubrik"),
    ],
)
def test_uploads_are_parsed_by_content_not_name(data: bytes, expected_start: str) -> None:
    doc = load_bytes("upload.bin", data, {"doc_type": "biblioteksplan", "period": "2024-2027"})
    assert doc.text.startswith(expected_start)
    assert doc.doc_type == "biblioteksplan"
    assert doc.metadata["period"] == "2024-2027"


def test_uploaded_pdf_is_sniffed_by_magic_bytes(make_pdf: PdfFactory) -> None:
    doc = load_bytes("plan.txt", make_pdf([["Mål", "Alla ska ha tillgång till ett bibliotek i närheten."]]))
    assert [span.page for span in doc.pages] == [1]
    assert "Alla ska ha tillgång till ett bibliotek i närheten." in doc.text


def _encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Hemlig biblioteksplan")
    pdf.set_encryption(owner_password="ägare", user_password="hemligt")
    return bytes(pdf.output())


def _no_text_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def _pypdf_encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("lösen", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n" + random.Random(2).randbytes(3000), "damaged"),
        (b"this is not a pdf at all", "damaged"),
        (_encrypted_pdf(), "encrypted"),
        (_pypdf_encrypted(), "encrypted"),
        (_no_text_pdf(), "no text layer"),
    ],
    ids=["random-bytes", "not-a-pdf", "fpdf-encrypted", "pypdf-aes-encrypted", "drawing-only"],
)
def test_unreadable_pdfs_explain_what_is_wrong(tmp_path: Path, data: bytes, reason: str) -> None:
    assert reason in _errors_for(tmp_path, "plan.pdf", data).reason


def test_truncated_pdf_is_reported_as_damaged(tmp_path: Path, make_pdf: PdfFactory) -> None:
    whole: bytes = make_pdf([["Rubrik", "Text på sidan som är tillräckligt lång för att synas."]])
    assert "damaged" in _errors_for(tmp_path, "halv.pdf", whole[: len(whole) // 3]).reason


def test_pdf_page_spans_match_the_text_of_each_page(tmp_path: Path, make_pdf: PdfFactory) -> None:
    pages = [["Första sidan", "Detta står på sidan ett."], ["Andra sidan", "Detta står på sidan två."]]
    path = tmp_path / "plan.pdf"
    path.write_bytes(make_pdf(pages))
    doc = load_document(path, tmp_path)
    assert [span.page for span in doc.pages] == [1, 2]
    for span, expected in zip(doc.pages, ("sidan ett", "sidan två"), strict=True):
        assert expected in doc.text[span.start : span.end]
    assert doc.page_at(doc.text.index("sidan två")) == 2
    assert len(PdfReader(path).pages) == 2
    assert doc.title == "Första sidan"


def test_corpus_with_a_corrupt_pdf_still_loads_the_good_documents(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text("# Plan\n\nBiblioteket är öppet.\n", "utf-8")
    (tmp_path / "trasig.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Cat")
    (tmp_path / ".dold.md").write_text("# Dold\n\nSka inte laddas.\n", "utf-8")
    (tmp_path / "sources.toml").write_text("[x]\n", "utf-8")
    documents, errors = load_corpus(tmp_path)
    assert [doc.id for doc in documents] == ["plan"]
    assert [error.name for error in errors] == ["trasig.pdf"]
    assert "damaged" in errors[0].reason
