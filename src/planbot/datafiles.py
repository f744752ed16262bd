"""Data files people maintain (glossary, statute names): TOML tables, read with errors one can act on."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeGuard

from planbot.errors import InvalidInput


def read_tables(path: Path, table: str, what: str) -> list[dict[str, Any]]:
    """The ``[[table]]`` entries of a TOML file; an unreadable file is an InvalidInput naming ``what``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read the {what} {path}: {exc}") from exc
    rows = data.get(table, [])
    return [row for row in rows if isinstance(row, dict)]


def strings(value: object) -> TypeGuard[list[str]]:
    """Whether ``value`` is a non-empty list of non-blank strings."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)
