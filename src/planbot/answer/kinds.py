"""Whether a sentence holds the fact a question asks for (``cues``): a number, a sum, a date, a name.

A question asking "how many", "how much", "when" or "who is the director" is answered only by a
sentence that holds such a fact; a topical sentence without one means the documents do not answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from planbot.answer.cues import LENGTH, MONEY, AnswerKind
from planbot.answer.findings import asks_finding, states_finding
from planbot.answer.roles import names_what_is_asked
from planbot.answer.timing import of_the_time_asked
from planbot.chunking import split_sentences
from planbot.records import ScoredChunk

_NUMBER_WORDS = frozenset(
    """
    två tre fyra fem sex sju åtta nio tio elva tolv tretton fjorton femton sexton sjutton arton nitton
    tjugo trettio fyrtio femtio sextio sjuttio åttio nittio hundra tusen hälften dubbelt
    tredje fjärde femte sjätte sjunde åttonde nionde tionde tjugonde trettionde fyrtionde
    femtionde sextionde sjuttionde åttionde nittionde hundrade miljon miljoner miljard miljarder procent
    two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty seventy
    eighty ninety hundred thousand million billion half twice percent
    """.split()
)
_MONTHS = (
    r"januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
    r"|january|february|march|may|june|july|august|october"
)
# Numbers that are references, not facts: "4 §", "8 och 9 §§", "2 kap.", "(2013:801)", "SOU 2021:3",
# "prop. 2012/13:147", EU acts "(EU) 2016/679" and "direktiv 95/46/EG", a paragraph's item ("andra stycket 2",
# "punkt 3").
_REFERENCE = re.compile(
    r"\d+\s*(?:[a-z]\s*)?(?:(?:,|och|eller|–|-)\s*\d+\s*(?:[a-z]\s*)?)*§|\d+\s*kap\b|\d{4}:\d+"
    r"|\bstycket\s+\d+|\bpunkt(?:en|erna)?\s+\d+"
    r"|\d{4}/\d{2}:\d+|\b\d{4}/\d+|\b\d{2,4}/\d+/E[GU]+\b|\b(?:sfs|sou|ds|prop\.?)\s*\d+",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_DIGITS = re.compile(r"\d+(?:[ ,.]\d+)*")
_WORD = re.compile(r"[^\W\d_]+")
_MONEY_RE = re.compile(rf"\b{MONEY}(?!\w)|%", re.IGNORECASE)
_MONTH_RE = re.compile(rf"\b(?:{_MONTHS})\b", re.IGNORECASE)
# Two capitalised words in a row ("Mats Svegfors"), the shape of a person's name.
_NAME = re.compile(r"\b[A-ZÅÄÖÉ][a-zåäöéü]+(?:[- ][A-ZÅÄÖÉ][a-zåäöéü]+)+\b")


_ASSIGNMENT = re.compile(
    r"\b(?:i uppdrag|uppdraget|ska (?:\w+ ){0,4}(?:redovisa|lämna|ta fram|föreslå|analysera|arbeta|utreda"
    r"|undersöka|kartlägga|utvärdera|se över|följa upp|granska|överväga)"
    r"|föreslås|asked to|tasked with)\b",
    re.IGNORECASE,
)

_DAY = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\b", re.IGNORECASE)
# A question asking for the day itself, not the year.
_ASKS_DAY = re.compile(
    r"\b(?:vilket (?:exakt )?datum|vilken (?:exakt )?dag|what (?:exact )?date|which date|on what day"
    r"|which day)\b"
)
_ISO_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")
# Large sums in words after a number: "2 miljoner", "1 miljard", "5 million".
_MILLIONS = r"(?:miljoner|miljarder|miljon|miljard|million|billion)"
_SUM = re.compile(
    rf"\d[\d ,.]*\s*(?:{_MILLIONS}(?:\s*(?:kr|kronor))?"
    r"|kr|kronor|sek|euro)\b"
    # "en halv miljard kronor", "två miljoner": a sum in words
    r"|\b(?:(?:en|ett|två|tre|fyra|fem|tio)\s+)?(?:halv\s+)?(?:miljon|miljoner|miljard|miljarder)\s*(?:kr|kronor)\b",
    re.IGNORECASE,
)
# "hur länge ...?", "hur lång är lånetiden?": a length of time, stated with its unit.
_ASKS_LENGTH = re.compile(rf"\b{LENGTH}\b")
# A time limit: "inom en vecka", "within six months" ("en" is a number only here).
_WITHIN = re.compile(
    r"\b(?:inom|within) [^\W_]+ (?:vecka|veckor|dag|dagar|månad|månader|år|weeks?|days?|months?"
    r"|years?)\b",
    re.IGNORECASE,
)
# An end date: "till den 27 mars 2024", "until 1 March" (not a deadline: "senast den ...").
_UNTIL = re.compile(
    rf"\b(?:till och med|till|until|through)\s+(?:den\s+)?\d{{1,2}}\s+(?:{_MONTHS})\b", re.IGNORECASE
)
# "Hur ofta ...?" is answered by how often: "årligen", "två till tre gånger per år", "två år i taget".
_ASKS_FREQUENCY = re.compile(r"\b(?:hur ofta|how often)\b")
_FREQUENCY = re.compile(
    r"\b(?:årligen|årlig\w*|varje\s+(?:år|månad|vecka|kvartal|termin)|(?:per|om|i)\s+(?:året|år|månaden|månad"
    r"|veckan|vecka|kvartal)|\w+\s+år\s+i\s+taget|varannan|vartannat|var\w*\s+\w+(?:e|de)\s+(?:år|månad|vecka)"
    r"|månadsvis|kvartalsvis|veckovis|gånger?\s+(?:per|om|i|varje)\b"
    r"|annually|yearly|every\s+(?:\w+\s+)?(?:years?|months?|weeks?)|(?:a|per)\s+(?:year|month|week))",
    re.IGNORECASE,
)
_TIME_UNIT = re.compile(
    r"\b(?:år|året|åren|månad\w*|dag|dagar|dagarna|vecka|veckor|timm\w*|minut\w*"
    r"|years?|months?|weeks?|days?|hours?|minutes?)\b",
    re.IGNORECASE,
)
# "hur många timmar ...": a count of that thing ("tre år" for "hur många år"); up to the verb, so that
# "hur många exemplar får ..." counts copies, not anything followed by "får". A verb right after "hur
# många" ("hur många sitter i styrelsen?") counts people, and any new number answers.
_VERB = (
    r"(?:får|ska|skall|måste|kan|har|finns|behöver|bör|är|var|blir|sitter|arbetar|jobbar|bor|går|kommer"
    r"|deltar|ingår|lånar|besöker|använder|behövs|krävs|brukar|hade|fick)\b"
)
_COUNTED = re.compile(rf"\bhur många ((?:(?!{_VERB})[^\W\d_]{{2,}}\s*){{1,2}})")
_CURRENCY = re.compile(r"\b(?:kr|kronor|sek|euro)\b", re.IGNORECASE)
_KRONOR, _EURO = r"\b(?:kr|kronor|sek)\b", r"\beuro\b"
# Words of organisations, not people: "Region Värmland" is no answer to "who is the director".
_ORGANISATION = frozenset(
    "region regionen regeringen statens kungliga kungl myndigheten sveriges svensk svenska svenskt "
    "kommun rådet nordiska riksdagen kulturrådet läsrådet skolverket läsrörelsen".split()
)


# "Hur stor procent / andel ...?": a share, stated as one ("30 procent", "hälften"), not any figure.
_ASKS_SHARE = re.compile(r"\b(?:procent|andel|andelen|hur stor del|percentage|what share|what proportion)\b")
_SHARE = re.compile(
    r"%|\b(?:procent|hälften|halva|tredjedel\w*|fjärdedel\w*|femtedel\w*|tiondel\w*|var (?:annan|tredje"
    r"|fjärde|femte|tionde)|per ?cent|half|third|quarter)\b",
    re.IGNORECASE,
)
# "kulturplan 2022-2025": a document's period, which says when a plan applies, not when anything else
# happened ("När invigdes de nya lokalerna?").
_PLAN_PERIOD = re.compile(
    r"\b\w*(?:plan|planen|strategi|strategin|program|programmet)\s+(?:19|20)\d\d\s*[-–]\s*(?:19|20)?\d\d\b",
    re.IGNORECASE,
)
_ASKS_PLAN = re.compile(r"plan|strategi|program")

# "1. ersättning ...", "2. avgift ...": the number of a list item, not a fact.
_ENUMERATOR = re.compile(r"(?<![\d.,])\b\d{1,2}[.)]\s+(?=[a-zåäö])")


def _facts(text: str) -> str:
    """``text`` with reference numbers and list numbering blanked out."""
    return _ENUMERATOR.sub(" ", _REFERENCE.sub(" ", text))


def _is_person(name: str, question: str) -> bool:
    """Whether a capitalised run looks like a person's name the question does not already hold."""
    parts = re.split(r"[- ]", name.lower())
    asked = {w[:5] for w in _WORD.findall(question.lower())}
    return not any(p in _ORGANISATION or p[:5] in asked for p in parts)


