"""Who a sum is asked to have gone to: "hur mycket av de 40 miljonerna gick till Värmland?".

The model's 1,6 miljarder in all does not say how much went to the regional libraries, nor what the
municipalities themselves would get: a sentence stating such a part must name its recipient.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")

# A part of a sum asked for by where it went: "hur mycket av de 40 miljonerna gick till Värmland?"
# ("gå till att läsa mer" names a purpose, not a recipient).
_SHARE_TO = re.compile(
    r"\b(?:hur (?:mycket|stor (?:del|andel)|stora delar) av|how much of|what (?:share|part|proportion) of)\b"
    r".{1,80}?\b(?:går|gick|gått|gå|tilldelas|tilldelades|goes|went|go|gone|going|allocated)"
    r"\s+(?:till|to|towards?)\s+(?!att\b)(?P<to>[^?.!,;]+)"
)

# ... or by who gets it: "how much would municipalities themselves get?", "hur mycket skulle kommunerna
# själva få?" (not the asker: what "we" can get is a rate or a ceiling, checked in ``kinds``).
_GETS = re.compile(
    r"\bhow much (?:\w+ ){0,2}?(?:would|will|do|does|did|could|can|should|might) (?:the |each )?"
    r"(?!(?:we|i|you|they|it|our|my)\b)(?P<to>[^\W\d_]+(?: [\w'’-]+){0,5}?) (?:themselves |each )?"
    r"(?:get|receive|be given)\b"
    r"|\bhur mycket (?:\w+ ){0,2}?(?:skulle|ska|kan|kommer) (?!(?:vi|jag|du|ni|de|den|det|man)\b)"
    r"(?P<sv>[^\W\d_]+) (?:själva |var )?(?:att )?(?:få|tilldelas)\b"
)


# ... or by whose it is: "What is Svenska barnboksinstitutet's total annual grant?" (a name, capitalised).
_WHOSE = re.compile(
    r"\b(?!(?:What|How|Which|Who|When|Is|Are|Does|Did|Was|Were|Will|Can)\b)"
    r"(?P<to>[A-ZÅÄÖ][\w-]*(?: [\w-]+){0,3}?)['’]s (?:[\w-]+ ){0,3}?"
    r"(?:grant|funding|budget|subsidy|allocation|appropriation)s?\b"
)


def recipient(question: str) -> str:
    """Who or what a part of a sum is asked to have gone to ("" when the question asks no such part)."""
    low = question.lower()
    if match := _SHARE_TO.search(low):
        return " ".join(_WORD.findall(match.group("to")))
    if match := _GETS.search(low):
        return match.group("to") or match.group("sv")
    if match := _WHOSE.search(question):
        return match.group("to")  # as written: a Swedish name reads the same in an English question
    return ""
