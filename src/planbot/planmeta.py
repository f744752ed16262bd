"""Plan metadata: organisation, kind, period and adoption, merged from its sources or detected in the text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace

from planbot.errors import InvalidInput
from planbot.records import Document

KINDS = (
    "biblioteksplan",
    "skolbiblioteksplan",
    "regional biblioteksplan",
    "kulturplan",
    "lag",
    "förordning",
    "proposition",
    "pressmeddelande",
    "webbsida",
)
# Kinds that are adopted for a period and expire.
PLAN_KINDS = frozenset({"biblioteksplan", "skolbiblioteksplan", "regional biblioteksplan", "kulturplan"})
# The metadata a person may set (upload form, PATCH) besides title, doc_type and source_url.
FIELDS = ("organisation", "kind", "period", "valid_from", "valid_to", "adopted", "adopted_by")
# What other sources call these fields (front matter, corpus/sources.toml).
_ALIASES = {
    "organization": "organisation",
    "organisation": "organisation",
    "kommun": "organisation",
    "region": "organisation",
    "kind": "kind",
    "period": "period",
    "adopted": "adopted",
    "antagen": "adopted",
    "adopted_by": "adopted_by",
    "antagen_av": "adopted_by",
}
_KIND_ALIASES = {"regional_biblioteksplan": "regional biblioteksplan", "forordning": "förordning"}

_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()
_YEAR = r"(?:19|20)\d{2}"
_PERIOD = re.compile(rf"(?<![\d:/])({_YEAR})\s*[-–—]\s*({_YEAR})(?![\d:/])")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ADOPTED = re.compile(
    r"(?:antagen|antogs|beslutad|fastställd|godkänd)\s+(?:av|i)\s+"
    r"(?P<by>(?:[a-zåäö]+-\s+och\s+)?(?:[a-zåäö-]+)?(?:fullmäktige|styrelsen|nämnden))(?:\s+i\s+[A-ZÅÄÖ][\wåäö-]+)?"
    rf"[\s,]*(?:den\s+)?(?P<date>\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\s+(?:{'|'.join(_MONTHS)})\s+\d{{4}})"
    r"(?:[\s,]*(?P<ref>§\s*\d+))?",
    re.IGNORECASE,
)
# Title-like kind cues, most specific first; searched in the title and the first lines only.
_KIND_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("regional biblioteksplan", re.compile(r"\bregional(?:a)?\s+biblioteksplan", re.I)),
    ("skolbiblioteksplan", re.compile(r"\bskolbiblioteksplan", re.I)),
    ("biblioteksplan", re.compile(r"\bbiblioteksplan", re.I)),
    ("kulturplan", re.compile(r"\bkulturplan", re.I)),
    ("proposition", re.compile(r"\b(?:regeringens\s+proposition|prop\.\s*\d{4}/\d{2}:\d+)", re.I)),
    ("pressmeddelande", re.compile(r"\bpressmeddelande\b", re.I)),
    ("förordning", re.compile(r"förordning\s*\(\d{4}:\d+\)", re.I)),
    ("lag", re.compile(r"\w*lag\s*\(\d{4}:\d+\)", re.I)),
)
_NAME = r"[A-ZÅÄÖ][a-zåäöé-]+"
_ORG_PATTERNS = (
    re.compile(rf"\bRegion\s+({_NAME})(?:s(?=\s+[a-zåäö]))?"),
    re.compile(rf"\b({_NAME})\s+kommuns?\b"),
    re.compile(r"\b([A-ZÅÄÖ][a-zåäö]*kommun)s?\b"),
    re.compile(rf"\b({_NAME})\s+stads?\b"),
)
# Capitalised words that start a sentence before "kommun" without naming one ("Varje kommun ska ...").
_NOT_NAMES = frozenset(
    "varje den denna en ett vår var som alla hela samma egen annan vilken vilka din er sin hur när om".split()
)
_FIRST_CHARS = 4000


def normalise_kind(value: str | None) -> str | None:
    """A kind from KINDS for a doc_type or kind value, or None when it names none of them."""
    if not value:
        return None
    key = value.strip().lower()
    key = _KIND_ALIASES.get(key.replace(" ", "_"), key)
    return key if key in KINDS else None


def normalise_period(value: str) -> str | None:
    """``2021–2024`` for '2021-2024', '2021 – 2024' or '2021—2024'; None if it is not a year span."""
    m = _PERIOD.fullmatch(value.strip())
    if not m or int(m[2]) < int(m[1]):
        return None
    return f"{m[1]}–{m[2]}"


def organisation_key(name: str) -> str:
    """A comparable core of an organisation name: 'Region Värmlands' and 'värmland' give 'värmland'."""
    text = unicodedata.normalize("NFC", name).casefold()
    text = re.sub(r"[’']s\b", "", text)
    words = [
        w for w in re.findall(r"[\wåäöé-]+", text) if w not in ("region", "regionen", "kommun", "kommuns")
    ]
    words = [w for w in words if w not in ("stad", "stads", "municipality", "of", "the")]
    core = " ".join(words)
    return core[:-1] if core.endswith("s") and len(core) > 3 else core


def _canonical_organisation(value: str) -> str | None:
    """The organisation a publisher field names, when it is a kommun, region or stad."""
    for pattern in _ORG_PATTERNS:
        if m := pattern.search(value):
            return _org_name(pattern, m)
    return None


def _org_name(pattern: re.Pattern[str], m: re.Match[str]) -> str | None:
    word = m[1]
    if word.lower() in _NOT_NAMES:
        return None
    if pattern is _ORG_PATTERNS[0]:
        return f"Region {word}"
    if pattern is _ORG_PATTERNS[1]:
        return f"{word} kommun"
    if pattern is _ORG_PATTERNS[3]:
        return f"{word} stad"
    return word


def normalise(fields: Mapping[str, str], doc_type: str | None = None) -> dict[str, str]:
    """The plan fields a source states, under their canonical names (front matter aliases, publisher)."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        canonical = _ALIASES.get(key.lower())
        if canonical and value and value.strip() and canonical not in out:
            out[canonical] = value.strip()
    if "period" in out:
        period = normalise_period(out["period"])
        if period is None:
            del out["period"]
        else:
            out["period"] = period
    kind = normalise_kind(out.get("kind")) or normalise_kind(doc_type)
    out.pop("kind", None)
    if kind is not None:
        out["kind"] = kind
    publisher = fields.get("publisher", "")
    if "organisation" not in out and (org := _canonical_organisation(publisher)) is not None:
        out["organisation"] = org
    for key in ("valid_from", "valid_to"):
        if day := fields.get(key):
            out[key] = day.strip()
    return out