def _numbers(text: str, *, years: bool) -> set[str]:
    raw = [m.group() for m in _DIGITS.finditer(_facts(text))]
    # "2 000 lån" is a number written with a thousands space, not the year 2000.
    found = {n.replace(" ", "") for n in raw if years or not _YEAR.fullmatch(n)}
    return found | {w for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS}


# A year that dates a document the question names ("the 2013 bill", "propositionen från 2013", "2013 års
# proposition"), not the year a figure is asked for.
_DOCUMENT_YEAR = re.compile(
    r"\b(?:1[89]|20)\d\d(?: års)? (?:\w+ ){0,2}(?:bill|act|law|report|strategy|inquiry|proposition\w*|lag\w*"
    r"|rapport\w*|strategi\w*|utredning\w*|betänkande\w*)\b"
    r"|\b(?:bill|act|law|report|strategy|inquiry|propositionen|\w*lagen|rapporten|\w*strategin|utredningen"
    r"|betänkandet) (?:från|of|from) (?:år )?(?:1[89]|20)\d\d\b"
    # "litteraturpropositionen 2013": the year right after the document's name
    r"|\b\w*(?:propositionen|rapporten|strategin|utredningen|betänkandet) (?:1[89]|20)\d\d\b",
    re.IGNORECASE,
)


