"""BM25 over the chunks, with Swedish stemming and optional compound splitting."""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

Compounds = Literal["none", "split"]

_WORD = re.compile(r"\w+", re.UNICODE)
# Words that carry no meaning in a question; stemmed forms are compared.
STOPWORDS = frozenset(
    """
    och i att det som på är av för med till den har de inte om ett han men var jag sig från vi så kan
    man när år säga hon under också efter eller nu sin där vid mot ska skulle kunna få får finns vara
    säger sägs vad vilka vilken vilket vem hur varför vart när något några alla andra detta denna dessa deras
    ha hade blir bli blev enligt gäller sådan sådana mer mest samt dem dess än oss ni er vår våra
    mig mitt min mina eget egen egna dig din ditt dina sitt sina honom henne hans hennes vårt ert era
    någon ingen inget inga tog ta tar gå går gick gjorde göra gör varit kom kommer skall kunde vill ville
    måste borde fick fanns också bara även redan just nog väl hur mycket många helst annat annan
    the a an of to in and or is are was were be been what which who whom how why when where does do did
    for on by with from as at that this these those it its can could should would shall may must about
    under any there their they them we our you your i me my not no yes if than then also into out
    """.split()
)


# A question asking what something says or proposes, not whether it exists or when it was adopted.
ASKS_CONTENT = re.compile(
    r"^\s*(?:vad|vilka|vilket|vilken|räkna|beskriv|lista|sammanfatta|berätta|what|which|list|describe"
    r"|summari[sz]e|tell)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("swedish")


def words(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``."""
    return _WORD.findall(text.lower())


def stems(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Swedish-stemmed, lower-cased tokens (stopwords dropped unless asked)."""
    toks = [w for w in words(text) if keep_stopwords or w not in STOPWORDS]
    return list(_stemmer().stemWords(toks))  # type: ignore[attr-defined]


def content_stems(text: str) -> set[str]:
    """The text's meaningful stems (stopwords and one-letter tokens dropped)."""
    return {s for s in stems(text) if len(s) > 1 and s not in STOPWORDS}


def split_compound(token: str, vocabulary: Container[str], min_part: int = 4) -> list[str]:
    """Known-word parts of a Swedish compound (``biblioteksplan`` -> ``bibliotek``, ``plan``)."""
    if len(token) < 2 * min_part:
        return []
    for cut in range(len(token) - min_part, min_part - 1, -1):
        head, tail = token[:cut], token[cut:]
        if tail not in vocabulary:
            continue
        # Swedish joins compounds with a linking -s- (biblioteks|plan) or nothing.
        for stem in (head, head[:-1] if head.endswith("s") else None):
            if stem and len(stem) >= min_part and stem in vocabulary:
                return [stem, tail]
    return []


class LexicalSegment:
    """One immutable bm25s index over a run of tokenised texts; saved and memory-mapped as files."""

    def __init__(self, bm25: Any, size: int) -> None:
        self._bm25 = bm25
        self.size = size
        vocab: dict[str, int] = bm25.vocab_dict if size else {}
        indptr = np.asarray(bm25.scores["indptr"]) if size else np.zeros(1, dtype=np.int64)
        counts = np.diff(indptr)
        # A column of the eager score matrix holds one entry per text containing the token.
        self.df: dict[str, int] = {tok: int(counts[i]) for tok, i in vocab.items() if tok}
        self._ids = vocab

    @classmethod
    def build(cls, tokenised: Sequence[list[str]]) -> LexicalSegment:
        """Index texts already turned into tokens (see ``LexicalIndex.tokenise``)."""
        bm25 = _bm25s().BM25()
        if tokenised:
            bm25.index([doc or [""] for doc in tokenised], show_progress=False)
        return cls(bm25, len(tokenised))

    def save(self, path: Path) -> None:
        """Write the index under ``path`` (bm25s' own npy/json files)."""
        path.mkdir(parents=True, exist_ok=True)
        (path / "size.json").write_text(json.dumps({"size": self.size}))
        if self.size:
            self._bm25.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True) -> LexicalSegment:
        """Open a saved index; with ``mmap`` the score matrix stays on disk, shared by every process."""
        size = int(json.loads((path / "size.json").read_text())["size"])
        if not size:
            return cls(_bm25s().BM25(), 0)
        return cls(_bm25s().BM25.load(str(path), mmap=mmap, show_progress=False), size)

    def scores(self, weighted: dict[str, float]) -> npt.NDArray[np.float32]:
        """Sum of each token's BM25 scores times its weight (the weight corrects the IDF to the whole)."""
        out = np.zeros(self.size, dtype=np.float32)
        if not self.size:
            return out
        for tok, weight in weighted.items():
            i = self._ids.get(tok)
            if i is not None and weight:
                out += weight * np.asarray(self._bm25.get_scores_from_ids([i]), dtype=np.float32)
        return out

    def raw_scores(self, tokens: list[str]) -> npt.NDArray[np.float32]:
        """bm25s' own scores for ``tokens`` (one segment: no correction needed)."""
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)


