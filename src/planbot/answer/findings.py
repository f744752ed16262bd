"""Findings: what a report or body concluded, found, recommended or chose, answered by a sentence saying so.

"What did the National Library conclude in its 2023 interim report?" is not answered by a page giving the
report's deadline: a sentence must say what was concluded ("konstaterar", "slutsatsen", "visar",
"rekommenderar", "kom fram till"). Likewise "Vilken standard har KB bestämt sig för?" is not answered by why
a standard is wanted: a sentence must state a decision or a choice ("beslutade", "har valt", "enades"); nor
"what came out of the round-table talks?" by the day a strategy was presented.
The word lists are the place to extend (both languages).
"""

from __future__ import annotations

import re

# "What can I find in ...?" asks no finding: the English verbs count only after "did/does/has ..." and the
# nouns only as what is asked for ("What were the report's conclusions?").
_ASKS = re.compile(
    # "What measures did the government decide on?": the thing asked may stand before the verb.
    r"\bwhat\s+(?:[\w'’-]+\s+){0,5}?(?:did|does|do|has|have|had)\b.{0,80}?"
    r"\b(?:conclude|find|recommend|decide)\b"
    # What a report proposed: a sentence stating the proposal, not the assignment to write the report.
    r"|\bwhat\s+(?:[\w'’-]+\s+){0,5}?did\b.{1,60}\b(?:propose|suggest)"
    r"\s+in\s+(?:its|their|the)\s+(?:[\w-]+\s+){0,3}?report"
    r"|\bwhat\s+(?:were|are|was|is)\s+(?:[\w'’-]+\s+){0,5}?(?:conclusions?|findings?|recommendations?)\b"
    r"|\b(?:vad|vilka|vilken|vilket)\b.{0,80}?"
    r"(?:\bkom\w*\s+(?:[\w-]+\s+){0,5}?fram\s+till\b|\bslutsats\w*|\brekommend\w*)"
    # What was decided or chosen: "har KB bestämt sig för", "which platform did it end up choosing".
    r"|\b(?:bestämt sig|bestämde sig|beslutat sig|beslutade sig|valde)\b|\bhar\s+(?:[\w.-]+\s+){0,4}?valt\b"
    # "Vilka åtgärder beslutade regeringen efter mötet?": what was decided, not that a meeting was held.
    r"|\b(?:vad|vilka|vilken|vilket)\b.{0,60}?\b(?:beslutade|beslutat|beslutades|beslöt)\b"
    r"|\b(?:decided on|end(?:ed)? up|did .{0,40}\bchoose)\b"
    # What came of something: a result stated, not that the talks were held or a strategy presented.
    r"|\bwhat came (?:out )?of\b|\bvad (?:kom|blev) det (?:ut )?av\b|\bvad blev resultatet\b",
    re.IGNORECASE,
)
_STATES = re.compile(
    r"\b(?:konstater\w*|slutsats\w*|visar|visade|bedöm\w*|rekommend\w*|kom\w*\s+fram\s+till|fann|finner"
    r"|framgår|pekar\s+på|pekade\s+på|föreslår|föreslog|förslag\w*|anser|ansåg"
    r"|beslut\w*|beslöt|bestämt|bestämde|bestäms|valt|valde|valts|enats|enades|(?:kommit|kom) överens"
    r"|decided|decision|chose|chosen|selected|agreed)\b",
    re.IGNORECASE,
)


def asks_finding(question: str) -> bool:
    """Whether ``question`` asks what was concluded, found, recommended, decided or chosen."""
    return _ASKS.search(question) is not None


def states_finding(sentence: str) -> bool:
    """Whether a sentence states a conclusion, finding, assessment, recommendation, decision or choice.

    A sentence, not its whole passage: a strategy page says somewhere that something "visar", which is not
    what the report concluded.
    """
    return _STATES.search(sentence) is not None
