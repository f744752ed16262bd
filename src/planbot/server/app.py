"""The HTTP API: ``create_app(settings)`` builds it; the pipeline lives in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from planbot import __version__
from planbot.config import Settings
from planbot.errors import PlanbotError
from planbot.pipeline import Pipeline
from planbot.server import cors, middleware
from planbot.server.deps import PipelineDep, ServicesDep, get_services, require_read
from planbot.server.metrics import HealthOut, Metrics, index_state
from planbot.server.problems import field_message, problem
from planbot.server.routes import admin, chat, feedback, planwork, web
from planbot.server.schemas import AnswerOut, AskRequest, ChunkOut, DocumentDetail, DocumentOut
from planbot.server.services import build_services
from planbot.server.worker_process import HandlerFactory, pipeline_handler
from planbot.stages import record_stages

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    pipeline: Pipeline | None = None,
    answer_handler: HandlerFactory = pipeline_handler,
) -> FastAPI:
    """Build the planbot app; a ready ``pipeline`` may be passed (tests), else one is built at startup.

    ``answer_handler`` is what each answer process runs (``PLANBOT_ANSWER_PROCESSES``; tests give a fake).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await run_in_threadpool(
            build_services, settings, app.state.metrics, pipeline, answer_handler
        )
        app.state.services = services
        app.state.pipeline = services.pipeline  # read by the metrics collector
        if services.workers is not None:
            await services.workers.attach()
        try:
            yield
        finally:
            services.close()

    app = FastAPI(
        title="planbot",
        version=__version__,
        summary="Cited answers from Swedish library plans and policy documents.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = Metrics(app.state)
    read = [Depends(require_read)]
    middleware.install(app, settings)
    cors.install(app, settings)

    @app.exception_handler(PlanbotError)
    async def _planbot_error(request: Request, exc: PlanbotError) -> JSONResponse:
        response = problem(exc.status, exc.title, exc.detail)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The catch-all: whatever escaped is logged with its request id and answered as problem JSON,
        # never as a plain-text 500.
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(
            500, "Internal error", "Something went wrong on the server; the request id is in the logs."
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        messages = [field_message(e) for e in errors]
        return problem(422, "Invalid request", " ".join(messages), errors=[{"message": m} for m in messages])

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))

    app.include_router(chat.router, dependencies=read)
    app.include_router(admin.router)
    app.include_router(web.router)
    app.include_router(feedback.router)
    app.include_router(planwork.router)

    @app.get("/api/health")
    def health(services: ServicesDep) -> HealthOut:
        """Liveness, what is indexed, and the index's state (location, last ingest, jobs)."""
        return HealthOut(
            status="ok",
            documents=len(services.pipeline.documents()),
            chunks=services.pipeline.chunk_count(),
            embedder=services.pipeline.embedder.name,
            embed_engine=getattr(services.pipeline.embedder, "engine", None),
            index=index_state(services.settings, services.jobs),
            answer_processes=len(services.workers.pids()) if services.workers else 0,
        )

    @app.post("/api/ask", dependencies=read, response_model=AnswerOut)
    async def ask(body: AskRequest, request: Request) -> Response:
        """Answer a question with cited passages, or refuse when the documents do not answer it."""
        services = get_services(request)
        if services.workers is not None:
            found, stages = await services.workers.ask(body.question, body.top_k, body.filters)
            record_stages(**stages)
            return Response(found, media_type="application/json")

        def answer() -> bytes:
            found = services.pipeline.ask(body.question, body.top_k, body.filters)
            return AnswerOut.from_answer(found).model_dump_json().encode()

        # In the answer lane, serialised there too: the event loop only sends the bytes.
        return Response(await services.lane.run(answer), media_type="application/json")

    @app.get("/api/documents", dependencies=read)
    def documents(pipeline: PipelineDep) -> list[DocumentOut]:
        """Every indexed document."""
        docs = sorted(pipeline.documents().values(), key=lambda d: (d.doc_type, d.title))
        return [DocumentOut.from_indexed(d) for d in docs]

    @app.get("/api/documents/{doc_id}", dependencies=read)
    def document(doc_id: str, pipeline: PipelineDep) -> DocumentDetail:
        """One document's text, chunk by chunk, with the locators citations use."""
        doc, chunks = pipeline.document(doc_id)
        return DocumentDetail(
            **DocumentOut.from_indexed(doc).model_dump(), sections=[ChunkOut.from_chunk(c) for c in chunks]
        )

    return app
