"""Query expansion for the lexical side: glossary, Swedish thesaurus and English-Swedish dictionary.

People write the word they use at the desk ("nyanlända", "public library"); the law uses another
("personer som har annat modersmål än svenska", "folkbibliotek"). The expansion terms are searched
with BM25 beside the question and scored as a reranker feature of their own; they are never added
to the dense query (appending synonyms to the whole question lowered top-1 from 0.67 to 0.57).
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from planbot.datafiles import read_tables, strings
from planbot.errors import InvalidInput
from planbot.lexical import STOPWORDS, content_stems, stems, words

log = logging.getLogger(__name__)

# Debian's mythes-sv (Folkets synonymlexikon) and dict-freedict-eng-swe; absent resources are skipped.
THESAURUS_FILE = Path("/usr/share/mythes/th_sv_SE_v2.dat")
DICTIONARY_FILE = Path("/usr/share/dictd/freedict-eng-swe.index")

_SV_FUNCTION = frozenset(
    "och att det som är inte för med har vad vilka vem hur får ska kan när om på".split()
)
_EN_FUNCTION = frozenset(
    "the what which who how why is are does do can must should of for and about to on an be in".split()
)
# Inflectional endings tried, longest first, to find a thesaurus headword (bibliotekens -> bibliotek).
_SV_ENDINGS = (
    "arnas",
    "ernas",
    "ornas",
    "arna",
    "erna",
    "orna",
    "ens",
    "ets",
    "ar",
    "er",
    "or",
    "na",
    "en",
    "et",
    "n",
)
_DICTD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@dataclass(frozen=True)
class GlossaryEntry:
    """Words people ask with (``asked``) and the wording the documents use for them (``means``)."""

    asked: tuple[str, ...]
    means: tuple[str, ...]


@dataclass(frozen=True)
class Expansion:
    """Terms added to a question's lexical search, by where they came from."""

    glossary: tuple[str, ...] = ()
    thesaurus: tuple[str, ...] = ()
    dictionary: tuple[str, ...] = ()

    def text(self) -> str:
        """All terms as one query text for BM25."""
        return " ".join((*self.glossary, *self.thesaurus, *self.dictionary))

    def is_empty(self) -> bool:
        """Whether nothing was added."""
        return not (self.glossary or self.thesaurus or self.dictionary)


def default_glossary_file() -> Path:
    """The glossary shipped with planbot (src/planbot/data/glossary.toml)."""
    return Path(str(resources.files("planbot") / "data" / "glossary.toml"))


def load_glossary(path: Path) -> tuple[GlossaryEntry, ...]:
    """Entries of a glossary TOML file (``[[term]]`` tables with ``asked`` and ``means`` lists)."""
    entries = []
    for i, row in enumerate(read_tables(path, "term", "glossary"), start=1):
        asked, means = row.get("asked"), row.get("means")
        if not (strings(asked) and strings(means)):
            raise InvalidInput(
                f"{path}: [[term]] number {i} needs non-empty string lists 'asked' and 'means'"
            )
        entries.append(GlossaryEntry(tuple(asked), tuple(means)))
    return tuple(entries)


@lru_cache(maxsize=2)
def load_thesaurus(path: Path = THESAURUS_FILE) -> dict[str, tuple[str, ...]]:
    """A MyThes thesaurus (``word|n`` lines, then n lines ``(pos)|syn|syn``) as word -> synonyms."""
    if not path.exists():
        return {}
    lines = path.read_bytes().decode(_mythes_encoding(path)).splitlines()
    out: dict[str, tuple[str, ...]] = {}
    i = 1
    while i < len(lines):
        head, _, count = lines[i].rpartition("|")
        n = int(count) if count.isdigit() else 0
        synonyms: list[str] = []
        for line in lines[i + 1 : i + 1 + n]:
            synonyms += [s.strip() for s in line.split("|")[1:] if s.strip()]
        out.setdefault(head.lower(), tuple(dict.fromkeys(synonyms)))
        i += 1 + n
    return out


def _mythes_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        first = fh.readline().decode("ascii", "replace").strip()
    return "latin-1" if first.upper() in {"ISO-8859-1", "ISO8859-1"} else first or "utf-8"


