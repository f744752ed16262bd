"""Request middleware (being built)."""

from __future__ import annotations

from fastapi import FastAPI

from .config import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add planbot's middleware to ``app``."""
