"""A message's questions: the two or three questions asked in one message, each able to stand alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from planbot.lexical import STOPWORDS, content_stems, stems, words

# Words that open a question of its own after "och"/"and" ("..., och vem ansvarar för ...?").
_OPENERS_SV = (
    "vad|vem|vems|vilka|vilken|vilket|hur|när|var|varför|vart|finns|får|måste|ska|skall|kan|gäller|behöver"
    "|har|är"
)
_OPENERS_EN = "what|who|whom|whose|which|how|when|where|why|is|are|does|do|can|must|should|may"
# The joint between two questions in one sentence: "..., och vad ...", "... och hur ...", "...; and who ...".
_JOINT = re.compile(
    rf"(?:,\s*|;\s*|\s+)(?:och|samt|men|and|but)\s+(?=(?:{_OPENERS_SV}|{_OPENERS_EN})\b)",
    re.IGNORECASE,
)
# A sentence that asks, though it may lack its "?": "Och vad gäller för skolbiblioteken".
_OPENS_QUESTION = re.compile(
    rf"^\s*(?:(?:och|samt|men|and|but|also)\s+)?(?:{_OPENERS_SV}|{_OPENERS_EN})\b", re.IGNORECASE
)
# The earlier question's key words a chat follow-up is searched with ("... ? (bibliotek värmland)").
_CARRIED = re.compile(r"\s+(\([^()]*\))\s*$")
# Sentence ends: ?, ! or . followed by space and a capital or a digit.
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+(?=[A-ZÅÄÖ0-9\"'“])")
# "... och hur de används", "... och hur planerna används", "... and how the plans are used": a question
# word before its subject opens a clause of the question, not a new one. A Swedish question puts its verb
# straight after "hur", "när", "vad" ... ("hur används planerna"); an English one its auxiliary.
_INDIRECT = re.compile(
    r"^(?:vad|vem|vilka|vilken|vilket|hur|när|var|varför|vart|what|who|which|how|when|where|why)\s+"
    r"(?:de|dom|den|det|han|hon|vi|man|jag|ni|du|they|it|we|you|he|she"
    r"|the|a|an|this|that|these|those|its|their|our|his|her)\b",
    re.IGNORECASE,
)
# "har"/"är" open a question only before its subject ("och har KB fått ...?", not "och är skyddade").
_HAVE_BE = re.compile(
    r"^(?:har|är)\s+(?!(?:de|dom|den|det|han|hon|vi|man|jag|ni|du|en|ett|någon|några|alla|[A-ZÅÄÖ]\w*)\b)",
)
_ADVERB_FIRST = re.compile(r"^(?:hur|när|var|varför|vart|vad|vem)\s+(?P<next>[\wåäö]+)", re.IGNORECASE)
# Words that may follow "hur" in a question of its own: "hur många ...", "hur länge ...".
_DEGREE = frozenset(
    "många mycket länge ofta stor stort stora lång långt höga hög högt gammal snart tidigt sent".split()
)
# Finite verbs that do not end in -r or -s ("ska", "kan", "måste" ...).
_FINITE = frozenset(
    "ska skall skulle kan kunde måste bör borde vill ville hade fick gick kom tog blev gjorde var sa".split()
)


def _finite(word: str) -> bool:
    """Whether a lower-cased Swedish word reads as a finite verb: -r, -s, -de, -te, or one of ``_FINITE``."""
    return word in _FINITE or word.endswith(("r", "s", "de", "te"))


def _subordinate(piece: str) -> bool:
    """Whether a piece after "och" is a clause of the question before it, not a question of its own."""
    if _INDIRECT.match(piece) or _HAVE_BE.match(piece):
        return True
    m = _ADVERB_FIRST.match(piece)
    if m is None:
        return False
    after = m["next"].lower()
    # "hur används planerna", "när började lagen gälla": a verb next (-r, -s, -de, -te, or one above).
    return not (after in _DEGREE or _finite(after))


# Words that point back at the part before ("den rätten", "dem", "it").
ANAPHORA = frozenset(
    {
        *("dem", "det", "den", "de", "denna", "detta", "dessa", "dess", "deras", "där", "dit", "dom"),
        *("it", "its", "they", "them", "their", "there", "those", "these", "that", "this", "he", "she"),
    }
)
# Phrases that lean on the part before as a pronoun does ("får hon i så fall ...").
LEANING_PHRASES = ("i så fall", "i sådana fall", "in that case", "if so")
MAX_PARTS = 3
# A part with this many content words or fewer leans on the part before it ("och vem för skolbiblioteken?").
SHORT_PART = 1
# A chat message with this many content words or fewer is an ellipsis ("Och för högskolebiblioteken?").
SHORT_QUESTION = 2
# Words carried from the part before into a part that leans on it, so an old topic cannot swamp it.
MAX_CARRIED = 8
# An ellipsis replaces one thing of the part before ("Och en översättare?" after "... en författare ..."):
# a word ending like a new word is that thing, so it is not carried.
SHARED_ENDING = 4
# Small words the stopword list lets through that carry no topic.
FILLER = frozenset(
    {"en", "då", "nu", "ju", "okej", "ok", "has", "have", "had", "been", "asked", "get", "got"}
)


# A short question of its own: one asking what a term means ("Vad är upphovsrätt?", "What is Legimus?";
# not "What is the fee?", which means the fee asked about before),
# or one with its verb straight after the question word and a name ("Vem leder Läsrådet?"). An ellipsis
# has no verb there ("vem för skolbiblioteken?"); "Vem är ordförande?" or "Vilka kommuner ingår?" name
# no one in particular and mean the body or the matter asked about before.
_DEFINING = re.compile(
    r"^\s*(?:vad (?:är|betyder|innebär|menas med|avses med)|what (?:is|are|does)|what's)\s+(?!the\b)\S",
    re.IGNORECASE,
)
_ASKS_WITH_VERB = re.compile(
    r"^\s*(?:vad|vem|vems|var|när|varför|what|who|whose|where|when|why)\s+(?P<verb>[^\W\d_]+)\s+\S",
    re.IGNORECASE,
)
# Words after the question word that end like a verb but are not one ("vem för ...").
_NOT_VERBS = frozenset("för efter under över mellan utanför inför bakom".split())
_EN_VERBS = frozenset("is are was were does do did can must should may has have will".split())
# Words that say the question goes on from the one before ("också", "samma", "as well").
_ALSO = frozenset("också även heller samma too also either same instead".split())
# A name: a capital not opening the question ("Läsrådet"), or an acronym ("KB").
_NAME = re.compile(r"(?<=\s)[A-ZÅÄÖ][\w-]+|\b[A-ZÅÄÖ]{2,}\b")


def stands_alone(question: str) -> bool:
    """Whether a short question asks about a thing of its own, needing nothing from the one before.

    "Vad är Legimus?" after a question about fees asks about Legimus alone; carrying the fee question's
    words into it ("Vad är Legimus? (avgifter)") pulls the search back to fees.
    """
    toks = words(question)
    if any(t in ANAPHORA or t in _ALSO for t in toks) or any(p in " ".join(toks) for p in LEANING_PHRASES):
        return False
    if _DEFINING.match(question):
        return True
    m = _ASKS_WITH_VERB.match(question)
    if m is None or not _NAME.search(question[m.end("verb") :]):
        return False
    verb = m["verb"].lower()
    return verb in _EN_VERBS or (verb not in _NOT_VERBS and _finite(verb))


def _same_ending(a: str, b: str, size: int = SHARED_ENDING) -> bool:
    """Whether two different words end alike (författare/översättare, folk-/skolbiblioteken)."""
    return a != b and min(len(a), len(b)) > size and a[-size:] == b[-size:]


def key_terms(earlier: str, message: str) -> list[str]:
    """The earlier question's content words (as written) that the message neither contains nor replaces."""
    have = content_stems(message)
    new_words = [w for w in words(message) if w not in STOPWORDS and w not in FILLER]
    elliptic = len(have) <= SHORT_QUESTION
    out: list[str] = []
    seen: set[str] = set()
    for word in words(earlier):
        stem = stems(word)
        if word in STOPWORDS or word in FILLER or not stem or len(stem[0]) < 2 or stem[0] in STOPWORDS:
            continue
        if stem[0] in have or stem[0] in seen:
            continue
        if elliptic and any(_same_ending(word, w) for w in new_words):
            continue
        seen.add(stem[0])
        out.append(word)
    return out[:MAX_CARRIED]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def _is_question(sentence: str) -> bool:
    # "När vi lånar ut e-böcker betalar vi per lån." opens like a question but ends as a statement.
    end = sentence.rstrip()[-1:]
    return end == "?" or (end not in ".!" and bool(_OPENS_QUESTION.match(sentence)))


