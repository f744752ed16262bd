"""BM25 over the chunks, with Swedish stemming and optional compound splitting."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

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


def split_compound(token: str, vocabulary: set[str], min_part: int = 4) -> list[str]:
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


class LexicalIndex:
    """An in-memory BM25 index (bm25s) over a fixed list of texts."""

    def __init__(self, texts: Sequence[str], compounds: Compounds = "split") -> None:
        import bm25s

        # bm25s sets its own logger to DEBUG, which would print on every index refresh.
        logging.getLogger("bm25s").setLevel(logging.WARNING)

        self.compounds = compounds
        base = [stems(t) for t in texts]
        self.vocabulary = {tok for doc in base for tok in doc if len(tok) >= 4}
        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        expanded = [self._expand(doc) for doc in base]
        self._df = Counter(tok for doc in expanded for tok in set(doc))
        if texts:
            self._bm25.index([doc or [""] for doc in expanded], show_progress=False)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a stem (highest for words the corpus never uses)."""
        return math.log((self._size + 1) / (self._df.get(token, 0) + 0.5))

    def coverage(self, question: str, passages: Iterable[str]) -> float:
        """IDF-weighted share of the question's stems that occur in the passages (compounds split)."""
        asked = [t for t in set(stems(question)) if len(t) > 1]
        if not asked:
            return 0.0
        found: set[str] = set()
        for text in passages:
            found.update(self._expand(stems(text)))
        total = sum(self.idf(t) for t in asked)
        hit = 0.0
        for tok in asked:
            parts = split_compound(tok, self.vocabulary)
            if tok in found or (parts and all(p in found for p in parts)):
                hit += self.idf(tok)
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
        weights = None if mask is None else mask.astype(np.float32)
        return np.asarray(self._bm25.get_scores(tokens, weight_mask=weights), dtype=np.float32)
