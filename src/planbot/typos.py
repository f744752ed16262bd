"""Mending a slip of the keyboard in a question ("konmunen", "folkibliotek") with the documents' words."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LETTERS = "abcdefghijklmnopqrstuvwxyzåäöé"
# Shorter words are too often one slip from another real word ("bok", "bor", "bon").
_MIN_LENGTH = 5


def _slips(word: str) -> Iterator[str]:
    """Every word one slip away: a letter left out, doubled into another, swapped or mistyped."""
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            yield head + tail[1:]
        if len(tail) > 1:
            yield head + tail[1] + tail[0] + tail[2:]
        for letter in _LETTERS:
            if tail:
                yield head + letter + tail[1:]
            yield head + letter + tail


def read_wordlist(path: Path) -> frozenset[str]:
    """The lower-cased words of a list, one a line (UTF-8, or Latin-1 as Debian ships its lists)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip())


def correct(text: str, known: Callable[[str], bool], frequency: Callable[[str], int]) -> str:
    """``text`` with each word the documents do not use that is one slip from a word they use, so spelled.

    ``known`` says whether a word is in use (the documents', the glossary's or a common one);
    ``frequency`` how often the documents use it. A name (capitalised, not first) is left alone: one the
    documents lack is refused by name, not mended into another.
    """
    out: list[str] = []
    last = 0
    for n, m in enumerate(_WORD.finditer(text)):
        typed = m.group()
        word = typed
        if len(typed) >= _MIN_LENGTH and (n == 0 or not typed[0].isupper()) and not known(typed.lower()):
            low = typed.lower()
            scored = sorted(((frequency(slip), slip) for slip in set(_slips(low))), reverse=True)
            # Two equally likely words one slip away: which was meant cannot be told, so neither.
            if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
                best = scored[0][1]
                word = best[0].upper() + best[1:] if typed[0].isupper() else best
        out.append(text[last : m.start()] + word)
        last = m.end()
    return "".join(out) + text[last:]
