"""Chunking: law sections, heading sections, PDF pages, token budgets and sentence boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from planbot.chunking import chunk_document, estimate_tokens, split_sentences
from planbot.loaders import load_bytes, load_corpus, load_document
from planbot.records import Chunk, Document

PdfFactory = Callable[[list[list[str]]], bytes]


def _doc(text: str, doc_type: str = "dokument", title: str = "Testdokument") -> Document:
    return Document(id="test", title=title, text=text, path="test.md", content_hash="0", doc_type=doc_type)


def _law_paragraph(corpus_root: Path, sign: str) -> str:
    text = (corpus_root / "bibliotekslag-2013-801.md").read_text("utf-8")
    match = re.search(rf"^### {sign} §\n\n(.*?)\n\n#", text, re.DOTALL | re.MULTILINE)
    assert match is not None
    return match.group(1)


def _ends_at_sentence_or_line(doc: Document, chunk: Chunk, max_tokens: int) -> bool:
    """True at a sentence or line end, or inside a sentence that alone is over the budget."""
    after = doc.text[chunk.end : chunk.end + 1]
    if after in ("", "\n") or chunk.text[-1] in ".!?\"'»”)":
        return True
    sentence = next((doc.text[a:b] for a, b in split_sentences(doc.text) if a < chunk.end < b), "")
    return estimate_tokens(sentence) > max_tokens


@pytest.fixture(scope="module")
def corpus() -> list[Document]:
    documents, errors = load_corpus(Path(__file__).resolve().parents[2] / "corpus")
    assert errors == []
    return documents


def _by_id(corpus: list[Document], doc_id: str) -> Document:
    return next(doc for doc in corpus if doc.id == doc_id)


def test_bibliotekslag_gives_one_chunk_per_paragraph_sign(corpus: list[Document]) -> None:
    chunks = chunk_document(_by_id(corpus, "bibliotekslag-2013-801"))
    assert [chunk.locator for chunk in chunks] == [f"{n} §" for n in range(1, 19)]
    assert [chunk.ordinal for chunk in chunks] == list(range(18))
    assert chunks[0].id == "bibliotekslag-2013-801#0"


def test_law_chunk_knows_its_chapter_heading_and_keeps_heading_lines_out(corpus: list[Document]) -> None:
    third = chunk_document(_by_id(corpus, "bibliotekslag-2013-801"))[2]
    assert third.text.startswith("Bibliotekshuvudmän är kommunerna")
    assert third.heading_path == ("Bibliotekslag", "Ansvarsfördelning", "3 §")
    assert third.section == "3 §"
    assert third.title == "Bibliotekslag (2013:801)"
    assert third.doc_type == "lag"
    assert third.source_url == "https://rkrattsdb.gov.se/SFSdoc/13/130801.pdf"


def test_lettered_sections_get_their_own_chunks(corpus: list[Document]) -> None:
    locators = [
        chunk.locator for chunk in chunk_document(_by_id(corpus, "lag-2009-724-nationella-minoriteter"))
    ]
    assert locators[4:7] == ["5 §", "5 a §", "5 b §"]


def test_law_with_chapters_and_transitional_provisions() -> None:
    text = (
        "# Lagen\n\n## 1 kap. Inledande bestämmelser\n\n### 1 §\n\nDenna lag gäller bibliotek.\n\n"
        "## 2 kap. Ansvar\n\n### 3 §\n\nKommunen ansvarar.\n\n## Övergångsbestämmelser\n\n"
        "Denna lag träder i kraft den 1 januari 2014.\n"
    )
    chunks = chunk_document(_doc(text, doc_type="lag"))
    assert [(c.locator, c.section) for c in chunks] == [
        ("1 kap. 1 §", "1 §"),
        ("2 kap. 3 §", "3 §"),
        ("Övergångsbestämmelser", "Övergångsbestämmelser"),
    ]
    assert chunks[2].text == "Denna lag träder i kraft den 1 januari 2014."


@pytest.mark.parametrize(
    ("sign", "locator"),
    [
        ("1 §", "1 kap. 1 §"),
        ("17 §", "2 kap. 17 §"),
        ("16 d §", "2 kap. 16 d §"),
        ("49 c §", "6 kap. 49 c §"),
    ],
)
def test_copyright_act_sections_are_located_by_chapter_and_sign(
    corpus: list[Document], sign: str, locator: str
) -> None:
    chunks = chunk_document(_by_id(corpus, "upphovsrattslag-1960-729"))
    assert locator in {c.locator for c in chunks if c.section == sign}
    assert not any(c.locator.startswith("/") for c in chunks), "amendment notes are not locators"


def test_plan_page_chunks_are_located_by_nearest_heading(corpus: list[Document]) -> None:
    chunks = chunk_document(_by_id(corpus, "region-varmland-biblioteksverksamhetens-uppdrag"))
    method = next(chunk for chunk in chunks if chunk.locator == "Vårt arbetssätt")
    assert "Uppdraget är i första hand strategiskt" in method.text
    assert method.heading_path == ("Biblioteksverksamhetens uppdrag", "Vårt arbetssätt")
    assert chunks[0].locator == "Biblioteksverksamhetens uppdrag"
    assert chunks[0].text.startswith("Regional biblioteksverksamhet finns enligt lag")


def test_heading_without_body_produces_no_empty_chunk() -> None:
    chunks = chunk_document(_doc("# Plan\n\n## Mål\n\n### Barn\n\nBarn prioriteras.\n\n## Tom\n\n"))
    assert [(c.locator, c.heading_path, c.text) for c in chunks] == [
        ("Barn", ("Plan", "Mål", "Barn"), "Barn prioriteras.")
    ]


@pytest.mark.parametrize("max_tokens", [350, 120, 40])
def test_every_corpus_chunk_is_verbatim_nonempty_and_within_budget(
    corpus: list[Document], max_tokens: int
) -> None:
    for doc in corpus:
        chunks = chunk_document(doc, max_tokens=max_tokens)
        assert chunks, doc.id
        for chunk in chunks:
            assert chunk.text and chunk.text == chunk.text.strip()
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert estimate_tokens(chunk.text) <= max_tokens, (doc.id, chunk.locator)
            assert not chunk.text.lstrip().startswith("#"), "heading lines belong in the locator"


@pytest.mark.parametrize("max_tokens", [350, 120])
def test_corpus_chunks_never_end_inside_a_sentence(corpus: list[Document], max_tokens: int) -> None:
    for doc in corpus:
        for chunk in chunk_document(doc, max_tokens=max_tokens):
            assert _ends_at_sentence_or_line(doc, chunk, max_tokens), (doc.id, chunk.text[-60:])


def test_custom_token_counter_is_used() -> None:
    text = "# Plan\n\n" + " ".join(f"Mening nummer {n} handlar om bibliotek." for n in range(30))
    chunks = chunk_document(_doc(text), max_tokens=100, count_tokens=len)
    assert len(chunks) > 5
    assert all(len(chunk.text) <= 100 and chunk.text.endswith("bibliotek.") for chunk in chunks)
    assert {chunk.locator for chunk in chunks} == {"Plan"}


def test_a_single_overlong_sentence_is_split_at_words() -> None:
    text = "Ord " * 200 + "slut."
    chunks = chunk_document(_doc(text), max_tokens=50)
    assert len(chunks) > 1
    assert all(estimate_tokens(c.text) <= 50 and not c.text.endswith(" ") for c in chunks)
    assert " ".join(c.text for c in chunks) == text.strip()


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Biblioteken ska bl.a. främja läsning, t.ex. för barn. Det gäller fr.o.m. 2015. "
            "Nu gäller 2 kap. 3 §.",
            ["Biblioteken ska bl.a. främja läsning, t.ex. för barn.", "Det gäller fr.o.m. 2015.",
             "Nu gäller 2 kap. 3 §."],
        ),
        (
            "Se prop. 2012/13:147 om detta. Kungl. Biblioteket m.m. Vad gäller? Allt!",
            ["Se prop. 2012/13:147 om detta.", "Kungl. Biblioteket m.m. Vad gäller?", "Allt!"],
        ),
        (
            "Det allmänna biblioteksväsendet utgörs av:\n\n"
            "1. folkbibliotek,\n2. skolbibliotek,\n- lånecentraler",
            ["Det allmänna biblioteksväsendet utgörs av:", "1. folkbibliotek,", "2. skolbibliotek,",
             "- lånecentraler"],
        ),
        ("Punkten ”Mål.” Nästa mening.", ["Punkten ”Mål.”", "Nästa mening."]),
        (
            "Som anges i första stycket 3. Ett företag får. Den 3. Maj.",
            ["Som anges i första stycket 3.", "Ett företag får.", "Den 3. Maj."],
        ),
    ],
)  # fmt: skip
def test_split_sentences_respects_swedish_abbreviations_and_list_items(
    text: str, sentences: list[str]
) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == sentences


def test_pdf_chunks_cite_the_page_they_start_on(
    tmp_path: Path, make_pdf: PdfFactory, corpus_root: Path
) -> None:
    pages = [
        ["Ansvarsfördelning", "3 §", _law_paragraph(corpus_root, "3").split("\n\n")[0]],
        ["Folkbibliotek", "6 §", _law_paragraph(corpus_root, "6"), "7 §", _law_paragraph(corpus_root, "7")],
        ["Skolbibliotek", "10 §", _law_paragraph(corpus_root, "10")],
    ]
    path = tmp_path / "bibliotekslag.pdf"
    path.write_bytes(make_pdf(pages))
    doc = load_document(path, tmp_path)
    chunks = chunk_document(doc)
    target = next(c for c in chunks if "Folkbiblioteken ska särskilt främja läsning" in c.text)
    assert target.page == 2
    assert target.locator == "s. 2, 7 §"
    assert target.heading_path == ("Folkbibliotek", "7 §")
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.locator.startswith(f"s. {chunk.page}")


def test_pdf_without_law_signs_is_located_by_page_and_heading(make_pdf: PdfFactory) -> None:
    body = "Biblioteket ska nå nya målgrupper genom uppsökande verksamhet och samarbeten i hela kommunen."
    doc = load_bytes(
        "plan.pdf", make_pdf([["Inledning", body], ["Prioriteringar", "Barn och unga först. " + body]])
    )
    chunks = chunk_document(doc)
    assert [(c.locator, c.page) for c in chunks] == [("s. 1, Inledning", 1), ("s. 2, Prioriteringar", 2)]
    assert chunks[1].text.startswith("Barn och unga först.")


def test_html_headings_become_chunk_locators() -> None:
    html = (
        "<html><body><nav>Meny</nav><article><h1>Biblioteksplan</h1><p>Inledande text.</p>"
        "<h2>Mål</h2><p>Alla ska kunna låna böcker.</p><h3>Barn</h3><ul><li>Sagostunder.</li></ul>"
        "</article></body></html>"
    )
    chunks = chunk_document(load_bytes("plan.html", html.encode()))
    assert [(c.locator, c.text) for c in chunks] == [
        ("Biblioteksplan", "Inledande text."),
        ("Mål", "Alla ska kunna låna böcker."),
        ("Barn", "- Sagostunder."),
    ]


@pytest.mark.parametrize("words", [7_000, 14_000])
def test_token_counting_is_linear_in_text_without_sentence_punctuation(words: int) -> None:
    # 100 KB of words with no sentence ends once needed 14,004 counts over 12 M characters (27.7 s).
    counted: list[int] = []

    def counting(text: str) -> int:
        counted.append(len(text))
        return estimate_tokens(text)

    text = " ".join(("bibliotek", "läsning", "skola", "kommun")[i % 4] for i in range(words))
    chunks = chunk_document(_doc(text), 350, counting)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    # Each character is counted a bounded number of times, whatever the length.
    assert sum(counted) <= 20 * len(text)
