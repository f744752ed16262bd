"""The assembled pipeline: what the API, the CLI and the eval all call."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from planbot.answer import ExtractiveAnswerer, detect_language
from planbot.answer.cues import answer_kind
from planbot.answer.kinds import facts_first
from planbot.answer.parts import combine_parts
from planbot.answer.refusal import RefusalRule
from planbot.config import Settings
from planbot.embedding import Embedder, PoolingEmbedder, create_embedder
from planbot.errors import InvalidInput, NotFound
from planbot.expansion import Expander
from planbot.filters import Filters
from planbot.index import ChromaIndex
from planbot.ingest import Ingestor, IngestReport, Progress
from planbot.planmeta import organisation_key, validity
from planbot.questions import asked_part, split_questions
from planbot.reading import Pleasantries, QuestionReader, default_pleasantries_file
from planbot.records import Answer, Chunk, Document, IndexedDocument, ScoredChunk, Vectors
from planbot.rerank import ExpandedLexical, Reranker, create_reranker
from planbot.retrieval import ChromaFullText, Retriever
from planbot.scope import Scope, effective_filters, mentioning, place_in_time, scope_for
from planbot.stages import record_stages
from planbot.statutes import default_statutes_file, load_statutes

log = logging.getLogger(__name__)


# Metadata fields that date a document (its period too, from `planmeta.validity`): a question about a
# year is answered from documents of that year.
_DATED_BY = ("published", "issued", "in_force", "adopted")


class Pipeline:
    """Question in, cited answer out; also ingest and document lookup."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or create_embedder(settings)
        # Pooled and separately embedded sentence vectors score differently: an index holds one kind.
        pooled = settings.sentence_vectors == "pooled" and isinstance(self.embedder, PoolingEmbedder)
        self.index = ChromaIndex(
            str(settings.index_dir),
            settings.collection,
            self.embedder.name + ("; sentences pooled" if pooled else ""),
            self.embedder.dimension,
            chroma_url=settings.chroma_url,
            contextual_sentences=not pooled,
        )
        # PLANBOT_LEXICAL_BACKEND: None ranks with the local BM25 segments (the Retriever's own search).
        lexical = ChromaFullText(self.index, self.documents) if settings.lexical_backend == "chroma" else None
        self.retriever = Retriever(
            self.index,
            self.embedder,
            lexical_backend=lexical,
            exact_search_chunks=settings.exact_search_chunks,
        )
        self.reranker = reranker or create_reranker(settings, self.retriever)
        self.answerer = ExtractiveAnswerer(
            lambda ids: self.index.sentence_vectors(ids, self.retriever.documents),
            lambda question, texts: self.retriever.lexical.coverage(question, texts),
            RefusalRule(
                min_sentence=settings.refuse_min_sentence,
                min_coverage=settings.refuse_min_coverage,
                coverage_below=settings.refuse_coverage_below,
                min_sentence_english=settings.refuse_min_sentence_english,
                min_placed=settings.refuse_min_placed,
                min_placed_english=settings.refuse_min_placed_english,
            ),
            knows=self._knows,
            wording=self._wording,
            # A desk compound ("textanalys") counts for the parts of it the passages use ("analysera text").
            refusal_coverage=self._refusal_coverage,
            continues=self._continues_section,
            local_name=self._local_name,
            years_of=self._years_of,
        )
        self.statutes = load_statutes(settings.statutes_file or default_statutes_file())
        self.reader = QuestionReader(
            self.retriever,
            settings.wordlist,
            self._wording,
            settings.wordlist_english,
            Pleasantries.load(settings.pleasantries_file or default_pleasantries_file()),
        )
        self._write_lock = threading.Lock()
        self._refine_lock = threading.Lock()

    # -- ingest ------------------------------------------------------------------------------

    def ingestor(self, progress: bool | None = None, on_progress: Progress | None = None) -> Ingestor:
        """An ingestor writing to this pipeline's index."""
        return Ingestor(
            self.index,
            self.embedder,
            chunk_tokens=self.settings.chunk_tokens,
            batch_size=self.settings.embed_batch_size,
            progress=progress,
            on_progress=on_progress,
            pool_sentences=self.settings.sentence_vectors == "pooled",
            searchable_first=self.settings.searchable_first,
        )

    def ingest(
        self, path: Path | None = None, *, progress: bool | None = None, on_progress: Progress | None = None
    ) -> IngestReport:
        """Bring the index in line with the corpus directory (or ``path``) and refresh search."""
        ingestor = self.ingestor(progress, on_progress)
        with self._write_lock:
            report = ingestor.ingest_corpus(path or self.settings.corpus_dir, refine=False)
            if report.changed or not self.retriever.chunks:
                self.retriever.refresh()
        self._refine(ingestor, report, repair=True)
        return report

    def ingest_documents(
        self,
        docs: list[Document],
        *,
        progress: bool | None = False,
        on_progress: Progress | None = None,
        refine: bool = True,
    ) -> IngestReport:
        """Add or replace already-loaded documents (uploads, synced sources) and refresh search.

        With ``refine`` false the second pass is left for ``refine()`` (the upload jobs run it later).
        """
        ingestor = self.ingestor(progress, on_progress)
        with self._write_lock:
            report = ingestor.ingest_documents(docs, refine=False)
            if report.changed:
                self.retriever.refresh()
        if refine:
            self._refine(ingestor, report)
        return report

    def refine(self, doc_ids: Collection[str], *, on_progress: Progress | None = None) -> IngestReport:
        """The second pass over those of ``doc_ids`` still searchable with their first pass's vectors."""
        report = IngestReport()
        self._refine(self.ingestor(False, on_progress), report, only=set(doc_ids))
        return report

    def _refine(
        self,
        ingestor: Ingestor,
        report: IngestReport,
        only: Collection[str] | None = None,
        *,
        repair: bool = False,
    ) -> None:
        """The second pass, searchable meanwhile: only its swaps wait for (and hold) the write lock."""
        # One second pass at a time, so two ingests do not embed the same provisional document twice.
        with self._refine_lock:
            ingestor.refine(report, swap_lock=self._write_lock, only=only, repair=repair)
            if report.refined or report.repaired:
                with self._write_lock:
                    self.retriever.refresh()

    def update_metadata(self, doc_id: str, changes: Mapping[str, str | None]) -> IndexedDocument:
        """Change a document's metadata (None removes a field) without re-embedding it."""
        with self._write_lock:
            if doc_id not in self.retriever.documents:
                raise NotFound(f"No document with id {doc_id!r}; GET /api/documents lists them.")
            self.index.update_metadata(doc_id, changes)
            # Filters and scope read the document list; the chunks' vectors and BM25 segments stay.
            self.retriever.refresh()
            return self.retriever.documents[doc_id]

    def delete_document(self, doc_id: str) -> None:
        """Remove a document from the index and from search."""
        with self._write_lock:
            if doc_id not in self.retriever.documents:
                raise NotFound(f"No document with id {doc_id!r}; GET /api/documents lists them.")
            self.index.delete_document(doc_id)
            # Its rows would go on counting in BM25's word statistics until their segment is rewritten.
            # The retriever's store has every segment open already; an ingestor's would open them again.
            live = {d.id: d.content_hash for d in self.index.documents().values()}
            self.retriever.store.merge_if_due(live)
            self.retriever.refresh()

    # -- questions -----------------------------------------------------------------------------

    def _knows(self, name: str) -> bool:
        """Whether the documents use a name, or the glossary says what they call it ("KB")."""
        lexical = self.retriever.lexical
        # Without a local lexical index (Chroma's full-text search instead) no name can be ruled out.
        if len(lexical) == 0 or lexical.uses(name):
            return True
        return bool(self._wording(name))

    def _local_name(self, name: str) -> bool:
        """Whether a name reads the same in English and in the documents: an organisation of the index
        ("Region Värmland", a municipality whose plan is indexed) or a word in Swedish letters they use."""
        key = organisation_key(name)
        if key and any(
            organisation_key(d.metadata.get("organisation", "")) == key for d in self.documents().values()
        ):
            return True
        lexical = self.retriever.lexical
        return bool(re.search(r"[åäöÅÄÖ]", name)) and len(lexical) > 0 and lexical.uses(name)

    def _years_of(self, doc_id: str) -> set[str]:
        """The years a document is dated by in its metadata (published, issued, in force, its period)."""
        doc = self.documents().get(doc_id)
        if doc is None:
            return set()
        years = set(re.findall(r"\b(?:19|20)\d\d\b", " ".join(doc.metadata.get(k, "") for k in _DATED_BY)))
        # A period ("2022-2025", valid_from to valid_to) covers the years between too; an open end adds none.
        if (span := validity(doc.metadata)) is not None:
            known = [d.year for d in span if d not in (dt.date.min, dt.date.max)]
            years |= {str(y) for y in range(min(known), max(known) + 1)} if known else set()
        return years

    def _expander(self) -> Expander | None:
        """The query expansion behind the lexical search (its glossary: what the documents call things)."""
        backend = self.retriever.lexical_backend
        return backend.expander if isinstance(backend, ExpandedLexical) else None

    def _refusal_coverage(self, question: str, texts: list[str]) -> float:
        """The refusal rule's word coverage: a desk word counts where the passages use its wording."""
        expander = self._expander()
        bridged = (lambda found: expander.bridged(question, found)) if expander else None
        return self.retriever.lexical.coverage(question, texts, parts_count=True, bridged=bridged)

    def _wording(self, question: str) -> tuple[str, ...]:
        """The glossary's wording of the question's words (what the documents call them)."""
        expander = self._expander()
        return expander.wording(question) if expander else ()

    def _continues_section(self, chunk: Chunk) -> bool:
        """Whether ``chunk`` is a later part of a section split over several chunks (a long §)."""
        return any(
            other.ordinal < chunk.ordinal and other.heading_path == chunk.heading_path
            for other in self.retriever.neighbours(chunk)
        )

    def validate_question(self, question: str) -> str:
        """The question stripped, or an InvalidInput a person can act on."""
        text = question.strip()
        if not text:
            raise InvalidInput("The question is empty: write what you want to know.")
        if len(text) > self.settings.max_question_chars:
            raise InvalidInput(
                f"The question is {len(text)} characters long; the limit is "
                f"{self.settings.max_question_chars}. Ask about one thing at a time."
            )
        return text

    def interpret(self, question: str) -> str:
        """The question as meant (``reading.py``): greetings left out, å, ä and ö put back, slips mended."""
        return self.reader.read(question)

    def scope(self, question: str, filters: Filters | None = None) -> Scope:
        """Which documents answer ``question``: laws and plans in force, or the plan or period it names."""
        return scope_for(question, self.documents(), filters, dt.date.today(), self.statutes)

    def search(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        scope: Scope | None = None,
    ) -> tuple[Vectors, list[ScoredChunk]]:
        """The question's vector and its best passages within its scope, reranked, best first."""
        return self._search_as_read(self.interpret(question), top_k, filters, scope)

    def _search_as_read(
        self, question: str, top_k: int | None, filters: Filters | None, scope: Scope | None
    ) -> tuple[Vectors, list[ScoredChunk]]:
        """``search`` for a question already read as meant (``interpret``)."""
        k = top_k or self.settings.top_k
        if self.retriever.refresh_if_stale(self.settings.refresh_check_s):
            log.info("index changed by another process: search refreshed")
        scope = scope or self.scope(question, filters)
        where = effective_filters(scope, filters, self.documents())
        t0 = time.perf_counter()
        vector = self._query_vector(question)
        t1 = time.perf_counter()
        candidates = []
        if where is None or where.document_id:
            n = max(self.settings.candidates, k)
            candidates = mentioning(self.retriever.retrieve(question, vector, n, where), scope)
        t2 = time.perf_counter()
        ranked = self.reranker.rerank(question, vector, candidates)[:k]
        t3 = time.perf_counter()
        # Per-request timings go to the request's context (planbot.stages), never to shared attributes.
        record_stages(embed=1e3 * (t1 - t0), retrieve=1e3 * (t2 - t1), rerank=1e3 * (t3 - t2))
        return vector, ranked

    def _query_vector(self, question: str) -> Vectors:
        """The question's vector; a message describing a situation leans towards the sentence that asks.

        "Jag sitter i skolbiblioteket och hjälper en lärare ... Får hon visa bilderna för klassen?": the
        situation's words would otherwise pull the search towards passages about school libraries.
        """
        vector = self.retriever.embed_query(question)
        asked = asked_part(question)
        if asked == question or not self.settings.asked_weight:
            return vector
        leaning = vector + self.settings.asked_weight * self.retriever.embed_query(asked)
        unit: Vectors = (leaning / np.linalg.norm(leaning)).astype(vector.dtype)
        return unit

    def ask(self, question: str, top_k: int | None = None, filters: Filters | None = None) -> Answer:
        """Answer a question from the documents, with citations, or refuse; each of two or three questions."""
        typed = self.validate_question(question)
        question = self.interpret(typed)
        asked = split_questions(question)
        answered = [self._answer(a.query, top_k, filters) for a in asked]
        answers = [a for a, _ in answered]
        if len(asked) == 1:
            answer = answers[0]
        else:
            k = top_k or self.settings.top_k
            shown = [a.question for a in asked]
            answer = combine_parts(question, shown, answers, detect_language(question), k)
        if question != typed:
            # Shown as "Tolkat som: ..." so the reader sees what was searched.
            answer = replace(answer, question=typed, standalone_question=question)
        record_stages(answer=sum(ms for _, ms in answered))
        return answer

    def _answer(self, question: str, top_k: int | None, filters: Filters | None) -> tuple[Answer, float]:
        """The answer to one question already read as meant, and the milliseconds its answer stage took."""
        scope = self.scope(question, filters)
        vector, ranked = self._search_as_read(question, top_k, filters, scope)
        t0 = time.perf_counter()
        placed = [self._with_context(p) for p in ranked]
        answer = self.answerer.answer(question, vector, placed)
        kind = answer_kind(asked_part(question))
        if not answer.refused and kind not in (None, "outcome") and self.settings.fact_bonus:
            # Passages stating the fact asked for come first. Refusal was decided on the plain ranking:
            # moving figures up would also answer questions whose figure the documents do not hold.
            facts = facts_first(kind, question, placed, self.settings.fact_bonus, self.settings.fact_depth)
            if [p.chunk.id for p in facts] != [p.chunk.id for p in placed]:
                again = self.answerer.answer(question, vector, facts)
                answer = answer if again.refused else again
        answer = place_in_time(answer, scope, self.documents(), dt.date.today())
        return answer, 1e3 * (time.perf_counter() - t0)

    def note_periods(self, answer: Answer) -> Answer:
        """The answer with "gällde 2021–2024" beside citations of expired plans (for generated answers)."""
        return place_in_time(answer, Scope(None), self.documents(), dt.date.today())

    def _with_context(self, passage: ScoredChunk) -> ScoredChunk:
        """Attach the neighbouring sections' text so a reader sees what surrounds a cited passage."""
        around = self.retriever.neighbours(passage.chunk)
        if not around:
            return passage
        before = [c for c in around if c.ordinal < passage.chunk.ordinal]
        after = [c for c in around if c.ordinal > passage.chunk.ordinal]
        parts = [f"[{c.locator}] {c.text}" for c in before]
        parts.append(f"[{passage.chunk.locator}] {passage.chunk.text}")
        parts += [f"[{c.locator}] {c.text}" for c in after]
        return replace(passage, context="\n\n".join(parts))

    # -- documents -----------------------------------------------------------------------------

    def documents(self) -> dict[str, IndexedDocument]:
        """The visible documents."""
        return self.retriever.documents

    def document(self, doc_id: str) -> tuple[IndexedDocument, list[Chunk]]:
        """One document and its chunks in reading order."""
        doc = self.retriever.documents.get(doc_id)
        if doc is None:
            raise NotFound(f"No document with id {doc_id!r}; GET /api/documents lists them.")
        return doc, self.index.document_chunks(doc.id, doc.content_hash)

    def chunk_count(self) -> int:
        """Visible chunks."""
        return len(self.retriever.chunks)