def asked_part(message: str) -> str:
    """The sentences of a message that ask something; the message itself when none or all of them do.

    "En låntagare vill veta vad det kostar. Hur hög avgift får biblioteket ta ut?" asks for an amount:
    what the context sentence says ("vad det kostar") describes the situation, not the question.
    """
    sentences = _sentences(message)
    asked = [s for s in sentences if _is_question(s)]
    return " ".join(asked) if asked and len(asked) < len(sentences) else message


def _clauses(sentence: str) -> Iterator[str]:
    """A question sentence cut where a second question starts ("A, och vad B?" gives "A?" and "vad B?")."""
    pieces = _JOINT.split(sentence)
    current = pieces[0]
    for piece in pieces[1:]:
        # Each side must ask about something of its own: "Vilka ska prioriteras och varför?" is one question.
        if content_stems(current) and content_stems(piece) and not _subordinate(piece):
            yield current
            current = piece
        else:
            current = f"{current} och {piece}"
    yield current


def _as_question(clause: str) -> str:
    """A clause as a question of its own: capitalised, ending in "?"."""
    text = re.sub(r"^(?:och|samt|men|and|but|also)\s+", "", clause.strip(), flags=re.IGNORECASE)
    text = text.rstrip(" ,;.!?") + "?"
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Asked:
    """One question of a message: as shown to the reader, and as searched (with the message's context)."""

    question: str
    query: str


