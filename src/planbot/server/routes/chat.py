"""HTTP routes: chat turns (JSON and Server-Sent Events) and stored conversations."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from planbot.conversation.service import ChatService, Prepared, TurnResult, build_service
from planbot.errors import PlanbotError
from planbot.filters import Filters
from planbot.server.schemas import ChatAnswerOut

log = logging.getLogger(__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs inside the app's lifespan, after the pipeline is built; opening the store purges old conversations.
    app.state.chat = await run_in_threadpool(build_service, app.state.pipeline)
    yield


router = APIRouter(lifespan=_lifespan)


def get_chat(request: Request) -> ChatService:
    """The chat service built at startup."""
    service: ChatService = request.app.state.chat
    return service


ChatDep = Annotated[ChatService, Depends(get_chat)]


class ChatRequest(BaseModel):
    """A message in a conversation (conversation_id null starts a new one)."""

    conversation_id: str | None = Field(default=None, description="From an earlier reply; null starts anew.")
    message: str = Field(description="The question or follow-up, in Swedish or English.")
    filters: Filters | None = None
    top_k: int = Field(default=5, ge=1, le=50, description="How many passages to return (1-50).")


class ConversationSummary(BaseModel):
    """A conversation in the list; ``turns`` counts user and assistant messages."""

    id: str
    title: str
    created: str
    updated: str
    turns: int


class TurnOut(BaseModel):
    """One message; assistant messages carry their full answer."""

    role: str
    content: str
    message_id: str
    answer: ChatAnswerOut | None = None


class ConversationOut(BaseModel):
    """A conversation with its turns in order."""

    id: str
    created: str
    updated: str
    turns: list[TurnOut]


@router.post("/api/chat")
def chat(body: ChatRequest, service: ChatDep) -> ChatAnswerOut:
    """Answer a message in a conversation; follow-ups are rewritten into a standalone search first."""
    return ChatAnswerOut.from_turn(service.ask(body.conversation_id, body.message, body.top_k, body.filters))


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _events(service: ChatService, prepared: Prepared, body: ChatRequest) -> Iterator[str]:
    try:
        for event in service.stream(prepared, body.top_k, body.filters):
            if isinstance(event, TurnResult):
                yield _event("citations", ChatAnswerOut.from_turn(event).model_dump(mode="json"))
                yield _event("done", {"conversation_id": event.conversation_id})
            else:
                yield _event("token", {"text": event.text})
    except PlanbotError as exc:
        yield _event("error", {"title": exc.title, "status": exc.status, "detail": exc.detail})
    except Exception:
        # The status line is already sent; the client can only learn of the failure in-band.
        log.exception("chat stream failed")
        yield _event(
            "error", {"title": "Internal error", "status": 500, "detail": "The answer failed; try again."}
        )


@router.post("/api/chat/stream", response_class=StreamingResponse)
def chat_stream(body: ChatRequest, service: ChatDep) -> StreamingResponse:
    """The same turn as Server-Sent Events: token events, one citations event (the full answer), done."""
    prepared = service.prepare(body.conversation_id, body.message)  # 422/404 before the stream starts
    return StreamingResponse(
        _events(service, prepared, body),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/api/conversations")
def conversations(service: ChatDep) -> list[ConversationSummary]:
    """Stored conversations, most recently updated first."""
    return [ConversationSummary(**vars(c)) for c in service.store.recent()]


@router.get("/api/conversations/{conversation_id}")
def conversation(conversation_id: str, service: ChatDep) -> ConversationOut:
    """One conversation's turns."""
    info = service.store.info(conversation_id)
    turns = [
        TurnOut(
            role=t.role,
            content=t.content,
            message_id=t.message_id,
            answer=None
            if t.answer is None
            else ChatAnswerOut.from_answer(t.answer, conversation_id, t.message_id),
        )
        for t in service.store.turns(conversation_id)
    ]
    return ConversationOut(id=info.id, created=info.created, updated=info.updated, turns=turns)


@router.delete("/api/conversations/{conversation_id}", status_code=204)
def delete_conversation(conversation_id: str, service: ChatDep) -> Response:
    """Delete a conversation and its turns."""
    service.store.delete(conversation_id)
    return Response(status_code=204)
