"""Putting back the å, ä and ö of a question typed without them ("far vi lana ut bocker")."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise

# Typed on a keyboard without Swedish letters, å and ä come out as a and ö as o.
_PLAIN = str.maketrans("åäöÅÄÖ", "aaoAAO")
_SWEDISH_LETTER = re.compile(r"[åäöÅÄÖ]")
_WORD = re.compile(r"\w+", re.UNICODE)
# A spelling must be this many times as common as the word as typed ("far" is a word, but the documents
# say "får" far more often; one stray "for" in an English heading must not keep "för" out).
_MARGIN = 3
# Letters seen this far either side decide a letter of a word the documents do not use, when nearly
# all of at least _SEEN words agree: a wrong å is worse than a missing one ("strAff").
_RADII = (3, 2)
_SEEN = 5
_AGREE = 0.9


def plain(word: str) -> str:
    """The word as a keyboard without Swedish letters types it."""
    return word.translate(_PLAIN)


def lacks_swedish_letters(text: str) -> bool:
    """Whether ``text`` has no å, ä or ö at all: the only case worth restoring."""
    return not _SWEDISH_LETTER.search(text)


def _contexts(word: str, at: int) -> list[str]:
    """``word[at]`` with the letters around it, widest first, ^ and $ marking the word's ends."""
    padded = f"^{word}$"
    i = at + 1
    return [f"{padded[max(0, i - r) : i]}{word[at]}{padded[i + 1 : i + 1 + r]}{r}" for r in _RADII]


class Accents:
    """The documents' own spellings, looked up by their plain form.

    A word the documents use is spelled as they most often spell it, the neighbouring word deciding
    between two ("per ar": "per år", not "är"). Any other word (a compound no document has, "fjarrlan")
    gets each a and o decided by the letters around it in the documents' words.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        counts = Counter(w for t in texts for w in _WORD.findall(t.lower()))
        self.counts = counts  # how often the documents use each word (lower-cased)
        self._known = {plain(w) for w in counts}
        self._spellings: dict[str, dict[str, int]] = defaultdict(dict)
        for word, n in counts.items():
            key = plain(word)
            if key != word or key in self._spellings:
                self._spellings[key][word] = n
        for key in list(self._spellings):  # a plain form is a spelling of its own ("far", "stod")
            if key in counts:
                self._spellings[key][key] = counts[key]
        ambiguous = {w for spelled in self._spellings.values() if len(spelled) > 1 for w in spelled}
        self._pairs: Counter[tuple[str | None, str | None]] = Counter()
        for text in texts:
            words = _WORD.findall(text.lower())
            for a, b in pairwise(words):
                if a in ambiguous or b in ambiguous:
                    self._pairs[(a, b)] += 1
        self._letters: dict[str, Counter[str]] = defaultdict(Counter)
        for word, n in counts.items():
            key = plain(word)
            for i, ch in enumerate(key):
                if ch in "ao":
                    for ctx in _contexts(key, i):
                        self._letters[ctx][word[i]] += n

    def restore(self, text: str, *, names_only: bool = False) -> str:
        """``text`` with its a, o spelled å, ä, ö where the documents would; unchanged if it has any of them.

        With ``names_only`` only capitalised words change ("Varmland" in an English question).
        """
        if not lacks_swedish_letters(text):
            return text
        tokens = list(_WORD.finditer(text))
        low = [m.group().lower() for m in tokens]
        # Each word alone first, then again beside its neighbours as spelled ("hur manga ar": "många år").
        alone = [self._spell(w, None, None, names_only=names_only) for w in low]
        out: list[str] = []
        last = 0
        for i, m in enumerate(tokens):
            typed = m.group()
            word = typed
            # In English only a name changes; the first word is capitalised as the sentence's ("Are ...").
            if not (names_only and (i == 0 or not typed[:1].isupper())) and not typed.isdigit():
                before = alone[i - 1] if i else None
                after = alone[i + 1] if i + 1 < len(low) else None
                word = _case_of(typed, self._spell(low[i], before, after, names_only=names_only))
            out.append(text[last : m.start()] + word)
            last = m.end()
        return "".join(out) + text[last:]

    def _spell(self, typed: str, before: str | None, after: str | None, *, names_only: bool = False) -> str:
        """How the documents spell ``typed`` here (only a word they use, with ``names_only``)."""
        spelled = self._spellings.get(typed)
        if spelled:
            # The neighbouring words decide first: "per år", "vad stod det" ("stod det" is in the text).
            beside = {w: self._pairs[(before, w)] + self._pairs[(w, after)] for w in spelled}
            if max(beside.values()) > 0:
                return max(beside, key=lambda w: (beside[w], spelled[w]))
            best = max(spelled, key=lambda w: spelled[w])
            return best if spelled[best] > _MARGIN * spelled.get(typed, 0) else typed
        if names_only or typed in self._known or not any(ch in "ao" for ch in typed):
            return typed
        return self._compound(typed) or self._by_letters(typed)

    def _compound(self, typed: str) -> str | None:
        """Two words the documents use, each spelled as they do ("talbocker": "tal" + "böcker")."""
        for cut in range(len(typed) - 3, 2, -1):
            head, tail = typed[:cut], typed[cut:]
            if tail not in self._known:
                continue
            # Swedish joins compounds with a linking -s- (forstorings|skarmar) or nothing.
            for stem in (head, head[:-1] if head.endswith("s") else None):
                if stem and len(stem) >= 3 and stem in self._known:
                    return self._spell(stem, None, None) + head[len(stem) :] + self._spell(tail, None, None)
        return None

    def _by_letters(self, typed: str) -> str:
        """Each a and o spelled as the documents' words spell it between the same letters."""
        letters = list(typed)
        for i, ch in enumerate(typed):
            if ch not in "ao":
                continue
            seen = next((self._letters[c] for c in _contexts(typed, i) if c in self._letters), None)
            if seen and sum(seen.values()) >= _SEEN:
                letter, n = seen.most_common(1)[0]
                if n >= _AGREE * sum(seen.values()):
                    letters[i] = letter
        return "".join(letters)


def _case_of(typed: str, word: str) -> str:
    """``word`` in the case ``typed`` was written in."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if typed[:1].isupper() else word
