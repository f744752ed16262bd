"""Problem JSON (RFC 9457): the one shape of every API error, and validation details a person can act on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def field_message(err: Mapping[str, Any]) -> str:
    """One pydantic validation error as a sentence a person can act on."""
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
    kind = err.get("type", "")
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    if kind == "missing":
        return f"'{loc}' is required."
    if kind == "extra_forbidden":
        return f"'{loc}' is not a known field."
    return f"'{loc}': {err.get('msg', 'invalid value')}."


def validation_detail(errors: Iterable[Mapping[str, Any]]) -> str:
    """All validation errors of a request, one sentence each."""
    return " ".join(field_message(e) for e in errors)
