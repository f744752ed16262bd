"""HTTP routes for administrators: upload and delete documents, re-index, follow background jobs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from planbot.admin.jobs import Job, JobPhase, JobRunner
from planbot.admin.uploads import (
    META_FIELDS,
    choose_id,
    chunk_within,
    content_hash,
    form_metadata,
    load_stored,
    parse_upload,
    read_capped,
    remove_stored,
    sanitise_name,
    store,
    update_stored_metadata,
)
from planbot.config import Settings
from planbot.errors import DocumentError, InvalidInput
from planbot.ingest import IngestReport, Pass
from planbot.ingest import Progress as OnProgress
from planbot.pipeline import Pipeline
from planbot.planmeta import FIELDS, KINDS, annotate, check, detect
from planbot.server.deps import PipelineDep, SettingsDep, get_services, require_read, require_write
from planbot.server.schemas import DocumentOut

router = APIRouter(tags=["admin"])
_WRITE = [Depends(require_write)]


def get_jobs(request: Request) -> JobRunner:
    """The app's background job runner."""
    return get_services(request).jobs


JobsDep = Annotated[JobRunner, Depends(get_jobs)]


class Progress(BaseModel):
    """How far a job is: texts embedded so far out of those to embed, and what it is doing."""

    done: int
    total: int | None = Field(description="Texts to embed; null until the ingest has counted them.")
    phase: JobPhase = Field(
        description="queued, reading (a re-index loads its files), embedding, indexing (storing the "
        "vectors and the search index), refining (searchable; its sentences are being embedded on their "
        "own, a second pass that sharpens the ranking), done or failed."
    )


class JobOut(BaseModel):
    """A background job: ``state`` is queued, running, done or failed."""

    id: str
    kind: str
    state: str
    progress: Progress
    document_id: str | None
    report: dict[str, Any] | None
    error: str | None
    created: dt.datetime
    started: dt.datetime | None
    searchable: dt.datetime | None = Field(
        description="When questions could first find what the job ingests; null until then."
    )
    finished: dt.datetime | None
    url: str

    @classmethod
    def from_job(cls, job: Job) -> JobOut:
        """Our Job record in its JSON shape."""
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            progress=Progress(done=job.done, total=job.total, phase=job.phase),
            document_id=job.document_id,
            report=job.report,
            error=job.error,
            created=job.created,
            started=job.started,
            searchable=job.searchable,
            finished=job.finished,
            url=f"/api/jobs/{job.id}",
        )


class UploadOut(BaseModel):
    """An accepted upload: the id the document will have and the job embedding it."""

    document_id: str
    title: str
    chunks: int
    job: JobOut
    metadata: dict[str, str] = Field(
        default_factory=dict,
        description="Plan fields it will carry: given, stated in the file or detected.",
    )
    detected: dict[str, str] = Field(
        default_factory=dict,
        description="What its first pages say; PATCH /api/documents/{id} edits it.",
    )
    pages: int | None = Field(default=None, description="A PDF's page count.")
    unreadable_pages: list[int] = Field(
        default_factory=list, description="PDF pages with no text that OCR could not read either."
    )
    ocr_pages: list[int] = Field(default_factory=list, description="PDF pages read by OCR.")


class MetadataPatch(BaseModel):
    """Plan fields to change: a field sent is set (null or '' removes it), a field left out is kept."""

    model_config = ConfigDict(extra="forbid")

    organisation: str | None = Field(default=None, max_length=200, examples=["Exempelkommun"])
    kind: str | None = Field(default=None, max_length=40, description=", ".join(KINDS))
    period: str | None = Field(default=None, max_length=20, examples=["2021–2024"])
    valid_from: str | None = Field(default=None, max_length=10, examples=["2021-01-01"])
    valid_to: str | None = Field(default=None, max_length=10, examples=["2024-12-31"])
    adopted: str | None = Field(default=None, max_length=10, examples=["2021-03-15"])
    adopted_by: str | None = Field(default=None, max_length=200, examples=["kommunfullmäktige"])


