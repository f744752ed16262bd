"""What a question asks for: a number, an amount, a date, a person's name, or what came of something.

The cue lists below are the place to extend (both languages); keep each pattern a whole phrase.
"""

from __future__ import annotations

import re
from typing import Literal

from planbot.answer.findings import asks_finding
from planbot.lexical import stems

AnswerKind = Literal["amount", "count", "number", "date", "person", "outcome"]
_WORD = re.compile(r"[^\W\d_]+")

MONEY = r"(?:kr|kronor|kronorna|sek|euro|miljon|miljoner|miljard|miljarder|procent|%)"
# How long, or how soon: a length of time is asked for (and, in ``kinds``, must be stated with its unit).
LENGTH = (
    r"(?:hur länge|hur lång tid|hur lång är|hur lång \w*tid|hur snart|inom vilken tid"
    r"|how long|how soon|how quickly)"
)
# Checked in this order: the first kind whose cue matches wins.
_CUES: tuple[tuple[AnswerKind, re.Pattern[str]], ...] = (
    (
        "amount",
        re.compile(
            r"\b(?:vad kostar|vad kostade|vad ska .{1,60} kosta|vad skulle .{1,60} kosta"
            r"|hur mycket (?:pengar|kostar|kostade|betala|satsa|bidrag|anslag|stöd|mer)"
            r"|hur (?:stort|högt|stor|hög|höga|stora) \w*(?:belopp|bidrag|anslag|avgift|ersättning|summa|lön"
            r"|stipendi\w*|pris\w*)"
            r"|hur (?:stort|högt|stor|hög) (?:är|var|blir|blev) (?:\w+ ){0,3}"
            r"(?:stipendi|prissumm|bidrag|belopp|anslag|ersättning)\w*"
            r"|hur många kronor|med hur mycket"
            r"|hur mycket .{1,60}(?:kronor|pengar|bidrag|avgift|kosta|betala|ersättning|lön)"
            r"|what (?:\w+ )?(?:salary|salaries|wage|wages)\b"
            r"|how much (?:money|does|do|did|will|is|was)|what does .{1,60} cost"
            r"|how large is the .{0,40}amount"
            # what a scholarship, a grant or a prize is worth ("How big is the annual scholarship ...?")
            r"|how (?:big|large|high|much) (?:is|was|are|were) (?:the|a|an|its|their) (?:\w+ ){0,4}"
            r"(?:scholarships?|grants?|awards?|prizes?|stipends?)\b"
            r"|(?:vad|hur stor) (?:är|var|blir|blev) (?:\w+ )?budget\w*|what (?:is|was) the (?:\w+ )?budget"
            # a rate: "vad ska man betala per dag", "what fine does a borrower pay per day"
            r"|(?:vad|vilken|what) .{0,60}(?:betala\w*|kosta\w*|pay|pays|cost|costs)"
            r" per (?:dag|vecka|månad|år|day|week|month|year)"
            r"|how much .{1,60}(?:cost|pay|paid|money|fund|grant|fee|kronor)"
            # a rate or a sum named as such: "how much per loan", "the base rate", "i kronor"
            r"|how much (?:per|is the (?:\w+ )?(?:rate|amount|fee|sum))\b"
            r"|\b(?:i|in) (?:svenska )?(?:kronor|sek)\b"
            r"|what (?:is|was) the (?:\w+ ){0,2}(?:price|fee|sum)\b"
            # the size of a grant as a whole: "what is the institute's total annual grant"
            r"|what (?:is|was|will be) .{0,60}\btotal (?:\w+ ){0,3}"
            r"(?:grant|funding|budget|appropriation|amount)s?\b"
            r"|(?:vad|hur stort) (?:är|var|blir|blev) .{0,60}\b(?:totala|sammanlagda) (?:\w+ ){0,2}"
            r"(?:bidrag|anslag|belopp|budget|stöd)\w*"
            r"|(?:vilket|vilken|under vilket|över vilket) (?:pris|belopp|summa)\b)",
        ),
    ),
    (
        # How many of something: a sum of money is not a count ("hur många lån" is not "216 miljoner kronor").
        "count",
        # "hur många procent" asks for a share (below).
        re.compile(
            r"\b(?:hur många(?! procent)|hur stort antal|antalet|how many(?! percent)"
            r"|(?:what (?:was|is) the )?vote count|röstsiffr\w*)\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"\b(?:hur mycket|hur stor (?:del|andel)|hur många procent|how many percent|hur stort antal"
            rf"|{LENGTH}"
            r"|hur (?:stor|stort|stora) |hur gammal|hur ofta|antalet|how much"
            r"|what share|what percentage|how often|how (?:large|big|high))\b"
        ),
    ),
    (
        "date",
        re.compile(
            r"\b(?:vilket år|vilka år|vilket (?:exakt )?datum|vilken (?:exakt )?dag|vilken månad"
            r"|från när|till när|senast när"
            r"|när (?:kan|får|ska) (?:vi|man|jag|de) (?:börja|starta|komma igång)"
            r"|sedan när|(?:(?:vilken|vilket|när) (?:är|var) )?sista (?:dag|dagen|datum)"
            r"|what year|which year|what (?:exact )?date|by when|since when"
            r"|what (?:is|was) the (?:\w+ )?deadline|is there (?:a|any) deadline"
            r"|finns det (?:en |någon )?(?:sista dag|deadline|tidsfrist|ansökningsfrist))\b"
            # "när"/"when" opening the question (not "nu när ..."); "när måste ..." asks for conditions.
            r"|(?:^|[,:;–-]\s*|\b(?:och|men|and|but)\s+)(?:när|when)\s"
            r"(?!(?:måste|får|behöver|kan|bör|ska man|ska vi|räknas|anses"
            r"|can|must|may|should|do we|does a)\b)"
            # "När en bilderbok lånas ut, hur ...": a subject next opens a clause of time, not a question.
            r"(?!(?:en|ett|man|jag|vi|de|dom|den|det|han|hon|ni|du|någon|a|an|the|we|you|they|i|someone"
            r"|allt|alla|allting|inget|ingen|ingenting|något|all|everything|everyone|nothing|it)\b)"
        ),
    ),
    (
        "person",
        re.compile(
            r"\b(?:vem (?:är|var|blir|blev) (?:(?:den )?(?:nuvarande|nya|förra|dåvarande) )?"
            r"(?:chef|direktör|generaldirektör|riksbibliotekarie|ordförande"
            r"|minister|kulturminister|utredare|rektor|bibliotekschef|landshövding|ansvarig tjänsteman)"
            r"|vem (?:fick|vann|leder|heter|var utredare|skrev|har skrivit)|vad heter"
            # whom to turn to: a named person, not the body that has the task
            r"|vem (?:ska|kan|bör|borde) (?:jag|vi|man) "
            r"(?:kontakta|ringa|mejla|maila|vända (?:mig|oss|sig) till)"
            r"|kontaktperson\w*|who (?:should|can|do) (?:i|we) (?:contact|call|email|write to)|contact person"
            r"|vilka personer|vilken person|who wrote|who has written"
            r"|(?:vilken|vilka) (?:statssekreterare|minister|kulturminister|ordförande|generaldirektör)\b"
            r"|which (?:state secretary|minister|chair|director general)\b"
            r"|(?:vilken|vilka) (?:författare|översättare|illustratör\w*)\b"
            r"|which (?:authors?|writers?|translators?)\b"
            # "who is the current national librarian": a role after a few words that place it
            r"|who (?:is|was) the (?:\w+ ){0,3}(?:director|head|chair|chairman|minister|librarian|chief"
            r"|investigator)"
            r"|who (?:is|was) (?:the )?(?:culture |education )?minister"
            r"|who (?:won|received|got|leads|heads|chairs)|what is the name"
            r"|which (?:of (?:the|its) )?members? .{0,60}(?:chair|chairman|chairperson|head|director))"
        ),
    ),
)

# What a report, an assignment or a decision came to. The documents often hold only the assignment
# ("Regeringen ger KB i uppdrag att ..."), which does not say what came of it.
_OUTCOME = re.compile(
    r"\b(?:kom\w* .{0,30}fram till|bestämt sig|beslutat sig|bestämde sig|valde|vad blev"
    r"|har (?:[\w.-]+ ){0,4}?valt"
    r"|blev resultatet"
    # What a report proposed, when the documents may hold only the assignment to write it.
    r"|(?:vad|vilka förslag) (?:föreslog|föreslår|har) .{0,60}"
    r"(?:i sin|i sitt|i sina) \w*(?:redovisning|rapport)\w*"
    r"|what (?:[\w'’-]+ ){0,5}?did .{1,60} (?:propose|recommend|suggest)"
    r" in (?:its|their|the) (?:[\w-]+ ){0,3}?report"
    r"|what did the (?:\w+ )?report .{0,120}(?:propose|recommend|suggest|conclude)"
    r"|vad (?:föreslog|rekommenderade|kom) (?:rapporten|redovisningen|slutredovisningen|delredovisningen)"
    r"|vad (?:kom|blev) det (?:ut )?av"
    # How others solved something: an outcome, not an assignment to find out how ("ska undersöka hur ...").
    r"|how (?:have|has|did) (?:[\w'’-]+ ){1,5}?(?:solved|handled|dealt with|tackled|gone about)"
    r"|hur har (?:[\w.-]+ ){1,5}?(?:löst|hanterat|tacklat|lösts|hanterats)"
    r"|end(?:ed)? up|decided on|did .{0,40} (?:choose|find|conclude)|what came (?:out )?of|the outcome)\b"
)
# "What does X say about" right before a cue: the cue is the question, not a subordinate clause.
_SAYS_ABOUT = re.compile(
    r"^\s*(?:vad (?:säger|sägs|står det|står|anger|skriver)|what does .{1,60} (?:say|state))\b.{0,60}"
    r"\b(?:om|about|on)\s+$"
)
# An interrogative that is not a cue: when it comes first, a later cue is a subordinate clause
# ("vem beslutar hur mycket statsbidrag en region får?" asks who, not how much).
_OTHER_QUESTION = re.compile(r"\b(?:vem|vilka|vilken|vilket|vad|who|which|what)\b")
# A sum asked for by its unit: "in kronor" is no subordinate clause, whatever interrogative comes first.
_IN_KRONOR = re.compile(r"\b(?:i|in) (?:svenska )?(?:kronor|sek)\b")
# "..., and in what year did it join?": a second question joined to the first asks for its own fact.
_JOINED = re.compile(r"(?:,\s*|\s)(?:and|och)\s+(?:in\s+|i\s+)?$")
# "What's the deadline?" asks as "what is the deadline?" does: the cues are written in full.
_CONTRACTION = re.compile(r"\b(what|who|when|where|how|which)['’]s\b")


def answer_kind(question: str) -> AnswerKind | None:
    """The kind of fact ``question`` asks for, or None when it asks for no particular kind."""
    lowered = _CONTRACTION.sub(r"\1 is", " ".join(question.lower().split()))
    if _OUTCOME.search(lowered) or asks_finding(lowered):
        return "outcome"
    found = [(m.start(), kind) for kind, cue in _CUES if (m := cue.search(lowered))]
    if not found:
        return None
    start, kind = min(found, key=lambda f: f[0])
    if _SAYS_ABOUT.search(lowered[:start]):
        return kind  # "vad säger skollagen om hur många ...": the figure is what is asked
    other = _OTHER_QUESTION.search(lowered)
    if other is not None and other.start() < start and not _JOINED.search(lowered[:start]):
        # "What is the base amount in kronor ...?": a unit asks for a sum whatever comes first.
        return "amount" if _IN_KRONOR.search(lowered) else None
    return kind


# The words that ask for a kind of fact rather than say what about: left out of a question's topic.
_CUE_WORDS = frozenset(
    """
    hur mycket många kronor kr pengar summa belopp antal antalet stor stort stora del andel länge lång tid
    ofta gammal när vilket vilken vilka år datum månad vem heter
    how much many money cost costs when who which what year date long often
    längst längsta högst högsta minst minsta lägsta max maximalt mest longest maximum minimum most least
    """.split()
)


def topic(question: str) -> str:
    """The question without the words that ask for the kind of fact ("hur många kronor", "när")."""
    kept = [w for w in _WORD.findall(question.lower()) if w not in _CUE_WORDS]
    # Nothing but the cue ("hur mycket kostar det?"): the question is its own topic.
    return " ".join(kept) if stems(" ".join(kept)) else question.lower()