def _after_a_number(text: str, at: int) -> bool:
    """Whether a number comes just before ``at``: "100 kr", "två miljoner kronor", not "kr inggående"."""
    before = text[max(0, at - 24) : at].lower()
    return bool(re.search(r"\d", before)) or any(w in _NUMBER_WORDS for w in _WORD.findall(before)[-3:])


# A question about a change ("hur mycket höjdes", "med hur mycket", "how much was it raised").
_ASKS_CHANGE = re.compile(
    r"\b(?:höj\w*|ök\w*|minsk\w*|sänk\w*|förstärk\w*|skär\w* ned|med hur mycket|increase\w*|raise\w*|rise"
    r"|rose|cut|reduc\w*|change\w*|mer|more|extra|ytterligare|additional|dras av|avdrag\w*|deduct\w*)\b"
)
# A question asking only for the change: "med hur mycket höjdes ...", "by how much did ... rise".
_ASKS_BY_HOW_MUCH = re.compile(
    r"\b(?:med hur mycket|by how much|hur mycket (?:\w+ ){0,5}(?:höjdes|höjs|ökade|ökar|ökas|sänktes|sänks"
    r"|minskade|minskar|minskas)|how much (?:\w+ ){0,6}(?:rais|increas|ris|cut|reduc)\w*)\b"
)
# ... unless it asks for the level after it: "hur stort är bidraget totalt, efter höjningen?"
_ASKS_TOTAL = re.compile(r"\b(?:totalt|sammanlagt|sammanlagda|i dag|idag|nu|total|in total|altogether|now)\b")
# An amount stated as a change: "en ökning av det årliga bidraget med 6 miljoner kronor", "raised by 5 %".
_CHANGE = re.compile(
    r"\b(?:ökning\w*|höjning\w*|ökas|ökar|ökade|höjs|höjdes|höjer|minskas|minskar|minskade|minskning\w*"
    r"|sänks|sänktes|sänkning\w*|förstärks|förstärkning\w*|increased?|raised?|cut|reduced?)\b"
    rf"[^.]{{0,60}}?\b(?:med|by)\s+\d[\d ,.]*\s*(?:{_MILLIONS}\s*)?"
    r"(?:kr|kronor|sek|euro|procent|percent|%)?",
    re.IGNORECASE,
)
# An amount asked per item ("per kopierad sida", "per librarian"), not per period of time: a total does not
# answer it, only a rate ("per", "för varje", "each").
_PER_ITEM = re.compile(
    r"\b(?:per|varje|each|every) "
    r"(?!(?:dag|dagen|vecka|veckan|månad|månaden|år|året|timme|timmen|day|week|month|year|hour)\b)\w+"
)
_RATE = re.compile(r"\bper\b|\bför varje\b|\bvarje\b|\beach\b|\bapiece\b", re.IGNORECASE)


def counts_a_noun(question: str) -> bool:
    """Whether a how-many question names what it counts ("hur många lån ..."), which a sentence must count."""
    return bool(_COUNTED.search(question.lower()))