def detect(text: str, title: str = "", path: str = "", kind: str | None = None) -> dict[str, str]:
    """Plan fields found in a document's title and first pages ('Biblioteksplan 2021–2024', 'Antagen av').

    A period is looked for only in a plan (``kind``, else the kind detected), since other documents'
    year spans are rarely their validity.
    """
    head = text[:_FIRST_CHARS]
    # Title-like lines only (short, not sentences): a paragraph that mentions a biblioteksplan is not one.
    lines = [line.strip() for line in head.splitlines() if line.strip()][:5]
    titles = [line for line in lines if len(line) <= 100 and not line.endswith((".", ":"))]
    first_lines = "\n".join([title, *titles])
    found: dict[str, str] = {}
    # The cue said first wins, so "Pressmeddelande ... kulturplaner" is a press release.
    cues = [
        (m.start(), i, name) for i, (name, cue) in enumerate(_KIND_CUES) if (m := cue.search(first_lines))
    ]
    if cues:
        found["kind"] = min(cues)[2]
    elif path.lower().endswith((".html", ".htm")):
        found["kind"] = "webbsida"
    if (kind or found.get("kind")) in PLAN_KINDS:
        period = _detect_period(first_lines, head)
        if period is not None:
            found["period"] = period
    if m := _ADOPTED.search(head):
        found["adopted_by"] = m["by"].lower()
        if (day := _parse_day(m["date"])) is not None:
            found["adopted"] = day.isoformat()
        if m["ref"]:
            found["adopted_ref"] = re.sub(r"§\s*", "§ ", m["ref"])
    # Laws, bills and press releases come from the state, not from a kommun or region.
    state = {"lag", "förordning", "proposition", "pressmeddelande"}
    org = (
        None
        if (kind or found.get("kind")) in state
        else _detect_organisation(title, head, found.get("adopted_by", ""))
    )
    # "Regional biblioteksplan för Värmland", adopted by regionfullmäktige: Region Värmland's.
    by_region = found.get("adopted_by", "").startswith("region")
    if org is None and by_region and (m := re.search(rf"\b(?:för|i)\s+({_NAME})", first_lines)):
        org = f"Region {m[1]}"
    if org is not None:
        found["organisation"] = org
    return found


def _detect_period(first_lines: str, head: str) -> str | None:
    if m := _PERIOD.search(first_lines):
        return normalise_period(m[0])
    for line in head.splitlines():
        if re.search(r"plan|period|gäller|gälla", line, re.I) and (m := _PERIOD.search(line)):
            return normalise_period(m[0])
    return None


