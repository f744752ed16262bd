"""Which documents a question is answered from: laws and plans in force, or the plan or period it names."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from planbot.chunking import split_sentences
from planbot.filters import Filters
from planbot.lexical import ASKS_CONTENT
from planbot.planmeta import PLAN_KINDS, kind_of, organisation_key, period_label, validity
from planbot.questions import asked_part
from planbot.records import Answer, Citation, IndexedDocument, Language, ScoredChunk, embedding_text
from planbot.statutes import Statute, find_statutes, holds

# Inflected plan words, most specific first, with the kind each names (None: any plan).
_KIND_WORDS: tuple[tuple[str, str | None], ...] = (
    (r"regional(?:a)?\s+biblioteksplan\w*|regional\s+library\s+plans?", "regional biblioteksplan"),
    (r"skolbiblioteksplan\w*|school\s+library\s+plans?", "skolbiblioteksplan"),
    (r"biblioteksplan\w*|library\s+plans?", "biblioteksplan"),
    (r"(?:regional(?:a)?\s+)?kulturplan\w*|cultur(?:e|al)\s+plans?", "kulturplan"),
    (r"plan(?:en|er|erna)?|plans?", None),
)
_KIND = "|".join(f"(?:{pattern})" for pattern, _ in _KIND_WORDS)
_YEAR = r"(?:19|20)\d{2}"
_A_YEAR = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_SPAN = rf"(?<![\d:/])({_YEAR})(?:\s*[-–—]\s*({_YEAR}))?(?![\d:/])"
_NAME = r"[A-ZÅÄÖ][\wåäöé-]+"
_ORG = rf"(?:(?:Region|Regionen)\s+)?{_NAME}(?:\s+(?:kommun|stad|Region))?"
# The plan after the one in force: "Karlstads nästa biblioteksplan", "Region Värmland's next library plan".
_NEXT = r"nästa|kommande|next|upcoming|coming|following"
# "Karlstads biblioteksplan", "Region Värmlands kulturplan", "Karlstad's library plan"
_GENITIVE = re.compile(
    rf"\b(?P<org>{_ORG})(?:s|'s|’s)\s+(?:(?:nya|gamla|förra|tidigare|(?P<next>{_NEXT}))\s+)?(?P<kind>{_KIND})\b"
)
# "biblioteksplanen i Karlstad", "kulturplanen för Region Värmland", "nästa biblioteksplan för Karlstad"
_KIND_OF = re.compile(
    rf"(?:\b(?P<next>{_NEXT})\s+(?:(?:regional|regionala)\s+)?(?=\w))?"
    rf"\b(?P<kind>{_KIND})\s+(?:i|för|in|for|of)\s+(?P<org>{_ORG})"
)
# "biblioteksplanen 2021–2024", "kulturplan för 2022-2025"
_KIND_YEAR = re.compile(rf"\b(?P<kind>{_KIND})\s+(?:för\s+|for\s+)?{_SPAN}", re.IGNORECASE)
# "i biblioteksplanen", "enligt den förra kulturplanen", "kulturplanen säger"
_SOURCE = re.compile(
    rf"\b(?:i|enligt|enl\.|från|ur|in|according\s+to)\s+(?:den\s+|the\s+)?(?:(?!en\b|ett\b|a\b)\w+\s+)?"
    rf"(?P<kind>{_KIND})\b"
    rf"|\b(?P<kind2>{_KIND})\s+(?:säger|skriver|anger|står|says|states)\b",
    re.IGNORECASE,
)
_EARLIER = re.compile(r"\b(?:tidigare|förra|förre|gamla|föregående|earlier|previous|former|old)\b", re.I)
_LATEST_ONLY = re.compile(r"\b(?:förra|förre|föregående|previous)\b", re.I)
# Capitalised words that start a question rather than name an organisation.
_NOT_ORGS = frozenset(
    "vad vilka vilken vilket hur när var vem varför står finns enligt den det de i what which how who "
    "kommunen kommunens regionen regionens kommun region vår våra min mina er deras hans hennes "
    "nya gamla denna detta sverige sweden".split()
)
_PERIOD_NOTE: dict[Language, tuple[str, str]] = {
    "sv": ("gällde {period}", "gäller {period}"),
    "en": ("in force {period}", "applies {period}"),
}
_MISSING: dict[Language, str] = {
    "sv": "{name} finns inte bland dokumenten, så jag kan inte svara utifrån den.",
    "en": "{name} is not among the documents, so I cannot answer from it.",
}
_MENTIONED_IN: dict[Language, str] = {
    "sv": "Den nämns i {titles}, men dess innehåll finns inte där.",
    "en": "It is mentioned in {titles}, but its content is not there.",
}
# A sentence that only points to where the content is: "Viktiga utvecklingsområden och prioriteringar är
# identifierade i den regionala biblioteksplanen 2021–2024."
_POINTS_TO = re.compile(
    r"\b(?:(?:(?:är|finns)\s+|har\s+(?:\w+\s+)?)(?:identifierade|beskrivna|angivna|redovisade|formulerade|samlade"
    r"|fastställda|identifierats|beskrivits|angetts|redovisats|formulerats)\s+i|beskrivs\s+i|redovisas\s+i|anges\s+i"
    r"|regleras\s+i|framgår\s+(?:av|i)|are\s+(?:identified|described|set\s+out|listed|regulated)\s+in"
    r"|is\s+(?:regulated|governed)\s+(?:in|by))\b",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\[\d+\]")
_MISSING_MENTIONED: dict[Language, str] = {
    "sv": "{name} finns inte bland dokumenten; svaret citerar dokument som nämner den.",
    "en": "{name} is not among the documents; the answer quotes documents that mention it.",
}


@dataclass(frozen=True)
class Target:
    """A plan a question names: its kind (None: any plan), organisation key, years, and the words used."""

    text: str
    kind: str | None = None
    organisation: str | None = None
    years: tuple[int, int] | None = None
    # The plan after the one in force ("nästa", "next"): only a plan starting later is it.
    after: bool = False


@dataclass(frozen=True)
class Scope:
    """The documents to answer from (None: all), and what the question named that the index lacks."""

    allowed: frozenset[str] | None
    reason: str = "default"
    missing: str | None = None
    # When the named plan is missing, only passages mentioning all of these may answer.
    mentions: tuple[str, ...] = ()
    # When a named statute is missing, only passages mentioning one of these (casefolded) may answer.
    mentions_any: tuple[str, ...] = ()
    # When the plan after the current one is missing, only passages naming a year after this one may answer.
    mentions_after: int | None = None

    def missing_text(self, language: Language, answered: bool) -> str:
        """What to tell a person about the missing document."""
        name = self.missing or ""
        name = name[:1].upper() + name[1:]
        return (_MISSING_MENTIONED if answered else _MISSING)[language].format(name=name)


def is_plan(doc: IndexedDocument) -> bool:
    """Whether a document is a plan, which is adopted for a period and expires."""
    return kind_of(doc.doc_type, doc.metadata) in PLAN_KINDS


def in_force(doc: IndexedDocument, today: dt.date) -> bool:
    """Whether a document applies today: a plan within its period, anything else unless it has ended."""
    span = validity(doc.metadata)
    if span is None:
        return True
    if span[1] < today:
        return False
    return span[0] <= today or not is_plan(doc)


def outside_period(doc: IndexedDocument, today: dt.date) -> str | None:
    """The period of a plan that does not apply today ('2021–2024'), for the note beside its citation."""
    if in_force(doc, today):
        return None
    return period_label(doc.metadata)


def find_target(question: str, organisations: Mapping[str, str]) -> Target | None:
    """The plan a question names, if it names one; ``organisations`` maps keys to known names."""
    for pattern in (_GENITIVE, _KIND_OF, _KIND_YEAR, _SOURCE):
        for m in pattern.finditer(question):
            groups = m.groupdict()
            word = groups.get("kind") or groups.get("kind2") or ""
            org = groups.get("org")
            core = organisation_key(org) if org else ""
            if not core or core.split()[0] in _NOT_ORGS:
                org = None
            if pattern is not _SOURCE and pattern is not _KIND_YEAR and not org:
                continue
            if pattern is _SOURCE and not _definite(m.group(0), word):
                continue  # "i en biblioteksplan" speaks of plans in general
            after = bool(groups.get("next"))
            years = None if after else _years(m.group(0)) or _years_after(question, m.end())
            key = core if org else _known_organisation(question, organisations)
            kind = _kind(word)
            if kind is None and not (org or years):
                continue  # "i planen" alone names no particular plan
            # "enligt kulturplanen" is reported as "kulturplanen": the plan, not the preposition.
            text = (m.group(0) if pattern is not _SOURCE else word).strip()
            if years and not _years(text):
                text += f" {years[0]}–{years[1]}" if years[1] != years[0] else f" {years[0]}"
            return Target(text, kind, key or None, years, after)
    return None


# Words that open a question and look like a name: "Har Region Värmland ...", "Does Karlstad ...".
_OPENERS = frozenset(
    "har hade finns does do did has have is are när kan ska måste får gäller when can".split()
)


def plan_named_in(question: str) -> str | None:
    """A phrase naming the one plan ``question`` speaks of ("Region Värmlands regionala biblioteksplan").

    For a follow-up that says "den planen": the plan may be named in full ("Karlstads biblioteksplan") or by
    its owner and kind ("Har Region Värmland en regional biblioteksplan?").
    """
    target = find_target(question, {})
    if target is not None and target.organisation and _GENITIVE.fullmatch(target.text):
        return target.text
    opener = re.match(r"\s*([\wåäö]+)\s+", question)
    text = question[opener.end() :] if opener and opener[1].casefold() in _OPENERS else question
    kind = next((m.group() for m in re.finditer(_KIND, text, re.I) if _kind(m.group())), None)
    owner = next((m.group() for m in re.finditer(_ORG, text) if _owner(m.group())), None)
    if kind is None or owner is None:
        return None
    if re.search(r"\b(?:library|cultur(?:e|al))\s+plans?$", kind, re.I):
        return f"{owner}'s {kind.lower()}"  # "Karlstad's library plan"
    # After a Swedish genitive the noun is bare and an adjective definite: "Region Värmlands regionala ...".
    word = re.sub(r"plan(?:en|er|erna)$", "plan", kind.lower())
    word = re.sub(r"^regional\s", "regionala ", word)
    years = f" {target.years[0]}–{target.years[1]}" if target is not None and target.years else ""
    return f"{owner}s {word}{years}"


def _owner(name: str) -> bool:
    key = organisation_key(name)
    return bool(key) and key.split()[0] not in _NOT_ORGS and key.split()[0] not in _OPENERS


def _definite(text: str, word: str) -> bool:
    """Whether a plan word is definite ('biblioteksplanen', 'the library plan'), so it names one plan."""
    if word.lower().endswith("en") or re.search(r"\b(?:the|our)\b", text, re.IGNORECASE):
        return True
    # "i kommunens biblioteksplan", "enligt vår kulturplan": a possessive makes it one plan too.
    return bool(re.search(r"\b(?:\w+ens|vår|vårt|er|ert)\s+\S+$", text, re.IGNORECASE))


def _years_after(question: str, end: int) -> tuple[int, int] | None:
    m = re.match(rf"\s*(?:för\s+|for\s+)?{_SPAN}", question[end:])
    return (int(m[1]), int(m[2]) if m[2] else int(m[1])) if m else None


def _kind(word: str) -> str | None:
    for pattern, kind in _KIND_WORDS:
        if re.fullmatch(pattern, word, re.IGNORECASE):
            return kind
    return None


def _years(text: str) -> tuple[int, int] | None:
    m = re.search(_SPAN, text)
    if not m:
        return None
    start = int(m[1])
    return start, int(m[2]) if m[2] else start


def _known_organisation(question: str, organisations: Mapping[str, str]) -> str | None:
    """An organisation of the index that the question mentions anywhere ('i Värmland')."""
    words = {organisation_key(w) for w in re.findall(r"[\wåäöé-]+", question)}
    for key in organisations:
        if key and all(part in words for part in key.split()):
            return key
    return None


def decide(
    question: str, documents: Mapping[str, IndexedDocument], today: dt.date, statutes: Sequence[Statute] = ()
) -> Scope:
    """The scope of a question: a named plan, a named period or earlier plans, else what is in force.

    A question naming only statutes the index lacks is answered from the passages that mention them.
    """
    organisations = {
        organisation_key(org): org for d in documents.values() if (org := d.metadata.get("organisation"))
    }
    target = find_target(question, organisations)
    earlier = bool(_EARLIER.search(question))
    years = _years(question)
    if target is not None:
        latest_only = bool(_LATEST_ONLY.search(question))
        return _named(target, documents, today, earlier, latest_only)
    if years is not None:
        allowed = {d.id for d in documents.values() if not is_plan(d) or _overlaps(d, years)}
        scope = Scope(_restrict(allowed, documents), "period")
    elif earlier:
        scope = Scope(None, "earlier")
    else:
        allowed = {d.id for d in documents.values() if in_force(d, today)}
        scope = Scope(_restrict(allowed, documents), "default")
    named = find_statutes(question, statutes)
    if named and not any(holds(n, documents) for n in named):
        mentions = tuple(dict.fromkeys(m for n in named for m in n.mentions))
        return replace(scope, reason="missing", missing=named[0].name, mentions_any=mentions)
    return scope


def _named(
    target: Target,
    documents: Mapping[str, IndexedDocument],
    today: dt.date,
    earlier: bool,
    latest_only: bool,
) -> Scope:
    """Only the plans the target fits: in force unless it names a period or earlier plans."""
    fitting = [d for d in documents.values() if is_plan(d) and _fits(d, target)]
    plans = fitting
    if target.after:
        # "nästa" is read against today: the plan in force now is not the next one.
        plans = [d for d in plans if (span := validity(d.metadata)) is not None and span[0] > today]
    elif target.years is None and plans:
        if earlier:
            ended = [d for d in plans if (span := validity(d.metadata)) is not None and span[1] < today]
            if ended and latest_only:
                latest = max(validity(d.metadata) or (dt.date.min, dt.date.min) for d in ended)[1]
                ended = [d for d in ended if (validity(d.metadata) or (today, today))[1] == latest]
            plans = ended
        else:
            plans = [d for d in plans if in_force(d, today)] or plans
    if plans:
        return Scope(frozenset(d.id for d in plans), "named")
    # The plan is not indexed: only documents that are not plans, and only where they mention it.
    others = frozenset(d.id for d in documents.values() if not is_plan(d))
    mentions = [target.kind.split()[-1] if target.kind else "plan"]
    if target.organisation:
        mentions.append(target.organisation.split()[0])
    if target.years:
        mentions.append(str(target.years[0]))
    # The next plan starts after the last year of the owner's plan in force (else after this year).
    after = (
        max(
            (span[1].year for d in fitting if (span := validity(d.metadata)) and span[0] <= today),
            default=today.year,
        )
        if target.after
        else None
    )
    return Scope(others, "missing", missing=target.text, mentions=tuple(mentions), mentions_after=after)


def _fits(doc: IndexedDocument, target: Target) -> bool:
    if target.kind is not None and kind_of(doc.doc_type, doc.metadata) != target.kind:
        return False
    own = organisation_key(doc.metadata.get("organisation", ""))
    if target.organisation and not (own and set(target.organisation.split()) <= set(own.split())):
        return False
    return target.years is None or _overlaps(doc, target.years)


def _overlaps(doc: IndexedDocument, years: tuple[int, int]) -> bool:
    span = validity(doc.metadata)
    return span is not None and span[0].year <= years[1] and span[1].year >= years[0]


def _restrict(allowed: set[str], documents: Mapping[str, IndexedDocument]) -> frozenset[str] | None:
    """None when nothing is excluded, so a search without expired plans needs no filter at all."""
    return None if len(allowed) == len(documents) else frozenset(allowed)


def scope_for(
    question: str,
    documents: Mapping[str, IndexedDocument],
    filters: Filters | None,
    today: dt.date,
    statutes: Sequence[Statute] = (),
) -> Scope:
    """The question's scope, unless the caller's filters already chose documents or a period."""
    if filters is not None and filters.names_documents():
        return Scope(None, "filters")
    return decide(question, documents, today, statutes)


def effective_filters(
    scope: Scope, filters: Filters | None, documents: Mapping[str, IndexedDocument]
) -> Filters | None:
    """The filters a search runs with: the caller's and the scope's, as document ids (None: no filter)."""
    if scope.allowed is None and (filters is None or filters.is_empty()):
        return None
    return (filters or Filters()).resolve(documents, scope.allowed)


def mentioning(candidates: list[ScoredChunk], scope: Scope) -> list[ScoredChunk]:
    """The candidates whose text (with title and headings) mentions what the scope's missing document is."""
    if not (scope.mentions or scope.mentions_any or scope.mentions_after):
        return candidates
    wanted = [w.casefold() for w in scope.mentions]
    out = []
    for c in candidates:
        text = embedding_text(c.chunk).casefold()
        if (
            all(w in text for w in wanted)
            and (not scope.mentions_any or any(w in text for w in scope.mentions_any))
            and (scope.mentions_after is None or _names_year_after(text, scope.mentions_after))
        ):
            out.append(c)
    return out


