"""Cross-origin access for the widget (being built)."""

from __future__ import annotations

from fastapi import FastAPI

from .config import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Allow the configured origins to call the API."""