def _bm25s() -> Any:
    import bm25s

    # bm25s sets its own logger to DEBUG, which would print on every index refresh.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def _idf(size: int, df: int) -> float:
    """bm25s' default ("lucene") IDF."""
    return math.log(1 + (size - df + 0.5) / (df + 0.5))


class LexicalIndex:
    """BM25 (bm25s) over one or more segments of texts, scored with IDFs of the whole."""

    def __init__(
        self,
        texts: Sequence[str] = (),
        compounds: Compounds = "split",
        *,
        segments: Sequence[LexicalSegment] | None = None,
    ) -> None:
        self.compounds = compounds
        if segments is None:
            base = [stems(t) for t in texts]
            self.vocabulary: Container[str] = {tok for doc in base for tok in doc if len(tok) >= 4}
            segments = [LexicalSegment.build([self._expand(doc) for doc in base])]
        self.segments = list(segments)
        self._df: Counter[str] = Counter()
        for seg in self.segments:
            self._df.update(seg.df)
        self._size = sum(seg.size for seg in self.segments)
        # Split parts are words of the corpus themselves, so the document frequencies' keys serve.
        self.vocabulary = _LongWords(self._df)

    @staticmethod
    def tokenise(
        texts: Sequence[str], vocabulary: Container[str], compounds: Compounds = "split"
    ) -> list[list[str]]:
        """Tokens of ``texts`` for a new segment; compounds split against ``vocabulary`` and their words."""
        base = [stems(t) for t in texts]
        if compounds != "split":
            return base
        vocab = _Either({tok for doc in base for tok in doc if len(tok) >= 4}, vocabulary)
        return [doc + [p for tok in doc for p in split_compound(tok, vocab)] for doc in base]

    def __len__(self) -> int:
        return self._size

    def idf(self, token: str) -> float:
        """Inverse document frequency of a stem (highest for words the corpus never uses)."""
        return math.log((self._size + 1) / (self._df.get(token, 0) + 0.5))

    def uses(self, word: str) -> bool:
        """Whether the indexed texts use ``word`` (each stem of it, or every part of a compound one)."""
        # Stopwords are not indexed ("Ett" in "Ett läsande land", "IT"): a name of only those is known.
        return all(t in self._df or self._known_parts(t) for t in stems(word))

    def _known_parts(self, token: str) -> bool:
        parts = split_compound(token, self.vocabulary)
        return bool(parts) and all(p in self._df for p in parts)

    def coverage(
        self,
        question: str,
        passages: Iterable[str],
        *,
        parts_count: bool = False,
        bridged: Callable[[set[str]], set[str]] | None = None,
    ) -> float:
        """IDF-weighted share of the question's stems that occur in the passages (compounds split).

        With ``parts_count`` a compound of the question that the passages do not use whole counts for the
        share of its parts they do use ("textanalys" half, where they say "analysera text"). ``bridged``
        gives, from the passages' stems, more that count as found (desk words whose wording they use).
        """
        asked = [t for t in set(stems(question)) if len(t) > 1]
        if not asked:
            return 0.0
        found: set[str] = set()
        for text in passages:
            found.update(self._expand(stems(text)))
        if bridged is not None:
            found |= bridged(found)
        total = sum(self.idf(t) for t in asked)
        hit = 0.0
        for tok in asked:
            parts = split_compound(tok, self.vocabulary)
            if tok in found or (parts and all(p in found for p in parts)):
                hit += self.idf(tok)
            elif parts_count and parts:
                hit += self.idf(tok) * sum(p in found for p in parts) / len(parts)
        return hit / total if total else 0.0

    def _expand(self, tokens: list[str]) -> list[str]:
        if self.compounds != "split":
            return tokens
        out = list(tokens)
        for tok in tokens:
            out.extend(split_compound(tok, self.vocabulary))
        return out

    def query_tokens(self, question: str) -> list[str]:
        """The tokens a question is searched with."""
        return self._expand(stems(question))

    def scores(self, question: str, mask: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.float32]:
        """BM25 score of every text for ``question`` (0 where ``mask`` is False)."""
        if self._size == 0:
            return np.zeros(0, dtype=np.float32)
        tokens = self.query_tokens(question)
        if not tokens:
            return np.zeros(self._size, dtype=np.float32)
        if len(self.segments) == 1:
            out = self.segments[0].raw_scores(tokens)
        else:
            counts = Counter(tokens)
            parts = []
            for seg in self.segments:
                weighted = {
                    t: n * _idf(self._size, self._df[t]) / _idf(seg.size, seg.df[t])
                    for t, n in counts.items()
                    if seg.df.get(t)
                }
                parts.append(seg.scores(weighted))
            out = np.concatenate(parts)
        return out if mask is None else out * mask.astype(np.float32)


class _LongWords:
    """The words of at least four letters among a mapping's keys (the compound-splitting vocabulary)."""

    def __init__(self, keys: Container[str]) -> None:
        self._keys = keys

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and len(token) >= 4 and token in self._keys


class _Either:
    """Membership in either of two vocabularies, without copying them."""

    def __init__(self, first: Container[str], second: Container[str]) -> None:
        self._first, self._second = first, second

    def __contains__(self, token: object) -> bool:
        return token in self._first or token in self._second