def _names_year_after(text: str, year: int) -> bool:
    return any(int(y) > year for y in _A_YEAR.findall(text))


def place_in_time(
    answer: Answer, scope: Scope, documents: Mapping[str, IndexedDocument], today: dt.date
) -> Answer:
    """Note beside each citation of a plan outside its period; say when the named plan is missing."""
    citations = []
    for citation in answer.citations:
        doc = documents.get(citation.chunk.document_id)
        period = outside_period(doc, today) if doc is not None else None
        if period is None:
            citations.append(citation)
            continue
        span = validity(doc.metadata) if doc is not None else None
        ended, upcoming = _PERIOD_NOTE[answer.language]
        note = (ended if span is None or span[1] < today else upcoming).format(period=period)
        citations.append(replace(citation, period_note=note))
    answer = replace(answer, citations=tuple(citations))
    if scope.missing is None:
        return answer
    asked = asked_part(answer.question)
    if scope.mentions and (stated := period_stated(answer.passages, asked, scope.mentions[0])):
        passage, sentence = stated
        return replace(
            answer,
            text=f"{sentence} [1]",
            refused=False,
            citations=(Citation(1, passage.chunk, sentence, passage.score),),
            note=scope.missing_text(answer.language, answered=True),
        )
    if answer.refused:
        return replace(answer, text=scope.missing_text(answer.language, answered=False))
    words = scope.mentions[:1] or scope.mentions_any or ("plan",)
    if ASKS_CONTENT.match(asked) and not states_its_content(answer, *words):
        # The passages only say that the plan holds what was asked, or what another plan says.
        titles = list(dict.fromkeys(c.chunk.title for c in answer.citations))
        where = _MENTIONED_IN[answer.language].format(titles=", ".join(titles))
        text = f"{scope.missing_text(answer.language, answered=False)} {where}"
        return replace(answer, text=text, refused=True, citations=())
    return replace(answer, note=scope.missing_text(answer.language, answered=True))


