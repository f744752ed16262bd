"""The language of a question (Swedish or English) and the refusal in each."""

from __future__ import annotations

import re

from planbot.lexical import words
from planbot.records import Language

REFUSAL: dict[Language, str] = {
    "sv": "Jag hittar inget svar på det i dokumenten.",
    "en": "I can't find that in the documents.",
}

_SV_HINTS = frozenset(
    "och att det som är inte för med har vad vilka vilken vem hur varför får ska kan finns när enligt "
    "om gäller säger eller måste på en ett de den vid till av hos ska sig".split()
)
_EN_HINTS = frozenset(
    "the what which who how why is are does do can must should of for and about according "
    "library libraries law act say says did was were has have when where to on an be in".split()
)


def language_hints(text: str) -> tuple[int, int]:
    """How many common Swedish and English words ``text`` has."""
    toks = words(text)
    return sum(t in _SV_HINTS for t in toks), sum(t in _EN_HINTS for t in toks)


def detect_language(text: str) -> Language:
    """Swedish or English, from letters and common words (questions are short, so keep it simple)."""
    # Names like "Läsa för livet" put Swedish letters in English questions: count words first.
    sv, en = language_hints(text)
    if en == sv:
        return "sv" if re.search(r"[åäö]", text.lower()) or not en else "en"
    return "en" if en > sv else "sv"
