"""Small typed records passed between pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Language = Literal["sv", "en"]
# Row-wise L2-normalised float32 embeddings, one row per text.
Vectors = NDArray[np.float32]


@dataclass(frozen=True)
class PageSpan:
    """Characters ``start:end`` came from PDF page ``page`` (1-based), printed as ``label``, maybe via OCR."""

    start: int
    end: int
    page: int
    label: str | None = None
    ocr: bool = False


@dataclass(frozen=True)
class Document:
    """A loaded source document: its plain text (Markdown headings kept) and metadata."""

    id: str
    title: str
    text: str
    path: str
    content_hash: str
    doc_type: str = "dokument"
    source_url: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    pages: tuple[PageSpan, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Page number holding character ``offset``, or None for documents without pages."""
        span = self.span_at(offset)
        return span.page if span is not None else None

    def span_at(self, offset: int) -> PageSpan | None:
        """The page span holding character ``offset``, or None for documents without pages."""
        for span in self.pages:
            if span.start <= offset < span.end:
                return span
        return self.pages[-1] if self.pages and offset >= self.pages[-1].end else None


@dataclass(frozen=True)
class Chunk:
    """A passage of one document, with the locator a person can follow (``11 §``, ``s. 4, Mål``)."""

    id: str
    document_id: str
    ordinal: int
    text: str
    locator: str
    title: str
    doc_type: str = "dokument"
    source_url: str | None = None
    heading_path: tuple[str, ...] = ()
    section: str | None = None
    page: int | None = None
    start: int = 0
    end: int = 0
    page_label: str | None = None
    ocr: bool = False

    @property
    def label(self) -> str:
        """How a citation names it: "Bibliotekslag, 9 §"; the title alone if the locator repeats it."""
        # A web page whose only heading is its title would read "Ny bibliotekslag, Ny bibliotekslag".
        same = " ".join(self.locator.split()).casefold() == " ".join(self.title.split()).casefold()
        if not self.locator or same:
            return self.title
        return f"{self.title}, {self.locator}"


@dataclass(frozen=True)
class ScoredChunk:
    """A chunk with the retrieval score it was ranked by and, optionally, its neighbours' text."""

    chunk: Chunk
    score: float
    dense: float | None = None
    lexical: float | None = None
    sentence: float | None = None
    context: str | None = None
    # Other documents holding a near-identical passage, folded into this one ("samma uppgift finns också i").
    also_in: tuple[str, ...] = ()
    # The best sentence's similarity embedded behind its title and heading (the reranker's "context").
    placed_sentence: float | None = None


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer: a verbatim quote of a retrieved passage."""

    n: int
    chunk: Chunk
    quote: str
    score: float
    # Beside a plan cited outside its period: "gällde 2021–2024".
    period_note: str | None = None


@dataclass(frozen=True)
class AnswerPart:
    """One of the questions a message asked (``questions.py``): answered or not, and its citations."""

    question: str
    refused: bool
    citations: tuple[int, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The result of a question: text with ``[n]`` markers, its citations and the passages behind it."""

    question: str
    text: str
    refused: bool
    language: Language
    citations: tuple[Citation, ...]
    passages: tuple[ScoredChunk, ...]
    standalone_question: str | None = None
    mode: str = "extractive"
    note: str | None = None
    # When the message asked two or three things, each answered on its own (the text has one paragraph each).
    parts: tuple[AnswerPart, ...] = ()


@dataclass(frozen=True)
class IndexedDocument:
    """A document as the index knows it."""

    id: str
    title: str
    doc_type: str
    source_url: str | None
    path: str
    content_hash: str
    chunks: int
    metadata: dict[str, str]
    # Searchable, but its sentence vectors are still the pooled ones of the first pass (ingest refines them).
    provisional: bool = False


@dataclass(frozen=True)
class SentenceVector:
    """A sentence (or list item with its lead-in) of a chunk, with its embedding."""

    chunk_id: str
    start: int
    end: int
    vector: Vectors
    # The sentence embedded behind its title and heading path (``sentence_embedding_text``), which ranks
    # passages better; the plain ``vector`` picks and checks the sentences of an answer. None: not stored.
    context: Vectors | None = None


def embedding_text(chunk: Chunk) -> str:
    """What a chunk is embedded and BM25-indexed as: its document title, heading path and text."""
    path = " > ".join(p for p in chunk.heading_path if p and p != chunk.title)
    head = f"{chunk.title}. {path}." if path else f"{chunk.title}."
    return f"{head}\n{chunk.text}"


def sentence_embedding_text(chunk: Chunk, sentence: str) -> str:
    """A sentence behind its document title and nearest heading: what its ``context`` vector embeds.

    Alone, "Detta gäller även ..." could be in any law; with its place it is 17 § of one. The nearest
    heading ranked as well as the whole heading path on the tuning sets, at two thirds of the tokens.
    """
    path = [p for p in chunk.heading_path if p and p != chunk.title]
    return f"{chunk.title}. {path[-1]}. {sentence}" if path else f"{chunk.title}. {sentence}"
