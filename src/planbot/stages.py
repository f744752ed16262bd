"""Per-request stage timings, kept in a context variable so concurrent questions never mix."""

from __future__ import annotations

from contextvars import ContextVar

_stages: ContextVar[dict[str, float] | None] = ContextVar("planbot_stages", default=None)


def begin_stages() -> dict[str, float]:
    """Start collecting stage timings for the current request; returns the holder."""
    holder: dict[str, float] = {}
    _stages.set(holder)
    return holder


def record_stages(**milliseconds: float) -> None:
    """Add stage timings (ms) to the current request's holder; a no-op outside a request."""
    holder = _stages.get()
    if holder is not None:
        holder.update({k: round(v, 2) for k, v in milliseconds.items()})
