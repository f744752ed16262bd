"""Proper names a question asks about, and which of them the documents never use.

A question about a municipality, person or body the documents never name ("Hur stor är Arvika kommuns
biblioteksbudget?") cannot be answered from them, however close a passage about library budgets comes.
Such a question is refused, and the refusal says which name the documents do not mention. A name that is
only context ("Vi i Arvika undrar om vi måste ha en biblioteksplan") does not make a question about it:
the name must own what is asked (a genitive: "Arvikas", "Arvika kommuns") or the question must ask for a
fact (how many, when, who; ``kinds.py``), which a document that never names it cannot hold. And a question
asking which municipalities or organisations ("Vilka kommuner har ansökt ...?") is answered only by a
sentence naming some that the question does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# A word with its hyphenated parts ("SM-guld", "IT-kunskap"), letters of Swedish and its loanwords.
_WORD = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)
# A capital after one of these opens a sentence, a quotation or a parenthesis: it says nothing of a name.
_OPENERS = frozenset(".?!:;\"'«»”“(")


def proper_names(question: str) -> list[str]:
    """Capitalised words that do not open a sentence, and acronyms (KB, GDPR) anywhere; no repeats."""
    out: dict[str, None] = {}
    for match in _WORD.finditer(question):
        word = match.group(0).strip("-")
        head = word.split("-")[0]
        before = question[: match.start()].rstrip()
        opens = not before or before[-1] in _OPENERS
        acronym = len(head) >= 2 and head.isupper()
        if word and (acronym or (word[0].isupper() and not opens)):
            out[word] = None
    return list(out)


def unknown_names(question: str, knows: Callable[[str], bool]) -> list[str]:
    """The question's proper names that ``knows`` says the documents never use."""
    return [name for name in proper_names(question) if not knows(name)]


def owns_something(question: str, name: str) -> bool:
    """Whether the name, or the word after it, is a genitive: "Arvikas budget", "Arvika kommuns plan"."""
    match = re.search(rf"(?<!\w){re.escape(name)}(?:\s+([^\W\d_]+))?", question)
    if match is None:
        return False
    following = match.group(1) or ""
    return any(len(word) > 3 and word.endswith("s") for word in (name, following))


# "Vilka kommuner ...?", "Vilka organisationer ...?": the answer is a list of names. (Not "vilken myndighet":
# "den myndighet som regeringen bestämmer" is the law's own answer to which body.)
_ASKS_NAMES = re.compile(
    r"^\s*vilka\s+(?:kommuner|organisationer|bibliotek|myndigheter|regioner|förlag|företag|aktörer|länder"
    r"|städer|skolor)(?:na|en)?\b",
    re.IGNORECASE,
)


def asks_for_names(question: str) -> bool:
    """Whether a Swedish question asks which municipalities, organisations, libraries ... (by name)."""
    return _ASKS_NAMES.search(question) is not None


def names_some(sentences: Sequence[str], question: str) -> bool:
    """Whether the sentences name something the question does not ("Gällivare", "Läsrådet").

    "Andra kommuner än de som anges i 6 § kan efter ansökan få ingå ..." names no municipality, and
    "Region Värmland" does not answer "Vilka kommuner i Värmland ...?".
    """
    asked = {w.casefold()[:5] for w in _WORD.findall(question)}
    return any(name.casefold()[:5] not in asked for sentence in sentences for name in proper_names(sentence))
