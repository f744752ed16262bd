"""FastAPI dependencies: the pipeline and settings built in the lifespan, and the key checks."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import Depends, Request

from planbot.config import Settings
from planbot.errors import Unauthorized
from planbot.pipeline import Pipeline
from planbot.server.security import Guard, host_name, parse_ip
from planbot.server.services import Services

log = logging.getLogger(__name__)


def get_services(request: Request) -> Services:
    """The services built once in the app's lifespan."""
    services: Services = request.app.state.services
    return services


def get_pipeline(request: Request) -> Pipeline:
    """The question-answering pipeline."""
    return get_services(request).pipeline


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def get_guard(request: Request) -> Guard:
    """The app's parsed trust settings (trusted proxies, allowed hosts)."""
    guard: Guard = request.app.state.guard
    return guard


def key_matches(request: Request, key: str | None) -> bool:
    """Whether the request's bearer token is ``key`` (compared in constant time)."""
    return bool(key) and secrets.compare_digest(_bearer(request).encode(), (key or "").encode())


def require_write(request: Request) -> None:
    """Writes need the API key when one is set; without one, see Guard.check_unkeyed_write."""
    settings = get_settings(request)
    if settings.api_key:
        if not key_matches(request, settings.api_key):
            raise Unauthorized("This endpoint needs 'Authorization: Bearer <PLANBOT_API_KEY>'.")
        return
    get_guard(request).check_unkeyed_write(request.client.host if request.client else None, request.headers)


def require_read(request: Request) -> None:
    """Reads are open unless PLANBOT_READ_KEY is set (the API key also grants reads)."""
    settings = get_settings(request)
    if not settings.read_key:
        return
    token = _bearer(request).encode()
    keys = [k for k in (settings.read_key, settings.api_key) if k]
    if not any(secrets.compare_digest(token, k.encode()) for k in keys):
        raise Unauthorized("This planbot needs 'Authorization: Bearer <PLANBOT_READ_KEY>' for reads.")


def warn_if_open(settings: Settings) -> bool:
    """Say at startup what is open to whom when there is no API key; True if there is none."""
    where = f"{settings.host}:{settings.port}"
    exposed = not _is_loopback_name(settings.host)
    if settings.api_key:
        if exposed and not settings.read_key:
            log.info("Reads and chat are open to anyone who can reach %s (no PLANBOT_READ_KEY).", where)
        return False
    writes = (
        "accepted without a key from programs on this machine that connect directly (PLANBOT_LOCAL_WRITES)"
        if settings.local_writes
        else "refused over HTTP (use the planbot command on the server)"
    )
    log.warning(
        "No PLANBOT_API_KEY is set: uploads, deletes, re-index and the feedback export are %s; "
        "questions, chat and documents are open to anyone who can reach %s%s. "
        "Set a key with: PLANBOT_API_KEY=$(openssl rand -hex 24)",
        writes,
        where,
        " (it listens beyond this machine)" if exposed else " (this machine only)",
    )
    return True


def _is_loopback_name(host: str) -> bool:
    ip = parse_ip(host)
    return host_name(host) == "localhost" or (ip is not None and ip.is_loopback)


ServicesDep = Annotated[Services, Depends(get_services)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