class PatchedOut(DocumentOut):
    """A document after its metadata was edited."""

    note: str | None = None


class DeletedOut(BaseModel):
    """A deleted document."""

    deleted: str
    note: str | None = None


@router.post("/api/documents", status_code=202, dependencies=_WRITE)
async def upload(
    request: Request, response: Response, pipeline: PipelineDep, settings: SettingsDep, jobs: JobsDep
) -> UploadOut:
    """Upload a PDF, HTML, Markdown or text file (field ``file``); it is embedded in the background."""
    # The form is read here, after the key check, so a stranger's upload is refused before it is stored.
    filename, data, fields = await read_upload(request, settings, META_FIELDS)
    out = await run_in_threadpool(accept_upload, filename, data, fields, pipeline, settings, jobs)
    response.headers["Location"] = out.job.url
    return out


async def read_upload(
    request: Request, settings: Settings, allowed: tuple[str, ...]
) -> tuple[str, bytes, dict[str, str]]:
    """The multipart upload's file name, bytes (capped) and the ``allowed`` form fields; 422 otherwise."""
    form = await request.form(max_files=1, max_fields=len(allowed))
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInput(
                "Send the document as multipart/form-data with the file in a field named 'file'."
            )
        unknown = sorted(set(form.keys()) - {"file", *allowed})
        if unknown:
            raise InvalidInput(f"Unknown form field(s) {unknown}; known: file, {', '.join(allowed)}.")
        fields = {k: v for k in allowed if isinstance(v := form.get(k), str)}
        data = await run_in_threadpool(read_capped, file.file, settings.max_upload_mb << 20)
        return file.filename or "", data, fields
    finally:
        await form.close()


def accept_upload(
    filename: str,
    data: bytes,
    fields: dict[str, str],
    pipeline: Pipeline,
    settings: Settings,
    jobs: JobRunner,
) -> UploadOut:
    """Check and parse the upload now (so a bad file gets its 4xx at once), then queue the embedding."""
    meta = form_metadata(fields)
    meta |= {k: v for k, v in check({k: meta[k] for k in FIELDS if k in meta}).items() if v}
    base, shown = sanitise_name(filename)
    parsed = parse_upload(
        shown, data, meta, base, settings.upload_parse_seconds, settings.upload_parse_memory_mb
    )
    count = pipeline.ingestor(False).count_tokens
    chunks = chunk_within(parsed.document, settings.chunk_tokens, count, settings.upload_parse_seconds, shown)
    if not chunks:
        raise DocumentError(shown, "no text to index after chunking")
    with jobs.reserve:
        doc_id = choose_id(base, content_hash(data), pipeline.documents(), jobs.pending())
        parsed = replace(parsed, document=replace(parsed.document, id=doc_id))
        store(settings.data_dir, parsed)
        job = jobs.submit(
            "upload",
            lambda progress: pipeline.ingest_documents([parsed.document], on_progress=progress, refine=False),
            document_id=doc_id,
            content_hash=parsed.document.content_hash,
            on_failure=lambda: remove_stored(settings.data_dir, doc_id),
            # The second pass waits for uploads queued meanwhile: each is searchable sooner.
            then=lambda progress: pipeline.refine([doc_id], on_progress=progress),
        )
    doc = parsed.document
    annotated = annotate(doc)
    plan_fields = (*FIELDS, "adopted_ref")
    return UploadOut(
        document_id=doc_id,
        title=doc.title,
        chunks=len(chunks),
        job=JobOut.from_job(job),
        metadata={k: v for k in plan_fields if (v := annotated.metadata.get(k))},
        detected=detect(doc.text, doc.title, doc.path, annotated.metadata.get("kind")),
        pages=int(doc.metadata["pages"]) if doc.metadata.get("pages", "").isdigit() else None,
        unreadable_pages=_page_list(doc.metadata.get("unreadable_pages")),
        ocr_pages=_page_list(doc.metadata.get("ocr_pages")),
    )


