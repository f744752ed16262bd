"""Sanctions: a question asking what penalty follows is answered only by a passage stating one.

"Kan de få vite?" after the school-library requirements is not answered by the requirements: the pages on
them name no sanction. The word lists are the place to extend (both languages).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# "is it fine to copy?" asks no penalty: "fine" counts only as a noun ("what fine", "a fine", "fined").
_ASKS = re.compile(
    r"\b(?:straff\w*|böter|bötes\w*|vite|viten|sanktion\w*|påföljd\w*|bestraff\w*"
    r"|fined|penalt\w*|sanction\w*|punish\w*|(?:what|a|any|the) fines?)\b",
    re.IGNORECASE,
)
_STATES = re.compile(
    r"\b(?:straff\w*|böter|fängelse|vite|viten|vitet|sanktion\w*|påföljd\w*|döms|dömas|bestraff\w*"
    r"|återbetalningsskyldig\w*|återkräv\w*|kräva tillbaka|skadestånd\w*|förverka\w*)\b",
    re.IGNORECASE,
)


def asks_sanction(question: str) -> bool:
    """Whether ``question`` asks what penalty or sanction follows."""
    return _ASKS.search(question) is not None


def states_sanction(passages: Sequence[str]) -> bool:
    """Whether one of the passages states a penalty or a sanction."""
    return any(_STATES.search(text) for text in passages)
