"""FastAPI dependencies: the pipeline and settings built in the lifespan, and the key checks."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import Depends, Request

from planbot.config import Settings
from planbot.errors import Unauthorized
from planbot.pipeline import Pipeline

log = logging.getLogger(__name__)
_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


def get_pipeline(request: Request) -> Pipeline:
    """The pipeline built in the lifespan."""
    pipeline: Pipeline = request.app.state.pipeline
    return pipeline


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    return host in {"127.0.0.1", "::1", "localhost", "testclient"} or host.startswith("127.")


def require_write(request: Request) -> None:
    """Writes need the API key when one is set; without one, only loopback clients may write."""
    settings = get_settings(request)
    if settings.api_key:
        if not secrets.compare_digest(_bearer(request).encode(), settings.api_key.encode()):
            raise Unauthorized("This endpoint needs 'Authorization: Bearer <PLANBOT_API_KEY>'.")
    elif not _is_loopback(request):
        raise Unauthorized("No PLANBOT_API_KEY is configured, so writes are accepted only from this machine.")


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
    """Log at startup when writes are protected only by the loopback rule; True if so."""
    if settings.api_key:
        return False
    exposed = settings.host not in _LOOPBACK_HOSTS and not settings.host.startswith("127.")
    log.warning(
        "No PLANBOT_API_KEY is set: uploads, deletes and re-index are accepted only from this machine%s. "
        "Set one with: PLANBOT_API_KEY=$(openssl rand -hex 24)",
        f" although the server listens on {settings.host}" if exposed else "",
    )
    return True


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
