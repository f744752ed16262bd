"""What someone said: a question asking what a party said is answered only by a passage quoting that party.

"Vad tyckte Läsrådet på rundabordssamtalet?" is not answered by a page listing Läsrådet among those who
took part, nor by the minister's words on it: the page must say what Läsrådet said ("..., säger X",
"X betonade att ...", "lyfte regionerna att ..."). The verb lists below are the place to extend.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from planbot.chunking import split_sentences
from planbot.lexical import content_stems

# A Swedish question asking what a party said or thought, the party right after the verb, up to the
# preposition that says about what or where ("Vad sa kulturministern om ...", "Vilka insatser berättade
# Kulturrådet om ...", "Vad tyckte Läsrådet och Svensk biblioteksförening på mötet?").
_ASKS_SV = re.compile(
    r"\b(?:vad|vilka|vilken|vilket)\b.{0,60}?\b"
    r"(?:sa|sade|tyckte|tycker|berättade|framförde|menade|betonade|framhöll|påpekade|konstaterade|ansåg"
    r"|föreslog)"
    r"\s+(?P<who>(?:[\w-]+\s+){0,4}?[\w-]+)\s+"
    r"(?:om|på|vid|i|under|när|angående|kring|inför|efter|fram|upp|till)\b",
    re.IGNORECASE,
)
# Not a party: the asker, or a document, whose every sentence says something ("Vad sa propositionen om
# ...?", "Vad föreslog kultursamverkansutredningen ...?": a document word may end a compound).
_ASKERS = frozenset("du ni jag vi man de dom han hon den det".split())
_DOCUMENTS = (
    *("lagen", "förordningen", "propositionen", "planen", "strategin", "dokumentet", "rapporten"),
    *("beslutet", "utredningen", "betänkandet", "texten", "sidan", "pressmeddelandet", "redovisningen"),
)
_AND = re.compile(r"\s*(?:,|\boch\b|\bsamt\b)\s*", re.IGNORECASE)
# A sentence telling what someone said or thought.
_SAYS = re.compile(
    r"\b(?:säger|sade|sa|berättade|berättar|betonade|betonar|framhöll|framhåller|påpekade|påpekar|menade"
    r"|menar|konstaterade|konstaterar|framförde|lyfte|lyfter|tog upp|underströk|understryker|ansåg|anser"
    r"|tyckte|presenterade|redogjorde|diskuterade|diskuterades|lyftes|enligt|föreslog|föreslår)\b",
    re.IGNORECASE,
)


def speaker_asked(question: str) -> str | None:
    """The party whose words a Swedish ``question`` asks for, or None if it asks no such thing.

    English questions name the party in English ("the culture minister"), which the Swedish text does not
    use: a rule for them would refuse what the glossary cannot bridge (measured: one answerable lost).
    """
    m = _ASKS_SV.search(question)
    if m is None:
        return None
    who = m["who"].lower()
    return None if who in _ASKERS or who.endswith(_DOCUMENTS) else m["who"]


def quotes(question: str, passages: Sequence[str]) -> bool:
    """Whether a passage tells what the party ``question`` asks about said.

    A quotation's "säger X" may close its paragraph well after the words picked, so whole passages count.
    """
    who = speaker_asked(question)
    if who is None:
        return True
    # Each party named ("Läsrådet och Svensk biblioteksförening" are two) with all its words, in any
    # inflection: "kulturministern" is "kulturminister Parisa ...", "Kristdemokraternas talesperson" is
    # "talesperson för Kristdemokraterna".
    parties = [content_stems(p) for p in _AND.split(who)]
    parties = [p for p in parties if p]
    if not parties:
        return True  # "Vad sa de om ...?": no one named to look for
    for text in passages:
        for start, end in split_sentences(text):
            sentence = text[start:end]
            if not _SAYS.search(sentence):
                continue
            said = content_stems(sentence)
            if any(p <= said for p in parties):
                return True
    return False