def _page_list(value: str | None) -> list[int]:
    """'3,7' (as pdf.py records pages) as [3, 7]."""
    return [int(p) for p in (value or "").split(",") if p.strip().isdigit()]


@router.patch("/api/documents/{doc_id}", dependencies=_WRITE)
def patch_metadata(
    doc_id: str, body: MetadataPatch, pipeline: PipelineDep, settings: SettingsDep
) -> PatchedOut:
    """Edit a document's organisation, kind, period and adoption; it is not embedded again."""
    sent = {k: getattr(body, k) for k in body.model_fields_set}
    if not sent:
        raise InvalidInput(f"Send at least one of {', '.join(MetadataPatch.model_fields)} to change.")
    checked = check({k: v or "" for k, v in sent.items()})
    changes = {k: (v or None) for k, v in checked.items()}
    doc = pipeline.update_metadata(doc_id, changes)
    note = None
    if not update_stored_metadata(settings.data_dir, doc_id, changes):
        note = (
            "Changed in the index. This document is not an upload: if its file changes, what the file "
            "or corpus/sources.toml says applies again."
        )
    return PatchedOut(**DocumentOut.from_indexed(doc).model_dump(), note=note)


@router.delete("/api/documents/{doc_id}", dependencies=_WRITE)
def delete(doc_id: str, pipeline: PipelineDep, settings: SettingsDep) -> DeletedOut:
    """Remove a document from the index (and its kept file, for an upload)."""
    known = pipeline.documents().get(doc_id)
    pipeline.delete_document(doc_id)
    remove_stored(settings.data_dir, doc_id)
    if known is not None and known.metadata.get("origin", "corpus") == "corpus":
        return DeletedOut(
            deleted=doc_id,
            note="This document comes from the corpus directory: it returns at the next re-index "
            "unless its file is removed from the corpus.",
        )
    return DeletedOut(deleted=doc_id)


@router.post("/api/reindex", status_code=202, dependencies=_WRITE)
def reindex(response: Response, pipeline: PipelineDep, settings: SettingsDep, jobs: JobsDep) -> JobOut:
    """Bring the index in line with the corpus and the kept uploads, in the background."""
    with jobs.reserve:
        # A re-index already waiting will see everything this one would: one is enough.
        job = jobs.active("reindex")
        if job is None or job.state != "queued":
            job = jobs.submit("reindex", lambda progress: _reindex(pipeline, settings, progress))
    out = JobOut.from_job(job)
    response.headers["Location"] = out.url
    return out


def _reindex(pipeline: Pipeline, settings: Settings, progress: OnProgress) -> IngestReport:
    first: dict[Pass, int] = {"embedding": 0, "refining": 0}

    def corpus_progress(done: int, total: int, stage: Pass) -> None:
        first[stage] = total
        progress(done, total, stage)

    report = pipeline.ingest(progress=False, on_progress=corpus_progress)
    docs, errors = load_stored(settings.data_dir, settings.upload_parse_seconds)
    # The kept uploads continue the corpus's figure of the same pass, so it never runs backwards within one.
    uploads = pipeline.ingest_documents(
        docs,
        on_progress=lambda done, total, stage: progress(first[stage] + done, first[stage] + total, stage),
    )
    report.added += uploads.added
    report.updated += uploads.updated
    report.unchanged += uploads.unchanged
    report.errors += uploads.errors + errors
    report.chunks_embedded += uploads.chunks_embedded
    report.sentences_embedded += uploads.sentences_embedded
    report.refined += uploads.refined
    report.seconds += uploads.seconds
    return report


@router.get("/api/jobs/{job_id}", dependencies=[Depends(require_read)])
def job(job_id: str, jobs: JobsDep) -> JobOut:
    """A background job's state, progress and, once finished, its report."""
    return JobOut.from_job(jobs.get(job_id))
