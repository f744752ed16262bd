"""The requirement list (lagkrav.toml): loading, cue matching and commitment language."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from planbot.errors import InvalidInput

DEFAULT_FILE = "lagkrav.toml"


def _cue_pattern(cue: str) -> str:
    """One cue as a regex: ``*`` is any letters, several words match in a row, else whole words."""
    words = cue.strip().lower().split()
    parts = []
    for word in words:
        pieces = [re.escape(p) for p in word.split("*")]
        parts.append(r"\w*".join(pieces))
    body = r"[\s\-–]+".join(parts)
    start = "" if cue.strip().startswith("*") else r"(?<!\w)"
    end = "" if cue.strip().endswith("*") or not cue.strip()[-1:].isalnum() else r"(?!\w)"
    return f"{start}{body}{end}"


@dataclass(frozen=True)
class Cues:
    """A list of cues compiled to one regex; ``find`` returns the cues' matched words."""

    cues: tuple[str, ...]
    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, cues: list[str]) -> Cues:
        """Compile ``cues`` (an empty list matches nothing)."""
        clean = tuple(c for c in (c.strip() for c in cues) if c)
        if not clean:
            return cls((), None)
        return cls(clean, re.compile("|".join(f"(?:{_cue_pattern(c)})" for c in clean), re.IGNORECASE))

    def find(self, text: str) -> list[str]:
        """The distinct matched words in ``text``, lower-cased, in order."""
        if self.pattern is None:
            return []
        return list(dict.fromkeys(m.group(0).lower() for m in self.pattern.finditer(text)))


@dataclass(frozen=True)
class Commitment:
    """What makes a sentence a commitment rather than a mention (see lagkrav.toml)."""

    strong: Cues
    phrases: Cues
    hedges: Cues
    attribution: Cues
    sections: Cues

    def commits(self, sentence: str, lead_in: str = "", headings: tuple[str, ...] = ()) -> bool:
        """Whether ``sentence`` (with its list lead-in and section headings) commits the plan."""
        if self.attribution.find(sentence):
            return False
        if self.strong.find(sentence):
            return True
        if self.hedges.find(sentence):
            return False
        if self.phrases.find(sentence):
            return True
        if lead_in and (self.strong.find(lead_in) or self.phrases.find(lead_in)):
            return not self.hedges.find(lead_in)
        return any(self.sections.find(h) for h in headings)

    def plain(self, sentence: str) -> bool:
        """A statement in the plan's own voice: it neither restates the law nor hedges."""
        return not self.attribution.find(sentence) and not self.hedges.find(sentence)


@dataclass(frozen=True)
class Requirement:
    """One requirement of the law a plan is checked against, with the passage it rests on."""

    id: str
    title: str
    document_id: str
    locator: str
    law_text: str
    query: str
    cues: Cues
    also: Cues
    optional: bool = False
    statement_is_enough: bool = False

    def addressed_by(self, text: str, context: str = "") -> list[str]:
        """The cue words ``text`` matches, or [] when it does not (``also`` may match in ``context``)."""
        found = self.cues.find(text)
        if not found:
            return []
        if self.also.pattern is not None and not self.also.find(f"{text}\n{context}"):
            return []
        return found


@dataclass(frozen=True)
class RequirementList:
    """The whole list, the commitment rules and the search settings."""

    source: str
    requirements: tuple[Requirement, ...]
    commitment: Commitment
    passages: int = 8
    quoted: int = 3
    mention_similarity: float = 1.0


def _strings(raw: dict[str, Any], key: str, where: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{where}: '{key}' must be a list of strings.")
    return value


def parse_requirements(text: str, source: str = DEFAULT_FILE) -> RequirementList:
    """Parse a requirement file's TOML text, with errors that name the file and the item."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source} is not valid TOML: {exc}") from exc
    c = raw.get("commitment", {})
    commitment = Commitment(
        *(Cues.of(_strings(c, k, f"{source} [commitment]")) for k in Commitment.__dataclass_fields__)
    )
    items: list[Requirement] = []
    seen: set[str] = set()
    for i, k in enumerate(raw.get("krav", []), start=1):
        where = f"{source} [[krav]] #{i}"
        missing = [f for f in ("id", "title", "document_id", "locator", "law_text", "query") if not k.get(f)]
        if missing:
            raise InvalidInput(f"{where}: missing {', '.join(missing)}.")
        if k["id"] in seen:
            raise InvalidInput(f"{where}: the id {k['id']!r} is used twice.")
        seen.add(k["id"])
        cues = _strings(k, "cues", where)
        if not cues:
            raise InvalidInput(f"{where} ({k['id']}): give at least one cue.")
        items.append(
            Requirement(
                id=str(k["id"]),
                title=str(k["title"]),
                document_id=str(k["document_id"]),
                locator=str(k["locator"]),
                law_text=str(k["law_text"]),
                query=str(k["query"]),
                cues=Cues.of(cues),
                also=Cues.of(_strings(k, "also", where)),
                optional=bool(k.get("optional", False)),
                statement_is_enough=bool(k.get("statement_is_enough", False)),
            )
        )
    if not items:
        raise InvalidInput(f"{source} holds no [[krav]] items.")
    search = raw.get("search", {})
    return RequirementList(
        source,
        tuple(items),
        commitment,
        int(search.get("passages", 8)),
        int(search.get("quoted", 3)),
        float(search.get("mention_similarity", 1.0)),
    )


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> RequirementList:
    return parse_requirements(Path(path).read_text(encoding="utf-8"), path)


def load_requirements(path: Path | None = None) -> RequirementList:
    """The requirement list from ``path`` (PLANBOT_LAGKRAV_FILE) or the one shipped with planbot."""
    if path is None:
        text = resources.files("planbot.planwork").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
        return parse_requirements(text)
    if not path.is_file():
        raise InvalidInput(f"The requirement file {path} does not exist (PLANBOT_LAGKRAV_FILE).")
    # Re-read when the file changes, so a librarian's edit shows without a restart.
    return _load(str(path), path.stat().st_mtime)