# "Vilka år gäller ...", "vilken period omfattar ...", "what years does ... cover"
# Not "vilket år", "what year": "Vilket år antogs planen?" asks when it was adopted, not the years it covers.
_ASKS_PERIOD = re.compile(
    r"\b(?:vilka\s+år|vilken\s+(?:tids)?period|(?:what|which)\s+(?:years|period))\b", re.IGNORECASE
)


def period_stated(
    passages: Sequence[ScoredChunk], question: str, word: str, depth: int = 3
) -> tuple[ScoredChunk, str] | None:
    """For a question asking a missing plan's years: a passage's sentence naming that plan with other years.

    "prioriteringar är identifierade i den regionala biblioteksplanen 2021-2024" only points to the plan,
    and still answers "Vilka år gäller Värmlands regionala biblioteksplan?".
    """
    if not _ASKS_PERIOD.search(question):
        return None
    asked = set(_A_YEAR.findall(question))
    for passage in passages[:depth]:
        text = passage.chunk.text
        for start, end in split_sentences(text):
            sentence = text[start:end].strip()
            if any(
                word.casefold() in m[0].casefold() and {m[2], m[3] or m[2]} - asked
                for m in _KIND_YEAR.finditer(sentence)
            ):
                return passage, sentence
    return None


def states_its_content(answer: Answer, *words: str) -> bool:
    """Whether a sentence of the answer speaks of the document (one of ``words``) other than to point to it.

    "Viktiga prioriteringar är identifierade i den regionala biblioteksplanen" points to the plan;
    "Enligt Region Värmlands kulturplan ska ..." speaks of another plan than a biblioteksplan.
    """
    wanted = [w.casefold() for w in words]
    parts = [p.strip() for p in _MARKER.split(answer.text) if p.strip()]
    return any(any(w in p.casefold() for w in wanted) and not _POINTS_TO.search(p) for p in parts)
