"""The PlanbotError family; adapters translate library exceptions into these with ``map_errors``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class PlanbotError(Exception):
    """Base of every error planbot reports to a user."""

    status = 500
    title = "Internal error"
    exit_code = 1

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the API sends with this error (e.g. Retry-After), as Starlette's errors carry."""
        return {}


class InvalidInput(PlanbotError):
    """A request or argument that cannot be served as given."""

    status = 422
    title = "Invalid input"
    exit_code = 2


class DocumentError(PlanbotError):
    """A document that cannot be read (corrupt, encrypted, empty, no text layer)."""

    status = 422
    title = "Unreadable document"
    exit_code = 3

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class NotFound(PlanbotError):
    """A document, conversation or job that does not exist."""

    status = 404
    title = "Not found"
    exit_code = 4


class IndexMismatch(PlanbotError):
    """The index was built with another embedder than the one configured."""

    status = 409
    title = "Index built with another embedder"
    exit_code = 5


class IndexUnavailable(PlanbotError):
    """The vector store cannot be reached or opened."""

    status = 503
    title = "Index unavailable"
    exit_code = 6

    @property
    def headers(self) -> dict[str, str]:
        """A server restart or a network blip usually passes within seconds."""
        return {"Retry-After": "5"}


class ModelUnavailable(PlanbotError):
    """An embedding, reranking or chat model cannot be loaded."""

    status = 503
    title = "Model unavailable"
    exit_code = 7


class Unauthorized(PlanbotError):
    """A missing or wrong API key."""

    status = 401
    title = "Unauthorized"
    exit_code = 8


class Conflict(PlanbotError):
    """A write that clashes with what the index already holds (e.g. a duplicate upload)."""

    status = 409
    title = "Conflict"
    exit_code = 9


class PayloadTooLarge(PlanbotError):
    """A request body or upload over the configured size limit."""

    status = 413
    title = "Payload too large"
    exit_code = 10


class UnsupportedMedia(PlanbotError):
    """An upload whose content is not PDF, HTML, Markdown or plain text."""

    status = 415
    title = "Unsupported media type"
    exit_code = 11


class RateLimited(PlanbotError):
    """Too many requests from one client; ``retry_after`` says when to try again."""

    status = 429
    title = "Too many requests"
    exit_code = 12

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """When to try again."""
        return {"Retry-After": str(self.retry_after)}


ErrorMapping = Mapping[type[BaseException], Callable[[BaseException], PlanbotError]]


@contextmanager
def map_errors(mapping: ErrorMapping) -> Iterator[None]:
    """Re-raise a library exception as the PlanbotError ``mapping`` makes of it (httpx's ``map_exceptions``).

    Each adapter keeps one mapping for the library it wraps; PlanbotErrors and unmapped exceptions pass.
    """
    try:
        yield
    except PlanbotError:
        raise
    except Exception as exc:
        for kind, make in mapping.items():
            if isinstance(exc, kind):
                raise make(exc) from exc
        raise


def mapped(mapping: Callable[[], ErrorMapping]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an adapter method so its library exceptions leave it as PlanbotErrors.

    ``mapping`` is called when an error is mapped, so an adapter can name a library's exception classes
    without importing the library at start-up.
    """

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            with map_errors(_Lazy(mapping)):
                return fn(*args, **kwargs)

        return inner

    return wrap


class _Lazy(Mapping[type[BaseException], Callable[[BaseException], PlanbotError]]):
    """A mapping built on first use."""

    def __init__(self, build: Callable[[], ErrorMapping]) -> None:
        self._build = build

    def __getitem__(self, key: type[BaseException]) -> Callable[[BaseException], PlanbotError]:
        return self._build()[key]

    def __iter__(self) -> Iterator[type[BaseException]]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())
