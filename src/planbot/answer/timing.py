"""Whether a sentence's date is of the time a question asks about: not a page's date for what is to come,
a deadline for what was done, a report's due date for when a result can be used, or a date since moved.
"""

from __future__ import annotations

import re

# A web page's own date line ("Ursprungligen publicerad 22 april 2022, återpublicerad 7 juni 2023").
_PAGE_STAMP = re.compile(
    r"^\W*(?:ursprungligen\s+|senast\s+)?(?:publicerad|uppdaterad|återpublicerad)\b", re.I
)
# When something was done: "När lämnade KB ...?", "Vilket datum antogs ...?", "When did ... submit ...?".
_ASKS_DONE = re.compile(
    r"^\s*(?:när|vilket datum|vilken dag|vilket år)\s+(?:\w+(?:ade|de|te|dde|tte|des|tes|ogs|öts)"
    r"|kom|fick|gick|var|blev|gav|tog|skrev|lämnades|lämnade|beslöt)\b"
    r"|^\s*(?:when|what date|which day|what year)\s+(?:did|was|were)\b"
)
# A deadline: when something is due, which says nothing of when it was done.
# "ska ... senast den 1 december", not "ändrades senast den 1 juli" (most recently).
_DEADLINE = re.compile(
    r"^(?=.*\b(?:ska|skall|bör|måste)\b).*\bsenast\b|\b(?:no later than|by the deadline)\b",
    re.IGNORECASE | re.DOTALL,
)
# A report due ("ska senast den 1 december 2026 lämna en slutredovisning"), and a question about one.
_REPORTING = re.compile(r"\b(?:\w*redovis\w*|\w*rapport\w*|report\w*|betänkande\w*)\b", re.IGNORECASE)
_ABOUT_REPORTING = re.compile(
    r"\b(?:\w*redovis\w*|\w*rapport\w*|report\w*|betänkande\w*|\w*uppdrag\w*|\w*utredning\w*|klar|klart"
    r"|färdig\w*|lämna\w*|deadline|senast|due|assignment|inquiry|finish\w*|complete\w*|submit\w*)\b"
)
# A date asked after a change ("Till när sköts delredovisningen upp?") is stated by a sentence saying it
# changed or was decided anew ("istället lämnas i maj 2018", "Regeringen har beslutat att ... ska lämnas
# senast den 31 maj 2018"), not by the one before it ("Enligt uppdraget ska KB lämna ... 1 oktober 2017").
_ASKS_CHANGED = re.compile(
    r"\b(?:skj\w+|sköts|skjutits)\b.{0,60}?\bupp\b|\b(?:senarelag\w*|flyttades|flyttats|efter att tidplanen"
    r"|ny tidplan|nya tidplanen|postponed|pushed back|delayed|rescheduled|new deadline)\b"
)
_CHANGE_STATED = re.compile(
    r"\b(?:istället|i stället|ändr\w*|senarelägg\w*|senarelag\w*|förläng\w*|skjuts upp|flyttas|har beslutat"
    r"|instead|postponed|extended|moved|rescheduled)\b",
    re.IGNORECASE,
)
# A question about what is still to come.
_AHEAD = re.compile(r"\b(?:nästa|kommande|ska|skall|kommer att|next|upcoming|will)\b")


def asks_ahead(question: str) -> bool:
    """Whether ``question`` asks about what is still to come ("När ska regeringen fatta beslut ...?")."""
    return _AHEAD.search(question.lower()) is not None


def of_the_time_asked(sentence: str, question: str) -> bool:
    """Whether the date ``sentence`` states can answer when ``question`` asks about."""
    asked = question.lower()
    if _PAGE_STAMP.search(sentence) and asks_ahead(question):
        return False  # when the page was published says nothing of when the next thing will be
    if _DEADLINE.search(sentence):
        if _ASKS_DONE.search(asked):
            return False  # "ska lämna ... senast den 1 december" is when it was due, not when it was done
        if _REPORTING.search(sentence) and not _ABOUT_REPORTING.search(asked):
            return False  # when a report on the work is due is not when its result can be used
    # "Enligt uppdraget ska ... senast den 1 oktober 2017" is the date before it was moved.
    return not (_ASKS_CHANGED.search(asked) and not _CHANGE_STATED.search(sentence))