def split_questions(message: str) -> list[Asked]:
    """The questions a message asks, each searchable alone; one item when it asks one thing.

    The message's other sentences ("Vi har en elev med dyslexi.") are context every question needs, so
    each query keeps them; a question that leans on the one before ("och vem för skolbiblioteken?", "vad
    innebär den rätten?") gets that one's key words, as a follow-up in a chat does.
    """
    one = [Asked(message, message)]
    # A chat follow-up comes rewritten with the earlier question's key words in brackets at the end:
    # they are every part's topic, as the situation told before the questions is.
    bracketed = _CARRIED.search(message)
    body = message[: bracketed.start()] if bracketed else message
    sentences = _sentences(body)
    asked = [s for s in sentences if _is_question(s)]
    clauses = [c for s in asked for c in _clauses(s)]
    if len(clauses) < 2 or not content_stems(clauses[0]):
        return one
    shown: list[str] = []
    searched: list[str] = []
    for clause in clauses:
        if shown and not content_stems(clause):
            # "Och varför?" adds no topic of its own: it stays with the question before.
            why = _as_question(clause)
            why = why[:1].lower() + why[1:]
            shown[-1] = f"{shown[-1].rstrip('?')} – {why}"
            searched[-1] = f"{searched[-1].rstrip('?')} – {why}"
            continue
        part = _as_question(clause)
        query = part
        lowered = " ".join(words(part))
        leans = (
            (len(content_stems(part)) <= SHORT_PART and not stands_alone(part))
            or any(w in ANAPHORA for w in words(part))
            or any(phrase in lowered for phrase in LEANING_PHRASES)
        )
        if shown and leans and (carried := key_terms(searched[-1], part)):
            query = f"{part} ({' '.join(carried)})"
        shown.append(part)
        searched.append(query)
    if not 2 <= len(shown) <= MAX_PARTS:
        # More than three questions in one message are searched as one, as before, not half answered.
        return one
    context = " ".join(s for s in sentences if not _is_question(s))
    topic = bracketed.group(1) if bracketed else ""
    return [
        Asked(q, " ".join(filter(None, (context, s, topic)))) for q, s in zip(shown, searched, strict=True)
    ]
