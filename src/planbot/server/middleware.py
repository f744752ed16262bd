"""Request middleware: request ids, structured logs with stage timings, body size and rate limits."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from planbot.admin.uploads import too_large_message
from planbot.config import Settings
from planbot.server import metrics as m
from planbot.server.deps import warn_if_open
from planbot.server.security import Guard, joined_headers

log = logging.getLogger("planbot.access")

REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Paths whose bodies are uploads; everything else is JSON and gets the small cap.
_UPLOAD_PATHS = frozenset({"/api/documents"})
# Room for multipart boundaries and the metadata fields around the file itself.
_MULTIPART_SLACK = 1 << 20
# Monitoring must keep working while a client is being throttled.
_UNLIMITED_PATHS = frozenset({"/api/health", "/metrics"})
# A refused body is read and thrown away (never kept) up to this much, so the client, still sending,
# is not cut off mid-request and actually receives the 413; beyond it the connection is dropped.
_DRAIN_BYTES = 1 << 30
_DRAIN_SECONDS = 30.0
_IDLE_BUCKETS = 10_000

request_id: ContextVar[str] = ContextVar("planbot_request_id", default="-")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id and any structured fields of the record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            # Formatting runs in the logging call's context, so the current request's id is at hand.
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(settings: Settings) -> None:
    """With PLANBOT_LOG_JSON, console log handlers write JSON lines (one object per record)."""
    if not settings.log_json:
        return
    root = logging.getLogger()
    consoles = [h for h in root.handlers if type(h) is logging.StreamHandler]
    if not consoles:
        consoles = [logging.StreamHandler(sys.stderr)]
        root.addHandler(consoles[0])
    for handler in consoles:
        handler.setFormatter(JsonFormatter())
    logging.getLogger("planbot").setLevel(logging.INFO)


def _problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    raw = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return status, raw, body


async def _send_problem(send: Send, problem: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
    status, headers, body = problem
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestLog:
    """Give each request an id (X-Request-ID in and out), then log and count it with its timings."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER)
        rid = given if given and _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        stages = m.begin_stages()
        status = 500
        t0 = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - t0
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.state.metrics.observe(scope["method"], route, status, seconds, stages)
            log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                scope["path"],
                status,
                seconds * 1e3,
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "ms": round(seconds * 1e3, 2),
                        "client": (scope.get("client") or ("-",))[0],
                        "stages_ms": stages,
                    }
                },
            )
            request_id.reset(token)


class RateLimit:
    """A token bucket per client IP: ``per_minute`` requests, refilled continuously; 429 when empty.

    The client is the peer, or behind PLANBOT_TRUSTED_PROXIES the address they forward; a proxy that is
    not listed (or forwards nothing) puts all its users in one bucket.
    """

    def __init__(self, app: ASGIApp, state: Any, per_minute: int, guard: Guard) -> None:
        self.app = app
        self.state = state
        self.guard = guard
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope["path"] in _UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        peer = (scope.get("client") or (None,))[0]
        client = self.guard.client(peer, joined_headers(scope.get("headers", [])))
        wait = self._take(client, time.monotonic())
        if wait > 0:
            self.state.metrics.rejected.labels("rate_limit").inc()
            retry = max(1, math.ceil(wait))
            detail = (
                f"More than {int(self.capacity)} requests a minute from {client}; "
                f"try again in {retry} s (PLANBOT_RATE_LIMIT_PER_MINUTE)."
            )
            await _send_problem(send, _problem(429, "Too many requests", detail, {"Retry-After": str(retry)}))
            return
        await self.app(scope, receive, send)

    def _take(self, client: str, now: float) -> float:
        """Take a token for ``client``; seconds until one is available if there is none."""
        tokens, last = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > _IDLE_BUCKETS:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        # A bucket that has refilled completely holds nothing worth remembering.
        full = self.capacity / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}


class _TooLarge(Exception):
    """The body passed its limit while the app was reading it."""


class BodyLimit:
    """Refuse bodies over the limit with 413, counting streamed bytes so nothing large is buffered."""

    def __init__(self, app: ASGIApp, state: Any, json_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.state = state
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes

    def _limit(self, scope: Scope) -> int:
        return self.upload_bytes + _MULTIPART_SLACK if scope["path"] in _UPLOAD_PATHS else self.json_bytes

    def _message(self, scope: Scope) -> str:
        if scope["path"] in _UPLOAD_PATHS:
            return too_large_message(self.upload_bytes)
        return (
            f"The request body is larger than {self.json_bytes // 1024} KB (PLANBOT_MAX_BODY_KB); "
            "a question needs far less."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _header(scope, "content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        exceeded = False
        started = False
        body_done = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded, body_done
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if seen > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's reaction to the cut-off body is replaced by our 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await self._refuse(scope, receive, send, drain=not body_done)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, drain: bool = True) -> None:
        self.state.metrics.rejected.labels("body_size").inc()
        if drain:
            await _drain(receive)
        await _send_problem(
            send, _problem(413, "Payload too large", self._message(scope), {"Connection": "close"})
        )


async def _drain(receive: Receive) -> None:
    """Read and discard what the client is still sending, within bounds."""
    deadline = time.monotonic() + _DRAIN_SECONDS
    drained = 0
    while drained < _DRAIN_BYTES and time.monotonic() < deadline:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _header(scope: Scope, name: str) -> str | None:
    key = name.encode()
    for k, v in scope.get("headers", []):
        if k.lower() == key:
            return str(v.decode("latin-1"))
    return None


def install(app: FastAPI, settings: Settings) -> None:
    """Add planbot's middleware and /metrics to ``app``; the request log is outermost, so it sees 413/429."""
    configure_logging(settings)
    guard = Guard.from_settings(settings)  # a bad PLANBOT_TRUSTED_PROXIES entry stops the start here
    app.state.guard = guard
    warn_if_open(settings)
    state = app.state
    app.include_router(m.router)
    app.add_middleware(
        BodyLimit,
        state=state,
        json_bytes=settings.max_body_kb * 1024,
        upload_bytes=settings.max_upload_mb << 20,
    )
    app.add_middleware(RateLimit, state=state, per_minute=settings.rate_limit_per_minute, guard=guard)
    app.add_middleware(RequestLog, state=state)
