"""HTTP routes for working with plans: /api/lagkoll, /api/support, /api/compare and the /verktyg page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planbot.admin.uploads import content_hash
from planbot.errors import DocumentError, InvalidInput
from planbot.pipeline import Pipeline
from planbot.planwork import compare as cmp
from planbot.planwork import lagkoll as lk
from planbot.planwork.support import SupportRequest, SupportResult, store_request, support
from planbot.server.deps import PipelineDep, SettingsDep, get_services, require_read, require_write
from planbot.server.problems import validation_detail
from planbot.server.routes.admin import accept_upload, read_upload
from planbot.server.routes.web import PAGE_CSP, WEB_DIR
from planbot.server.schemas import AnswerOut, Day, RequestModel

api_router = APIRouter(tags=["plans"], dependencies=[Depends(require_read)])
page_router = APIRouter(include_in_schema=False)

Format = Annotated[Literal["json", "md", "csv"], Query(description="json (default), md or csv")]
_TYPES = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8"}
T = TypeVar("T")


def _strict() -> ConfigDict:
    return ConfigDict(extra="forbid", strict=True)  # as RequestModel; kept so each model says so


# -- lagkoll --------------------------------------------------------------------------------------------


class LagkollRequest(RequestModel):
    """Check an indexed plan; or send the plan as multipart ``file`` (it is indexed first)."""

    model_config = _strict()
    document_id: str = Field(min_length=1, max_length=300)


class LawOut(BaseModel):
    """The law's own wording a requirement rests on."""

    document_id: str
    title: str
    locator: str
    text: str
    source_url: str | None
    verified: bool


class EvidenceOut(BaseModel):
    """A plan sentence quoted verbatim, with where it stands."""

    document_id: str
    locator: str
    page: int | None
    quote: str
    cues: list[str]
    commits: bool
    similarity: float


class RequirementOut(BaseModel):
    """One requirement's status: behandlas, nämns or saknas."""

    id: str
    title: str
    optional: bool
    status: lk.Status
    law: LawOut
    evidence: list[EvidenceOut]


class LagkollOut(BaseModel):
    """The whole check."""

    document_id: str
    title: str
    requirement_file: str
    counts: dict[str, int]
    requirements: list[RequirementOut]

    @classmethod
    def from_report(cls, r: lk.LagkollReport) -> LagkollOut:
        """Our report in its JSON shape."""
        return cls(
            document_id=r.document_id,
            title=r.title,
            requirement_file=r.requirement_file,
            counts={str(k): v for k, v in r.counts().items()},
            requirements=[
                RequirementOut(
                    id=x.requirement.id,
                    title=x.requirement.title,
                    optional=x.requirement.optional,
                    status=x.status,
                    law=LawOut(**vars(x.law)),
                    evidence=[
                        EvidenceOut(
                            document_id=e.chunk.document_id,
                            locator=e.chunk.locator,
                            page=e.chunk.page,
                            quote=e.quote,
                            cues=list(e.cues),
                            commits=e.commits,
                            similarity=round(e.similarity, 4),
                        )
                        for e in x.evidence
                    ],
                )
                for x in r.results
            ],
        )


