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
from planbot.lexical import stems, words

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


# A cue word for stemmed matching: how it matches ("stem", "exact", "prefix", "suffix", "infix") and what.
_CueWord = tuple[str, str]


def _cue_words(cue: str) -> tuple[_CueWord, ...]:
    """A cue as words to compare with a text's words (a hyphenated word is several words, as in the text)."""
    out: list[_CueWord] = []
    for raw in cue.lower().split():
        parts = words(raw)
        for k, part in enumerate(parts):
            lead, trail = raw.startswith("*") and k == 0, raw.endswith("*") and k == len(parts) - 1
            if lead or trail:
                out.append(("infix" if lead and trail else "suffix" if lead else "prefix", part))
            else:
                stem = stems(part, keep_stopwords=True)[0]
                out.append(("stem", stem) if len(stem) >= 4 else ("exact", part))
    return tuple(out)


@lru_cache(maxsize=4096)
def _text_words(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A text's lower-cased words and their Swedish stems."""
    toks = words(text)
    return tuple(toks), tuple(stems(" ".join(toks), keep_stopwords=True))


def _word_matches(how: str, want: str, tok: str, stem: str, compound_min: int) -> bool:
    """Whether one text word matches one cue word; with ``compound_min`` a long enough whole-word cue may
    also be the first or last part of a compound (``finsk`` in finsktalande, ``barn`` in förskolebarn)."""
    if how == "exact":
        return tok == want
    if how == "infix":
        return want in tok
    if how == "suffix":
        return tok.endswith(want)
    if how == "prefix":
        return tok.startswith(want)
    if stem == want:
        return True
    compound = 0 < compound_min <= len(want) and len(stem) >= len(want) + 3
    return compound and (stem.startswith(want) or stem.endswith(want))


@dataclass(frozen=True)
class Cues:
    """A list of cues compiled to one regex; ``find`` returns the cues' matched words.

    ``stemmed`` cues also match other inflections of their words (and, with ``compound_min``, compounds)."""

    cues: tuple[str, ...]
    pattern: re.Pattern[str] | None
    stemmed: tuple[tuple[_CueWord, ...], ...] = ()
    compound_min: int = 0

    @classmethod
    def of(cls, cues: list[str], *, stemmed: bool = False, compound_min: int = 0) -> Cues:
        """Compile ``cues`` (an empty list matches nothing)."""
        clean = tuple(c for c in (c.strip() for c in cues) if c)
        if not clean:
            return cls((), None)
        pattern = re.compile("|".join(f"(?:{_cue_pattern(c)})" for c in clean), re.IGNORECASE)
        by_words = tuple(w for w in (_cue_words(c) for c in clean) if w) if stemmed else ()
        return cls(clean, pattern, by_words, compound_min)

    def find(self, text: str) -> list[str]:
        """The distinct matched words in ``text``, lower-cased, in order."""
        if self.pattern is None:
            return []
        found = [m.group(0).lower() for m in self.pattern.finditer(text)]
        if self.stemmed:
            toks, stemmed = _text_words(text)
            for cue in self.stemmed:
                n = len(cue)
                for i in range(len(toks) - n + 1):
                    if all(
                        _word_matches(how, want, toks[i + k], stemmed[i + k], self.compound_min)
                        for k, (how, want) in enumerate(cue)
                    ):
                        found.append(" ".join(toks[i : i + n]))
        return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Commitment:
    """What makes a sentence a commitment rather than a mention (see lagkrav.toml)."""

    strong: Cues
    phrases: Cues
    hedges: Cues
    attribution: Cues
    sections: Cues
    deferrals: Cues = Cues((), None)
    law_sections: Cues = Cues((), None)
    law_voice: Cues = Cues((), None)

    def commits(
        self, sentence: str, lead_in: str = "", headings: tuple[str, ...] = (), previous: str = ""
    ) -> bool:
        """Whether ``sentence`` (with its list lead-in, headings and the sentence before it) commits."""
        if self._not_the_plans_own(sentence, lead_in, previous):
            return False
        if any(self.law_sections.find(h) for h in headings):
            # "Biblioteken ska ..." under "Styrdokument" is the law's subject and modal, not the plan's.
            return False
        if self.strong.find(sentence):
            return True
        if self.hedges.find(sentence) or self.hedges.find(lead_in):
            # A list item is as uncertain as its lead-in ("I mån av tid kan biblioteket erbjuda:").
            return False
        if self.phrases.find(sentence):
            return True
        if lead_in and any(c.find(lead_in) for c in (self.strong, self.phrases, self.sections)):
            return True
        return any(self.sections.find(h) for h in headings)

    def plain(self, sentence: str, lead_in: str = "", previous: str = "") -> bool:
        """A statement in the plan's own voice: not the law restated, deferred or hedged (nor its lead-in)."""
        if self._not_the_plans_own(sentence, lead_in, previous):
            return False
        return not self.hedges.find(sentence) and not self.hedges.find(lead_in)

    def _not_the_plans_own(self, sentence: str, lead_in: str, previous: str) -> bool:
        """The sentence restates the law (itself, or in the law's voice after a sentence naming it), or it (or
        its lead-in) defers the matter or leaves it outside the plan."""
        if self.attribution.find(sentence) or self.deferrals.find(sentence) or self.deferrals.find(lead_in):
            return True
        return bool(previous and self.attribution.find(previous) and self.law_voice.find(sentence))


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
    examples: tuple[str, ...] = ()
    mention_only_with: Cues = Cues((), None)
    commits_only_with: Cues = Cues((), None)
    statement_words: Cues = Cues((), None)

    def probes(self) -> tuple[str, ...]:
        """What a plan sentence is compared with by meaning: the examples and the cues (wildcards dropped)."""
        return tuple(dict.fromkeys([*self.examples, *(c.replace("*", "") for c in self.cues.cues)]))

    def statement_counts(self, sentence: str) -> bool:
        """Whether a plain statement of fact in ``sentence`` meets the requirement (statement_is_enough)."""
        return self.statement_is_enough or bool(self.statement_words.find(sentence))

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
    mention_margin: float = 1.0
    mention_baseline: float = 0.75


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
    matching = raw.get("matching", {})
    stemmed, compound_min = bool(matching.get("stems", True)), int(matching.get("compound_min", 0))
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
        enough = k.get("statement_is_enough", False)
        if not isinstance(enough, bool | list):
            raise InvalidInput(f"{where}: 'statement_is_enough' must be true, false or a list of strings.")
        # true: any plain statement will do; a list of words: a plain statement holding one of them.
        statement_words = _strings(k, "statement_is_enough", where) if isinstance(enough, list) else []
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
                cues=Cues.of(cues, stemmed=stemmed, compound_min=compound_min),
                also=Cues.of(_strings(k, "also", where), stemmed=stemmed, compound_min=compound_min),
                optional=bool(k.get("optional", False)),
                statement_is_enough=enough is True,
                examples=tuple(_strings(k, "examples", where)),
                mention_only_with=Cues.of(
                    _strings(k, "mention_only_with", where), stemmed=stemmed, compound_min=compound_min
                ),
                commits_only_with=Cues.of(
                    _strings(k, "commits_only_with", where), stemmed=stemmed, compound_min=compound_min
                ),
                statement_words=Cues.of(statement_words, stemmed=stemmed, compound_min=compound_min),
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
        float(search.get("mention_margin", 1.0)),
        float(search.get("mention_baseline", 0.75)),
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
