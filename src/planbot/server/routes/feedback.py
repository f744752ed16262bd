"""HTTP routes: 👍/👎 feedback on answers, and its export for whoever maintains the corpus."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from planbot.admin.feedback import FeedbackEntry, FeedbackStore
from planbot.server.deps import get_services, require_read, require_write

router = APIRouter(tags=["feedback"])


class FeedbackIn(BaseModel):
    """A reader's verdict on one answer; a later verdict on the same ``message_id`` replaces it."""

    model_config = ConfigDict(extra="forbid")

    message_id: str | None = Field(default=None, max_length=200)
    conversation_id: str | None = Field(default=None, max_length=200)
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
def add_feedback(body: FeedbackIn, store: StoreDep) -> FeedbackCreated:
    """Store 👍 or 👎, with an optional comment (at most 2,000 characters), on an answer."""
    comment = (body.comment or "").strip() or None
    entry = FeedbackEntry(**body.model_dump(exclude={"comment"}), comment=comment)
    return FeedbackCreated(id=store.add(entry))


@router.get("/api/feedback", dependencies=[Depends(require_write)])
def export_feedback(store: StoreDep, format: Annotated[Literal["json", "csv"], Query()] = "json") -> Response:
    """Every feedback entry as JSON or CSV (needs the API key, or loopback when none is set)."""
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="planbot-feedback.csv"'}
        return Response(store.to_csv(), media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse([asdict(item) for item in store.all()])