@lru_cache(maxsize=2)
def load_dictionary(index: Path = DICTIONARY_FILE) -> dict[str, tuple[str, ...]]:
    """A dictd dictionary (``.index`` beside ``.dict.dz``) as headword -> translations, first sense first."""
    data = index.with_name(index.name.removesuffix(".index") + ".dict.dz")
    if not (index.exists() and data.exists()):
        return {}
    body = gzip.decompress(data.read_bytes())
    out: dict[str, list[str]] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00database"):
            continue
        start, length = _b64(parts[1]), _b64(parts[2])
        entry = body[start : start + length].decode("utf-8", "replace").splitlines()[1:]
        senses = [re.sub(r"^\s*\d+\.\s*", "", s) for s in entry if s.strip()]
        for sense in senses:
            out.setdefault(parts[0].lower(), []).extend(t.strip() for t in sense.split(",") if t.strip())
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _b64(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 64 + _DICTD_B64.index(ch)
    return value


def looks_english(question: str) -> bool:
    """More English than Swedish function words (questions are short: keep it simple)."""
    toks = words(question)
    return sum(t in _EN_FUNCTION for t in toks) > sum(t in _SV_FUNCTION for t in toks)


class Expander:
    """Expands a question with glossary wording, thesaurus synonyms and dictionary translations."""

    def __init__(
        self,
        glossary: Iterable[GlossaryEntry] = (),
        thesaurus: dict[str, tuple[str, ...]] | None = None,
        dictionary: dict[str, tuple[str, ...]] | None = None,
        *,
        synonyms_per_word: int = 2,
        translations_per_word: int = 3,
    ) -> None:
        self.glossary = [(frozenset(_key_stems(a)), e) for e in glossary for a in e.asked if _key_stems(a)]
        self.thesaurus = thesaurus or {}
        self.dictionary = dictionary or {}
        self.synonyms_per_word = synonyms_per_word
        self.translations_per_word = translations_per_word

    def expand(self, question: str) -> Expansion:
        """The terms to search beside ``question`` (empty when nothing applies)."""
        content = [w for w in words(question) if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]
        english = looks_english(question)
        thesaurus: list[str] = []
        dictionary: list[str] = []
        for word in content:
            if english:
                dictionary += self._translate(word)[: self.translations_per_word]
            else:
                thesaurus += self._synonyms(word)[: self.synonyms_per_word]
        return Expansion(self.wording(question), _unique(thesaurus), _unique(dictionary))

    def wording(self, question: str) -> tuple[str, ...]:
        """The glossary's wording of ``question``'s words (what the documents call them), each once."""
        return _unique([m for _key, means in self._matches(question) for m in means])

    def bridged(self, question: str, found: set[str]) -> set[str]:
        """The stems of ``question``'s words whose glossary wording is all among the ``found`` stems.

        The refusal rule's word coverage counts them as found: "dött" where a passage says "avled".
        """
        return {
            stem
            for key, means in self._matches(question)
            if any((wanted := content_stems(m)) and wanted <= found for m in means)
            for stem in key
        }

    def _matches(self, question: str) -> list[tuple[frozenset[str], tuple[str, ...]]]:
        """The glossary entries ``question`` matches: the stems of its words they match, and their wording."""
        asked = set(stems(question, keep_stopwords=True))
        return [(key, e.means) for key, e in self.glossary if key <= asked]

    def text(self, question: str) -> str:
        """All expansion terms of ``question`` as one BM25 query text (the Retriever's ``expand`` hook)."""
        return self.expand(question).text()

    def _synonyms(self, word: str) -> tuple[str, ...]:
        for form in _lemma_candidates(word):
            if form in self.thesaurus:
                return self.thesaurus[form]
        return ()

    def _translate(self, word: str) -> tuple[str, ...]:
        forms = [word]
        if word.endswith("ies"):
            forms.append(word[:-3] + "y")
        if word.endswith("es"):
            forms.append(word[:-2])
        if word.endswith("s"):
            forms.append(word[:-1])
        for form in forms:
            if form in self.dictionary:
                return self.dictionary[form]
        return ()


def _key_stems(phrase: str) -> list[str]:
    """A glossary phrase's stems (stopwords kept so that 'för barn' still needs 'barn')."""
    return [s for s in stems(phrase, keep_stopwords=True) if s not in STOPWORDS or len(phrase.split()) == 1]


def _lemma_candidates(word: str) -> list[str]:
    out = [word]
    for ending in _SV_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            out.append(word[: -len(ending)])
    return out


def _unique(terms: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in terms if t))


def create_expander(
    glossary_file: Path | None, *, thesaurus: bool = True, dictionary: bool = True
) -> Expander:
    """The expander the settings describe; Debian resources that are not installed are left out."""
    entries = load_glossary(glossary_file or default_glossary_file())
    thes = load_thesaurus() if thesaurus else {}
    dic = load_dictionary() if dictionary else {}
    if thesaurus and not thes:
        log.info(
            "no Swedish thesaurus at %s (apt-get install mythes-sv): expansion without it", THESAURUS_FILE
        )
    if dictionary and not dic:
        log.info("no English-Swedish dictionary at %s: expansion without it", DICTIONARY_FILE)
    return Expander(entries, thes, dic)
