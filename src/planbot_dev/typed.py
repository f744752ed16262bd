"""Questions as people type them, for `planbot eval`: slips of the keyboard, greetings, no å, ä and ö."""

from __future__ import annotations

import random
import re

from planbot.accents import plain

# Keys beside each other on a Swedish keyboard, for a mistyped letter.
_ROWS = ("qwertyuiopå", "asdfghjklöä", "zxcvbnm")


def with_slip(question: str, rng: random.Random) -> str:
    """``question`` with one slip of the keyboard in one word of five letters or more.

    A letter left out, doubled, swapped with the next or replaced by a key beside it, never the first
    or last letter: a reproducible stand-in for the slips people make.
    """
    found = list(re.finditer(r"[^\W\d_]{5,}", question))
    if not found:
        return question
    m = rng.choice(found)
    word = m.group()
    slipped = word
    while slipped == word:  # swapping "mm" changes nothing: slip again
        slipped = _slip(word, rng.randrange(1, len(word) - 1), rng)
    return question[: m.start()] + slipped + question[m.end() :]


def _slip(word: str, i: int, rng: random.Random) -> str:
    """``word`` with one slip at letter ``i``."""
    how = rng.choice(["leave out", "double", "swap", "key beside"])
    if how == "leave out":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    if how == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    row = next((r for r in _ROWS if word[i].lower() in r), "")
    at = row.find(word[i].lower())
    beside = [row[j] for j in (at - 1, at + 1) if 0 <= j < len(row)] if at >= 0 else []
    return word[:i] + (rng.choice(beside) if beside else word[i]) + word[i + 1 :]


# What people write around a question in a chat window, some of it context (the job) and some not.
_OPENINGS = (
    "Hej! ",
    "Hej, ",
    "Hejsan! Jag jobbar på ett folkbibliotek. ",
    "Hej! Jag är ny som bibliotekarie och har en fråga. ",
    "God morgon! ",
)
_CLOSINGS = (" Tack på förhand!", " Tack!", " Mvh Anna", " Tacksam för svar.", "")


def with_greetings(question: str, rng: random.Random) -> str:
    """``question`` as written in a chat window: a greeting before it and thanks or a name after it."""
    return rng.choice(_OPENINGS) + question + rng.choice(_CLOSINGS)


def as_typed(
    question: str, plain_letters: bool, rng: random.Random | None, greetings: random.Random | None = None
) -> str:
    """The question as the eval's options have it typed."""
    typed = with_slip(question, rng) if rng is not None else question
    typed = with_greetings(typed, greetings) if greetings is not None else typed
    return plain(typed) if plain_letters else typed
