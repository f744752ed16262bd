"""Which statute a question names, and whether the index holds it (nicknames in data/statutes.toml)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from planbot.datafiles import read_tables, strings
from planbot.errors import InvalidInput
from planbot.records import IndexedDocument

# A Swedish compound naming a statute, definite or genitive: "skollagen", "språklagens", "miljöbalken".
_COMPOUND = re.compile(r"\b([a-zåäöé]+?)(lagen|förordningen|balken)s?\b", re.IGNORECASE)
# What comes before -lagen in words that are no statute: förslagen, underlagen, upplagen, förlagen ...
_NOT_STATUTES = frozenset(
    "för förs an ans ut uts in ins be bes av avs om oms på pås upp upps under till över efter tills"
    " hand grund tilläggs huvud".split()
)
_MIN_BASE = 4  # "skol" in skollagen; shorter heads are prefixes (för-, upp-, an-)
_SFS = re.compile(r"(?<![\d:/])((?:18|19|20)\d{2}):(\d{1,4})(?![\d:/])")
STATUTE_TYPES = frozenset({"lag", "förordning", "balk", "grundlag", "författning"})


@dataclass(frozen=True)
class Statute:
    """A statute people name: the name a refusal shows, its number, and what people write for it."""

    name: str
    sfs: str
    asked: tuple[str, ...]


@dataclass(frozen=True)
class NamedStatute:
    """A statute a question names: the name to show, its number if known, and what a mention contains."""

    name: str
    sfs: str | None = None
    # Casefolded strings any one of which a passage holds when it mentions the statute.
    mentions: tuple[str, ...] = ()
    # For a compound the file does not list: its head ("skol" of skollagen) and kind ("lag").
    head: str | None = None
    kind: str | None = None


def default_statutes_file() -> Path:
    """The statute names shipped with planbot (src/planbot/data/statutes.toml)."""
    return Path(str(resources.files("planbot") / "data" / "statutes.toml"))


@lru_cache(maxsize=4)
def load_statutes(path: Path) -> tuple[Statute, ...]:
    """The ``[[statute]]`` tables of a statutes TOML file."""
    out = []
    for i, row in enumerate(read_tables(path, "statute", "statutes file"), start=1):
        name, sfs, asked = row.get("name"), row.get("sfs"), row.get("asked")
        if not (isinstance(name, str) and name.strip() and isinstance(sfs, str) and sfs.strip()):
            raise InvalidInput(f"{path}: [[statute]] number {i} needs a 'name' and an 'sfs' string")
        if not strings(asked):
            raise InvalidInput(f"{path}: [[statute]] number {i} needs a non-empty string list 'asked'")
        out.append(Statute(name.strip(), sfs.strip(), tuple(a.strip() for a in asked)))
    return tuple(out)


@lru_cache(maxsize=1024)  # every question is matched against every name in the file
def _asked_pattern(phrase: str) -> re.Pattern[str]:
    """An abbreviation ("OSL") in its own case; a name in any case and inflection after it."""
    if phrase.isupper() or re.fullmatch(r"[A-ZÅÄÖ]+-\w+", phrase):
        return re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])")
    return re.compile(rf"(?<![\w-]){re.escape(phrase)}(?:s|en|ens)?(?![\w-])", re.IGNORECASE)


def _stem(name: str) -> str:
    """The casefolded name without its definite ending, so "sekretesslagen" finds "sekretesslagens"."""
    low = name.casefold()
    for ending in ("lagen", "förordningen", "balken"):
        if low.endswith(ending):
            return low[: -len("en")]
    return low


def find_statutes(question: str, statutes: Iterable[Statute]) -> list[NamedStatute]:
    """The statutes ``question`` names: from ``statutes``, by SFS number, or as a -lagen compound."""
    known = tuple(statutes)
    found = [_named(s) for s in known if any(_asked_pattern(a).search(question) for a in s.asked)]
    for m in _SFS.finditer(question):
        number = f"{m[1]}:{m[2]}"
        statute = next((s for s in known if s.sfs == number), None)
        found.append(_named(statute) if statute else NamedStatute(f"SFS {number}", number, (number,)))
    for m in _COMPOUND.finditer(question):
        head, kind = m[1].casefold(), m[2].casefold()
        bare = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
        word = m[1] + m[2]
        if bare in _NOT_STATUTES or head in _NOT_STATUTES or len(bare) < _MIN_BASE:
            continue
        if any(_stem(word) in n.mentions for n in found):
            continue  # a name the file lists, found above
        found.append(
            NamedStatute(word[:1].upper() + word[1:], None, (_stem(word),), bare, kind[: -len("en")])
        )
    return list({n.name: n for n in found}.values())


def _named(statute: Statute) -> NamedStatute:
    swedish = [_stem(a) for a in statute.asked if re.search(r"[åäö]|lagen$|förordningen$|balken$", a)]
    return NamedStatute(statute.name, statute.sfs, tuple(dict.fromkeys([statute.sfs.casefold(), *swedish])))


def holds(named: NamedStatute, documents: Mapping[str, IndexedDocument]) -> bool:
    """Whether the index holds the statute: by its number, else by a statute titled with its head."""
    return any(_is(named, doc) for doc in documents.values())


def _is(named: NamedStatute, doc: IndexedDocument) -> bool:
    title = doc.title.casefold()
    if named.sfs and (doc.metadata.get("sfs") == named.sfs or named.sfs in title):
        return True
    if not (named.head and named.kind and named.kind in title and _is_statute(doc)):
        return False
    return bool(re.search(rf"\b{re.escape(named.head)}", title))


def _is_statute(doc: IndexedDocument) -> bool:
    titled = re.match(r"(?:lag|förordning|balk)\b", doc.title, re.IGNORECASE)  # not "Lagrådsremiss ..."
    return doc.doc_type in STATUTE_TYPES or bool(doc.metadata.get("sfs")) or bool(titled)