async def in_pipeline(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """``fn(pipeline, *args)``: in an answer process when there are several, else in a thread here.

    A Lagkoll takes seconds of work; in the serving process it would share the interpreter lock with
    every request (one client's asks went from p50 8 to 24 ms while one ran, *Under load* in the README).
    """
    services = get_services(request)
    if services.workers is not None and services.workers.takes_tools:
        result: T = await services.workers.call(fn, *args)
        return result
    return await run_in_threadpool(fn, services.pipeline, *args)


def _export(fmt: str, body: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return PlainTextResponse(body, media_type=_TYPES[fmt], headers=headers)


def _lagkoll_response(report: lk.LagkollReport, fmt: str) -> Any:
    if fmt == "md":
        return _export(fmt, lk.to_markdown(report), f"lagkoll-{report.document_id}")
    if fmt == "csv":
        return _export(fmt, lk.to_csv(report), f"lagkoll-{report.document_id}")
    return LagkollOut.from_report(report)


@api_router.post(
    "/api/lagkoll",
    response_model=LagkollOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": LagkollRequest.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
async def lagkoll(
    request: Request, pipeline: PipelineDep, settings: SettingsDep, format: Format = "json"
) -> Any:
    """Check a library plan against the law, requirement by requirement: behandlas, nämns or saknas."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        require_write(request)  # an upload is indexed, so it is a write
        document_id = await _ingest_upload(request, pipeline, settings)
    elif kind == "application/json":
        try:
            body = LagkollRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            raise InvalidInput(validation_detail(exc.errors())) from exc
        document_id = body.document_id
    else:
        raise InvalidInput("Send JSON {\"document_id\": ...} or a multipart upload with the plan in 'file'.")
    report = await in_pipeline(request, lk.check_plan, document_id)
    return _lagkoll_response(report, format)


# A Lagkoll of an uploaded plan waits for its indexing; a 60-page plan takes about two minutes on 2 cores.
UPLOAD_WAIT_S = 600.0


async def _ingest_upload(request: Request, pipeline: Pipeline, settings: Any) -> str:
    """Index an uploaded plan at once (POST /api/documents's checks and job, waited for); its id."""
    filename, data, fields = await read_upload(request, settings, ("title",))
    digest = content_hash(data)
    for doc in pipeline.documents().values():
        if doc.content_hash == digest:
            return doc.id  # the same plan is already indexed: check that one
    jobs = get_services(request).jobs
    out = await run_in_threadpool(accept_upload, filename, data, fields, pipeline, settings, jobs)
    job = await run_in_threadpool(jobs.wait, out.job.id, UPLOAD_WAIT_S)
    if job.state != "done":
        raise DocumentError(filename, job.error or "indexing did not finish in time; try again later")
    return out.document_id


# -- support --------------------------------------------------------------------------------------------


class SupportIn(RequestModel):
    """A project description (at most 5,000 characters), the documents to draw on, and whether to keep it."""

    model_config = _strict()
    description: str = Field(description="The project, in plain words (at most 5,000 characters)")
    document_ids: list[str] | None = Field(default=None, description="Plans to draw on; default: all plans")
    store: bool = Field(default=False, description="Keep the description (data/support/); never by default")


class SupportItemOut(BaseModel):
    """A plan goal or law provision the project serves, quoted verbatim."""

    n: int
    kind: Literal["plan", "lag"]
    document_id: str
    title: str
    locator: str
    quote: str
    source_url: str | None
    score: float
    requirement: str | None


class SearchedOut(BaseModel):
    """A document that was searched."""

    document_id: str
    title: str


class SupportOut(BaseModel):
    """Ranked items, a paragraph whose every sentence ends in [n], and what was searched."""

    items: list[SupportItemOut]
    paragraph: str
    sentences: list[str]
    mode: Literal["extractive", "generated"]
    note: str | None
    searched: list[SearchedOut]
    stored: bool
    stored_as: str | None

    @classmethod
    def from_result(cls, r: SupportResult) -> SupportOut:
        """Our result in its JSON shape."""
        return cls(
            items=[
                SupportItemOut(
                    n=i.n,
                    kind=i.kind,
                    document_id=i.chunk.document_id,
                    title=i.chunk.title,
                    locator=i.chunk.locator,
                    quote=i.quote,
                    source_url=i.chunk.source_url,
                    score=i.score,
                    requirement=i.requirement,
                )
                for i in r.items
            ],
            paragraph=r.paragraph,
            sentences=list(r.paragraph_sentences),
            mode=r.mode,
            note=r.note,
            searched=[SearchedOut(document_id=d, title=t) for d, t in r.searched],
            stored=r.stored_as is not None,
            stored_as=r.stored_as,
        )


@api_router.post("/api/support")
async def support_route(body: SupportIn, request: Request, settings: SettingsDep) -> SupportOut:
    """Which plan goals and law provisions a project serves, quoted and cited, and a paragraph to paste."""
    asked = SupportRequest(body.description, body.document_ids)
    result = await in_pipeline(request, support, asked)
    if body.store:  # written here: the requests people chose to keep live in the serving process's data
        result = replace(
            result, stored_as=await run_in_threadpool(store_request, settings.data_dir, asked, result)
        )
    return SupportOut.from_result(result)


# -- compare --------------------------------------------------------------------------------------------


class CompareIn(RequestModel):
    """A question and two or more documents, or a document type and a period."""

    model_config = _strict()
    question: str
    document_ids: list[str] | None = Field(default=None, description="Two or more document ids")
    doc_type: str | None = Field(default=None, description="Instead of ids: every document of this type")
    date_from: Day | None = None
    date_to: Day | None = None
    top_k: int = Field(default=3, ge=1, le=10)


class ColumnOut(BaseModel):
    """One document's answer; ``refused`` means the document does not treat the question (nämns inte)."""

    document_id: str
    title: str
    refused: bool
    text: str
    answer: AnswerOut


class CompareOut(BaseModel):
    """One column per document."""

    question: str
    columns: list[ColumnOut]


@api_router.post("/api/compare", response_model=CompareOut)
async def compare_route(body: CompareIn, request: Request, format: Format = "json") -> Any:
    """Answer one question per document, side by side; a column says "nämns inte" where one does not."""
    result = await in_pipeline(
        request,
        cmp.compare,
        body.question,
        body.document_ids,
        body.doc_type,
        body.date_from,
        body.date_to,
        body.top_k,
    )
    if format == "csv":
        return _export(format, cmp.to_csv(result), "jamforelse")
    if format == "md":
        return _export(format, cmp.to_markdown(result), "jamforelse")
    return CompareOut(
        question=result.question,
        columns=[
            ColumnOut(
                document_id=c.document_id,
                title=c.title,
                refused=c.answer.refused,
                text=cmp.column_text(c),
                answer=AnswerOut.from_answer(c.answer),
            )
            for c in result.columns
        ],
    )


# -- the page -------------------------------------------------------------------------------------------


@page_router.get("/verktyg")
def tools_page() -> FileResponse:
    """The plan tools page: Lagkoll, Ansökan, Jämför."""
    headers = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"}
    return FileResponse(WEB_DIR / "verktyg.html", media_type="text/html; charset=utf-8", headers=headers)


# What server/app.py includes: the API (reads need the read key when one is set) and the page.
router = APIRouter()
router.include_router(api_router)
router.include_router(page_router)
