"""Cross-origin access for the widget: only the origins in PLANBOT_CORS_ORIGINS may call the API."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.server.owner import HEADER as OWNER_HEADER

_ORIGIN = re.compile(r"https?://[^/\s?#]+")


def allowed_origins(settings: Settings) -> list[str]:
    """The configured origins, checked: browsers send ``scheme://host[:port]``, nothing more."""
    origins: list[str] = []
    for raw in settings.cors_origins:
        # A trailing slash is the usual slip when copying a URL; it would never match, so drop it.
        origin = raw.strip().rstrip("/")
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise InvalidInput(
                f"PLANBOT_CORS_ORIGINS: {raw!r} is not an origin; write it as scheme://host[:port] "
                'with no path, e.g. ["https://intranet.example.se"].'
            )
        origins.append(origin)
    return origins


def install(app: FastAPI, settings: Settings) -> None:
    """Allow the configured origins to call the API; with none configured, no other site may."""
    origins = allowed_origins(settings)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Authorization", "Accept", OWNER_HEADER],
        expose_headers=[OWNER_HEADER],
        # The widget on a listed site sends its owner cookie; with "*" every site could read a
        # visitor's conversations through it, so "*" gets no credentials.
        allow_credentials="*" not in origins,
        max_age=600,
    )