def _detect_organisation(title: str, head: str, adopted_by: str) -> str | None:
    """The kommun or region named most (the title and first lines count double), by who adopted it."""
    scores: dict[str, float] = {}
    for weight, text in ((3.0, title), (2.0, head[:600]), (1.0, head)):
        for pattern in _ORG_PATTERNS:
            for m in pattern.finditer(text):
                if (name := _org_name(pattern, m)) is not None:
                    scores[name] = scores.get(name, 0.0) + weight
    if not scores:
        return None
    # A plan adopted by kommunfullmäktige belongs to a kommun, one by regionfullmäktige to a region.
    wanted = (
        "region" if adopted_by.startswith("region") else "kommun" if adopted_by.startswith("kommun") else ""
    )
    if wanted:
        fitting = {n: s for n, s in scores.items() if n.lower().startswith("region") == (wanted == "region")}
        scores = fitting or scores
    return max(scores, key=lambda n: scores[n])


def _parse_day(text: str) -> dt.date | None:
    text = text.strip().lower()
    try:
        if _DAY.fullmatch(text):
            return dt.date.fromisoformat(text)
        day, month, year = text.split()
        return dt.date(int(year), _MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None


def merge(*layers: Mapping[str, str]) -> dict[str, str]:
    """Fields from several sources, the first layer that states a field winning."""
    out: dict[str, str] = {}
    for layer in layers:
        for key, value in layer.items():
            if value and key not in out:
                out[key] = value
    return out


def annotate(doc: Document, supplied: Mapping[str, str] | None = None) -> Document:
    """The document with its plan fields: ``supplied`` > what the document's metadata says > detection."""
    stated = normalise(doc.metadata, doc.doc_type)
    given = normalise(supplied or {})
    detected = detect(doc.text, doc.title, doc.path, given.get("kind") or stated.get("kind"))
    merged = merge(given, stated, detected)
    return replace(doc, metadata={**doc.metadata, **merged})


def check(fields: Mapping[str, str | None]) -> dict[str, str]:
    """Plan fields from a person (upload form, PATCH) validated; '' clears a field (kept as '')."""
    out: dict[str, str] = {}
    for key, raw in fields.items():
        if raw is None:
            continue
        value = raw.strip()
        if any(unicodedata.category(ch) == "Cc" for ch in value) or len(value) > 200:
            raise InvalidInput(f"'{key}' must be plain text of at most 200 characters.")
        if value and key == "kind" and normalise_kind(value) is None:
            raise InvalidInput(f"'kind' must be one of: {', '.join(KINDS)}; not {value!r}.")
        if value and key == "period" and normalise_period(value) is None:
            raise InvalidInput(f"'period' must be two years such as '2021–2024', not {value!r}.")
        if value and key in ("adopted", "valid_from", "valid_to"):
            try:
                if not _DAY.fullmatch(value):
                    raise ValueError(value)
                dt.date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"'{key}' must be a date written YYYY-MM-DD, not {value!r}.") from None
        if key == "kind" and value:
            value = normalise_kind(value) or value
        if key == "period" and value:
            value = normalise_period(value) or value
        out[key] = value
    if out.get("valid_from") and out.get("valid_to") and out["valid_from"] > out["valid_to"]:
        raise InvalidInput("'valid_from' must not be after 'valid_to'.")
    return out


def kind_of(doc_type: str, metadata: Mapping[str, str]) -> str | None:
    """A document's kind: its metadata's, else its doc_type when that is a kind."""
    return normalise_kind(metadata.get("kind")) or normalise_kind(doc_type)


def validity(metadata: Mapping[str, str]) -> tuple[dt.date, dt.date] | None:
    """The days a document applies in, from its period or valid_from/valid_to (publication dates are not)."""
    if (period := normalise_period(metadata.get("period", ""))) is not None:
        first, last = period.split("–")
        return dt.date(int(first), 1, 1), dt.date(int(last), 12, 31)
    start_s, end_s = metadata.get("valid_from", ""), metadata.get("valid_to", "")
    if not (start_s or end_s):
        return None
    try:
        start = dt.date.fromisoformat(start_s) if start_s else dt.date.min
        end = dt.date.fromisoformat(end_s) if end_s else dt.date.max
    except ValueError:
        return None
    return start, end


def period_label(metadata: Mapping[str, str]) -> str | None:
    """How a person reads a document's validity: '2021–2024' or '2021-03-15–2024-12-31'."""
    if (period := normalise_period(metadata.get("period", ""))) is not None:
        return period
    span = validity(metadata)
    if span is None:
        return None
    start = "" if span[0] == dt.date.min else span[0].isoformat()
    end = "" if span[1] == dt.date.max else span[1].isoformat()
    return f"{start}–{end}"