# What the asker's own body may get ("hur mycket statsbidrag kan vi få?"), and a sum one may get: a rate
# or a ceiling ("högst 50 000 kronor", "up to").
_OWN_SHARE = re.compile(
    r"\b(?:kan|får|ska) (?:vi|jag) (?:få|söka)\b|\bcan (?:we|i) (?:get|receive|apply for)\b"
    r"|\b(?:will|would|do|does|could) (?:we|i|my \w+|our \w+) (?:get|receive)\b"
)
_CAP = re.compile(r"\b(?:högst|upp till|maximalt|max|som mest|at most|up to|a maximum of)\b", re.IGNORECASE)
# "den gamla bibliotekslagen" against "den nya bibliotekslagen": another edition of what is asked about.
_OLD = re.compile(r"\b(?:gamla|tidigare|förra|föregående|old|previous|former|earlier)\s+(\w+)")
_NEW = re.compile(r"\b(?:nya|new)\s+(\w+)", re.IGNORECASE)


def _another_edition(sentence: str, question: str) -> bool:
    """Whether the question asks about an old edition of something the sentence names as new."""
    old = {m.group(1)[:6] for m in _OLD.finditer(question.lower())}
    return bool(old) and any(m.group(1).lower()[:6] in old for m in _NEW.finditer(sentence))


# A year named relative to the one the question is asked in, and how far from it.
_RELATIVE_YEARS = (
    (re.compile(r"\b(?:förra året|förra årets|i fjol|fjolårets|last year|the previous year)\b", re.I), -1),
    (re.compile(r"\b(?:i år|innevarande år|this year)\b", re.I), 0),
    (re.compile(r"\b(?:nästa år|nästa års|next year)\b", re.I), 1),
)


def dated(question: str, this_year: int) -> str:
    """``question`` with the year each relative year means after it: "förra året" -> "förra året (2025)"."""
    for pattern, offset in _RELATIVE_YEARS:
        question = pattern.sub(rf"\g<0> ({this_year + offset})", question)
    return question


def years_in(text: str) -> set[str]:
    """The years a text names, not those inside references ("dir. 2022:103", "SOU 2023:58")."""
    return set(_YEAR.findall(_REFERENCE.sub(" ", text)))


def asked_years(question: str) -> set[str]:
    """The years a question asks about ("2023"), not those dating a document it names ("the 2013 bill")."""
    return set(_YEAR.findall(_DOCUMENT_YEAR.sub(" ", question)))


def holds(kind: AnswerKind, sentence: str, question: str = "") -> bool:
    """Whether ``sentence`` holds a fact of ``kind`` that ``question`` does not already state."""
    if kind == "outcome":
        # What a report concluded is a sentence stating a finding, not its deadline or publication date.
        return not _ASSIGNMENT.search(sentence) and (not asks_finding(question) or states_finding(sentence))
    if _another_edition(sentence, question):
        return False  # "den nya bibliotekslagen" says nothing of the old one asked about
    if kind == "date" and not of_the_time_asked(sentence, question):
        return False  # a publication, a deadline or a superseded date, where another time is asked
    if kind in ("person", "date") and not names_what_is_asked(sentence, question):
        return False
    if kind == "person":
        return any(_is_person(m.group(), question) for m in _NAME.finditer(sentence))
    text = _facts(sentence)
    years = asked_years(question)
    if kind != "date" and years and not years & set(_YEAR.findall(text)):
        return False  # a sum for 2023 does not answer "how much in 2024?"
    if kind != "date":
        text = _DAY.sub(" ", text)  # "1 juli" is a date, not a quantity
    if kind == "count":
        text = _SUM.sub(" ", text)
    if kind in ("amount", "number") and (
        _ASKS_TOTAL.search(question.lower()) or not _ASKS_CHANGE.search(question.lower())
    ):
        # "en ökning av bidraget med 6 miljoner kronor" says by how much, not how large the grant is.
        text = _CHANGE.sub(" ", text)
    new_numbers = _numbers(text, years=kind == "date") - _numbers(question, years=True)
    by_how_much = kind in ("amount", "number") and _ASKS_BY_HOW_MUCH.search(question.lower())
    if by_how_much and not _CHANGE.search(text):
        return False  # "med hur mycket höjdes ...?" is not answered by how large it is
    if kind == "amount":
        if _PER_ITEM.search(question.lower()) and not _RATE.search(text):
            return False  # "433 miljoner kronor årligen" is not what is paid per librarian or per page
        if _OWN_SHARE.search(question.lower()) and not (_RATE.search(text) or _CAP.search(text)):
            return False  # "Hur mycket kan vi få?" is not answered by what the whole reform costs
        # "i kronor" asks for a sum of money; a percentage does not answer it.
        # "in kronor" is not answered by a sum in euro: the currencies the question names, if it names any.
        named = {_KRONOR if c.lower() != "euro" else _EURO for c in _CURRENCY.findall(question)}
        unit = re.compile("|".join(sorted(named)), re.IGNORECASE) if named else _MONEY_RE
        return bool(new_numbers) and any(_after_a_number(text, m.start()) for m in unit.finditer(text))
    if kind == "count" and (counted := _COUNTED.search(question.lower())):
        # Swedish text counts in the question's own noun phrase ("hur många nya titlar": "150 nya titlar"):
        # a number with one of those words among the next three.
        asked = counted.group(1).split()
        nouns = {w[:4] for w in asked}
        low = text.lower()
        for m in re.finditer(r"\d+(?:[ ,.]\d+)*|[^\W\d_]+", low):
            if m.group().replace(" ", "") not in new_numbers and m.group() not in _NUMBER_WORDS:
                continue
            following = _WORD.findall(low[m.end() : m.end() + 60])[:3]
            # The same word, or the head of the question's compound ("2 000 lån" for "hur många utlån").
            if any(w[:4] in nouns or any(len(w) > 2 and a.endswith(w) for a in asked) for w in following):
                return True
        return False
    if kind == "number" and _ASKS_FREQUENCY.search(question.lower()):
        return bool(_FREQUENCY.search(sentence))  # a sum or a count says nothing of how often
    if kind == "number" and _ASKS_LENGTH.search(question.lower()):
        # "tre år", not "40 miljoner årligen"; or the day it lasts until ("på remiss till den 27 mars 2024").
        return (
            (bool(new_numbers) and bool(_TIME_UNIT.search(text)))
            or bool(_UNTIL.search(sentence))
            or bool(_WITHIN.search(sentence))
        )
    if kind == "number" and _ASKS_SHARE.search(question.lower()):
        return bool(_SHARE.search(text))
    if kind in ("count", "number"):
        return bool(new_numbers)
    if not _ASKS_PLAN.search(question.lower()):
        text = _PLAN_PERIOD.sub(" ", text)
    if _ASKS_DAY.search(question.lower()):
        # "Vilket datum ...?" is not answered by a year or a period ("kulturplan 2022-2025").
        return bool(_DAY.search(text) or _ISO_DATE.search(text))
    # A date: a year, a month, or (for "how long") a stated length of time.
    return bool(
        set(_YEAR.findall(text)) - set(_YEAR.findall(question))
        or _MONTH_RE.search(text)
        or (
            new_numbers and re.search(r"\b(?:år|månad|månader|dag|dagar|vecka|veckor|years?|months?)\b", text)
        )
    )


