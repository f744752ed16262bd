"""HTTP routes: chat turns (JSON and Server-Sent Events) and stored conversations."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from planbot.conversation.service import ChatService, Prepared, TurnResult
from planbot.errors import NotFound, PlanbotError
from planbot.filters import Filters
from planbot.server.deps import get_guard, get_services, get_settings, require_write
from planbot.server.owner import Owner, caller, remember
from planbot.server.schemas import ID_PATTERN, ChatAnswerOut, RequestModel

log = logging.getLogger(__name__)


router = APIRouter()


def get_chat(request: Request) -> ChatService:
    """The chat service built at startup."""
    return get_services(request).chat


ChatDep = Annotated[ChatService, Depends(get_chat)]


class ChatRequest(RequestModel):
    """A message in a conversation (conversation_id null starts a new one)."""

    conversation_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="From an earlier reply; null starts anew."
    )
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


def _owner(request: Request, *, issue: bool = False) -> Owner | None:
    """The caller as owner; their browser must not be acting for another site (CSRF)."""
    guard = get_guard(request)
    if request.method not in ("GET", "HEAD"):
        guard.check_same_origin(request.headers, allow_cors=True)
    return caller(request, guard, issue=issue)


def _begin(request: Request, body: ChatRequest, service: ChatService) -> Owner:
    """The caller, who must own the conversation they continue (a stranger's is not found)."""
    owner = _owner(request, issue=body.conversation_id is None)
    if body.conversation_id is not None:
        if owner is None:
            raise NotFound(_NOT_YOURS.format(body.conversation_id))
        service.store.require(body.conversation_id, owner.key)
    assert owner is not None  # issued for a new conversation
    return owner


_NOT_YOURS = (
    "No conversation {!r} of yours: it may have been deleted or purged, or it was started without your "
    "owner token (cookie or X-Planbot-Owner header). Start a new one with conversation_id null."
)


@router.post("/api/chat")
async def chat(body: ChatRequest, request: Request, response: Response, service: ChatDep) -> ChatAnswerOut:
    """Answer a message in a conversation; follow-ups are rewritten into a standalone search first.

    A caller without an owner token gets one: an HttpOnly cookie, and the X-Planbot-Owner response header
    for clients that are not browsers (send it back as the X-Planbot-Owner request header).
    """

    def turn() -> ChatAnswerOut:
        owner = _begin(request, body, service)
        done = service.ask(body.conversation_id, body.message, body.top_k, body.filters)
        service.store.claim(done.conversation_id, owner.key)
        remember(response, owner, request, get_settings(request), get_guard(request))
        return ChatAnswerOut.from_turn(done)

    if service.model is not None:  # a chat model's answer waits on its server: not the CPU lane's work
        return await run_in_threadpool(turn)
    return await get_services(request).lane.run(turn)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _events(service: ChatService, prepared: Prepared, body: ChatRequest, owner: Owner) -> Iterator[str]:
    try:
        for event in service.stream(prepared, body.top_k, body.filters):
            if isinstance(event, TurnResult):
                service.store.claim(event.conversation_id, owner.key)
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
def chat_stream(body: ChatRequest, request: Request, service: ChatDep) -> StreamingResponse:
    """The same turn as Server-Sent Events: token events, one citations event (the full answer), done."""
    owner = _begin(request, body, service)
    prepared = service.prepare(body.conversation_id, body.message)  # 422/404 before the stream starts
    response = StreamingResponse(
        _events(service, prepared, body, owner),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    remember(response, owner, request, get_settings(request), get_guard(request))
    return response


ConversationId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("/api/conversations")
def conversations(
    request: Request,
    service: ChatDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ConversationSummary]:
    """The caller's own conversations, most recently updated first, ``limit`` at a time from ``offset``."""
    owner = _owner(request)
    if owner is None:
        return []
    return [ConversationSummary(**vars(c)) for c in service.store.recent(owner.key, limit, offset)]


@router.get("/api/conversations/{conversation_id}")
def conversation(conversation_id: ConversationId, request: Request, service: ChatDep) -> ConversationOut:
    """One of the caller's conversations with its turns."""
    owner = _owner(request)
    if owner is None:
        raise NotFound(_NOT_YOURS.format(conversation_id))
    info = service.store.info(conversation_id, owner.key)
    turns = [
        TurnOut(
            role=t.role,
            content=t.content,
            message_id=t.message_id,
            answer=None
            if t.answer is None
            else ChatAnswerOut.from_answer(t.answer, conversation_id, t.message_id),
        )
        for t in service.store.turns(conversation_id, owner=owner.key)
    ]
    return ConversationOut(id=info.id, created=info.created, updated=info.updated, turns=turns)


@router.delete("/api/conversations/{conversation_id}", status_code=204)
def delete_conversation(conversation_id: ConversationId, request: Request, service: ChatDep) -> Response:
    """Delete one of the caller's conversations and its turns."""
    owner = _owner(request)
    if owner is None:
        raise NotFound(_NOT_YOURS.format(conversation_id))
    service.store.delete(conversation_id, owner.key)
    return Response(status_code=204)


class PurgedOut(BaseModel):
    """How many conversations an administrator's purge deleted."""

    deleted: int


@router.delete("/api/conversations", dependencies=[Depends(require_write)])
def purge_conversations(
    service: ChatDep, older_than_days: Annotated[int, Query(ge=0, le=36500)] = 0
) -> PurgedOut:
    """Delete everyone's conversations not updated in ``older_than_days`` (0: all); needs the API key."""
    return PurgedOut(deleted=service.store.delete_all(older_than_days))
