"""Findings: what a report or body concluded, found or recommended is answered by a sentence stating one.

"What did the National Library conclude in its 2023 interim report?" is not answered by a page giving the
report's deadline: a sentence must say what was concluded ("konstaterar", "slutsatsen", "visar",
"rekommenderar", "kom fram till"). The word lists are the place to extend (both languages).
"""

from __future__ import annotations

import re

# "What can I find in ...?" asks no finding: the English verbs count only after "did/does/has ..." and the
# nouns only as what is asked for ("What were the report's conclusions?").
_ASKS = re.compile(
    r"\bwhat\s+(?:did|does|do|has|have|had)\b.{0,80}?\b(?:conclude|find|recommend)\b"
    r"|\bwhat\s+(?:were|are|was|is)\s+(?:[\w'’-]+\s+){0,5}?(?:conclusions?|findings?|recommendations?)\b"
    r"|\b(?:vad|vilka|vilken|vilket)\b.{0,80}?"
    r"(?:\bkom\w*\s+(?:[\w-]+\s+){0,5}?fram\s+till\b|\bslutsats\w*|\brekommend\w*)",
    re.IGNORECASE,
)
_STATES = re.compile(
    r"\b(?:konstater\w*|slutsats\w*|visar|visade|bedöm\w*|rekommend\w*|kom\w*\s+fram\s+till|fann|finner"
    r"|framgår|pekar\s+på|pekade\s+på|föreslår|föreslog|förslag\w*|anser|ansåg)\b",
    re.IGNORECASE,
)


def asks_finding(question: str) -> bool:
    """Whether ``question`` asks what was concluded, found or recommended."""
    return _ASKS.search(question) is not None


def states_finding(sentence: str) -> bool:
    """Whether a sentence states a conclusion, finding, assessment or recommendation.

    A sentence, not its whole passage: a strategy page says somewhere that something "visar", which is not
    what the report concluded.
    """
    return _STATES.search(sentence) is not None