# A Swedish question about what something holds or did, not about what is to be done: no modal, no task.
_ASKS_TASK = re.compile(
    r"\b(?:ska|skall|skulle|bör|borde|måste|får|fick|kan|kunde|vill|tänker|planera\w*|\w*uppdrag\w*"
    r"|\w*förslag\w*|föresl\w*|syfte\w*|mål|målet|tanken|meningen)\b"
)
# A sentence that only announces that something is to be made: the thing's content is not in it.
_ANNOUNCES = re.compile(
    rf"{_ASSIGNMENT.pattern}"
    r"|\b(?:uppdraget|ges i uppdrag|får i uppdrag|kommer att|(?:ska|skall) (?:\w+ ){0,2}tas fram"
    r"|föreslår|framtagande\w*)\b",
    re.IGNORECASE,
)
# "Vilka titlar ...", "Vilka e-boksleverantörer ...": the things asked for.
_WHICH_THING = re.compile(r"^\s*(?:vilka|vilken|vilket)\s+(?:\w+-)*[^\W\d_]{4,}")


def announces_only(question: str, sentences: Sequence[str]) -> bool:
    """Whether a Swedish question on what something holds is answered only by announcements of it."""
    low = " ".join(question.lower().split())
    if not _WHICH_THING.match(low) or _ASKS_TASK.search(low):
        return False
    stated = [s for s in sentences if not s.rstrip().endswith(":")]  # a list's lead-in states nothing
    return bool(stated) and all(_ANNOUNCES.search(s) for s in stated)


def facts_first(
    kind: AnswerKind, question: str, passages: Sequence[ScoredChunk], bonus: float, depth: int
) -> list[ScoredChunk]:
    """The passages with those of the first ``depth`` that state a fact of ``kind`` raised by ``bonus``."""
    head = [
        replace(p, score=p.score + bonus) if _states(kind, p.chunk.text, question) else p
        for p in passages[:depth]
    ]
    return sorted(head, key=lambda p: -p.score) + list(passages[depth:])


def _states(kind: AnswerKind, text: str, question: str) -> bool:
    return any(holds(kind, text[start:end], question) for start, end in split_sentences(text))
