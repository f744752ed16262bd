"""Who owns a conversation: a token issued at its start (cookie or header), or a trusted proxy's user."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from planbot.config import Settings
from planbot.server.security import Guard

COOKIE = "planbot_owner"
HEADER = "x-planbot-owner"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")


@dataclass(frozen=True)
class Owner:
    """The caller as the store knows them (``key``, a hash), and a token to hand out if it is new."""

    key: str
    issued: str | None = None


def caller(request: Request, guard: Guard, *, issue: bool = False) -> Owner | None:
    """The caller's owner identity; a new token if ``issue`` and they have none, else None.

    A user named by PLANBOT_OWNER_HEADER counts only on a request from a trusted proxy; anyone else could
    write that header. Only hashes are stored, so the database never holds a usable credential.
    """
    peer = request.client.host if request.client else None
    if guard.owner_header and guard.from_trusted_proxy(peer):
        user = request.headers.get(guard.owner_header, "").strip()
        if user:
            return Owner(_hash("user", user))
    token = request.headers.get(HEADER) or request.cookies.get(COOKIE) or ""
    if _TOKEN.fullmatch(token):
        return Owner(_hash("token", token))
    if not issue:
        return None
    fresh = secrets.token_urlsafe(32)
    return Owner(_hash("token", fresh), issued=fresh)


def remember(response: Response, owner: Owner, request: Request, settings: Settings, guard: Guard) -> None:
    """Hand out a newly issued token: an HttpOnly cookie (kept as long as conversations are) and a header."""
    if owner.issued is None:
        return
    response.headers[HEADER] = owner.issued
    peer = request.client.host if request.client else None
    forwarded_https = guard.from_trusted_proxy(peer) and request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(
        COOKIE,
        owner.issued,
        max_age=settings.history_max_age_days * 86400,
        path="/api",
        httponly=True,
        secure=request.url.scheme == "https" or forwarded_https,
        samesite="lax",
    )


def _hash(kind: str, value: str) -> str:
    return f"{kind}:" + hashlib.sha256(value.encode()).hexdigest()
