"""HTTP routes: 👍/👎 feedback on answers, and its export for whoever maintains the corpus."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from planbot.admin.feedback import FeedbackEntry, FeedbackStore
from planbot.errors import NotFound
from planbot.server.deps import get_guard, get_services, require_read, require_write
from planbot.server.owner import caller
from planbot.server.schemas import ID_PATTERN, RequestModel

router = APIRouter(tags=["feedback"])


class FeedbackIn(RequestModel):
    """A reader's verdict on one answer; their later verdict on the same ``message_id`` replaces it."""

    message_id: str | None = Field(default=None, pattern=ID_PATTERN)
    conversation_id: str | None = Field(default=None, pattern=ID_PATTERN)
    question: str = Field(min_length=1, max_length=10_000)
    answer: str = Field(max_length=100_000)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackCreated(BaseModel):
    """The stored entry's id."""

    id: str


def get_feedback_store(request: Request) -> FeedbackStore:
    """The app's feedback store."""
    return get_services(request).feedback


StoreDep = Annotated[FeedbackStore, Depends(get_feedback_store)]


@router.post("/api/feedback", status_code=201, dependencies=[Depends(require_read)])
def add_feedback(body: FeedbackIn, request: Request, store: StoreDep) -> FeedbackCreated:
    """Store 👍 or 👎, with an optional comment (at most 2,000 characters), on an answer.

    Feedback naming a chat message is given, and changed, only by that conversation's owner; without a
    message id it is a new entry that replaces nothing.
    """
    comment = (body.comment or "").strip() or None
    conversation_id = None
    if body.message_id is not None:
        guard = get_guard(request)
        guard.check_same_origin(request.headers, allow_cors=True)
        owner = caller(request, guard)
        found = get_services(request).chat.store.message_owner(body.message_id)
        if found is None or owner is None or found[1] != owner.key:
            raise NotFound(
                f"No answer {body.message_id!r} in a conversation of yours; feedback on a chat answer needs "
                "the owner token of its conversation (cookie or X-Planbot-Owner header)."
            )
        conversation_id = found[0]
    fields = body.model_dump(exclude={"comment", "conversation_id"})
    entry = FeedbackEntry(**fields, conversation_id=conversation_id, comment=comment)
    return FeedbackCreated(id=store.add(entry))


@router.get("/api/feedback", dependencies=[Depends(require_write)])
def export_feedback(store: StoreDep, format: Annotated[Literal["json", "csv"], Query()] = "json") -> Response:
    """Every feedback entry as JSON or CSV (needs the API key, or loopback when none is set)."""
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="planbot-feedback.csv"'}
        return Response(store.to_csv(), media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse([asdict(item) for item in store.all()])
