"""Compare plans: one question answered per document, each column cited or "nämns inte"."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from planbot.answer import REFUSAL
from planbot.errors import InvalidInput, NotFound
from planbot.filters import Filters, document_period
from planbot.pipeline import Pipeline
from planbot.records import Answer, Vectors

NOT_MENTIONED = "nämns inte"
MAX_DOCUMENTS = 12

# The column rule on top of the pipeline's refusal. Inside one plan the best passage is always the most
# topical one, so a plan that never treats the question still answers with a section sharing its words
# (its "Syfte", a paragraph quoting the law). Such a column is "nämns inte" when both
#  - its best sentence stands little above the plan's own baseline for the question (the median
#    similarity of all the plan's sentences to it: what "merely about libraries" scores in this plan), and
#  - its best passage (with its headings) holds few of the question's words, weighted by rarity.
# A passage that treats the topic passes on either. Chosen on the dev split of eval/planwork/compare.toml
# (`python -m planbot_dev.eval_planwork --split dev --only compare`) from the middle of the plateau where
# refusal accuracy is best (margin 0.0525-0.0625, coverage 0.325-0.40), not its single best point.
COLUMN_MIN_MARGIN = 0.058
COLUMN_MIN_COVERAGE = 0.36
# A median over fewer sentences is no baseline: shorter plans keep the pipeline's own decision.
COLUMN_MIN_SENTENCES = 5


@dataclass(frozen=True)
class Column:
    """One document's answer: the pipeline's, with a document filter, unless the column rule refuses it."""

    document_id: str
    title: str
    answer: Answer


@dataclass(frozen=True)
class Comparison:
    """The question and one column per document."""

    question: str
    columns: tuple[Column, ...]


def select_documents(
    pipeline: Pipeline,
    document_ids: list[str] | None = None,
    doc_type: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[str]:
    """The documents to compare: the ids given (each must exist), or those of a type valid in a period."""
    docs = pipeline.documents()
    if document_ids:
        unknown = [d for d in document_ids if d not in docs]
        if unknown:
            raise NotFound(f"No document with id {unknown[0]!r}; GET /api/documents lists them.")
        chosen = list(dict.fromkeys(document_ids))
    elif doc_type:
        period = Filters(date_from=date_from, date_to=date_to)
        chosen = sorted(
            d.id
            for d in docs.values()
            if d.doc_type == doc_type
            and (period.is_empty() or period.matches(d.doc_type, d.id, document_period(d.metadata)))
        )
    else:
        raise InvalidInput("Name two or more documents ('document_ids') or a document type ('doc_type').")
    if len(chosen) < 2:
        raise InvalidInput(
            f"Comparing needs at least two documents; {len(chosen)} matched. "
            "Name more document ids, or widen the type or period."
        )
    if len(chosen) > MAX_DOCUMENTS:
        raise InvalidInput(f"{len(chosen)} documents matched; compare at most {MAX_DOCUMENTS} at a time.")
    return chosen


def compare(
    pipeline: Pipeline,
    question: str,
    document_ids: list[str] | None = None,
    doc_type: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    top_k: int = 3,
) -> Comparison:
    """Ask ``question`` of each document on its own: the pipeline's refusal, then the column rule."""
    question = pipeline.validate_question(question)
    chosen = select_documents(pipeline, document_ids, doc_type, date_from, date_to)
    docs = pipeline.documents()
    vector = pipeline.retriever.embed_query(question)
    columns = []
    for d in chosen:
        answer = pipeline.ask(question, top_k, Filters(document_id=[d]))
        if not answer.refused and only_shares_words(pipeline, question, vector, d, answer):
            answer = replace(answer, text=REFUSAL[answer.language], refused=True, citations=())
        columns.append(Column(d, docs[d].title, answer))
    return Comparison(question, tuple(columns))


def only_shares_words(
    pipeline: Pipeline, question: str, vector: Vectors, document_id: str, answer: Answer
) -> bool:
    """Whether the plan's answer is merely topical: no nearer than its other sentences, few question words."""
    # English questions over Swedish plans share no words; the rule was tuned on Swedish ones only.
    if answer.language != "sv" or not answer.passages:
        return False
    _, chunks = pipeline.document(document_id)
    vectors = pipeline.index.sentence_vectors([c.id for c in chunks], pipeline.documents())
    if len(vectors) < COLUMN_MIN_SENTENCES:
        return False
    similarity = np.array([float(sv.vector @ vector) for sv in vectors])
    margin = float(similarity.max() - np.median(similarity))
    best = answer.passages[0].chunk
    covered = pipeline.retriever.lexical.coverage(question, [" ".join([*best.heading_path, best.text])])
    return margin < COLUMN_MIN_MARGIN and covered < COLUMN_MIN_COVERAGE


def column_text(column: Column) -> str:
    """The column's answer as one line, or "nämns inte"."""
    return NOT_MENTIONED if column.answer.refused else " ".join(column.answer.text.split())


def to_csv(comparison: Comparison) -> str:
    """One row per document: its answer (or "nämns inte") and its citations."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["fråga", "dokument_id", "dokument", "svar", "ställen", "citat"])
    for col in comparison.columns:
        cites = col.answer.citations
        writer.writerow(
            [
                comparison.question,
                col.document_id,
                col.title,
                column_text(col),
                " | ".join(f"[{c.n}] {c.chunk.locator}" for c in cites),
                " | ".join(f"[{c.n}] {' '.join(c.quote.split())}" for c in cites),
            ]
        )
    return out.getvalue()


def to_markdown(comparison: Comparison) -> str:
    """A Markdown table, one row per document."""
    lines = [f"# Jämförelse: {comparison.question}", "", "| Dokument | Svar | Ställen |", "|---|---|---|"]
    for col in comparison.columns:
        places = ", ".join(f"[{c.n}] {c.chunk.locator}" for c in col.answer.citations) or "–"
        text = column_text(col).replace("|", "\\|")
        lines.append(f"| {col.title} (`{col.document_id}`) | {text} | {places} |")
    return "\n".join(lines) + "\n"
