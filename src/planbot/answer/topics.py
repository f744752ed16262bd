"""Whether the passages stating a fact are about what the question asks: its topic, names, recipient, year."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planbot.answer.cues import topic
from planbot.answer.kinds import asked_years, years_in
from planbot.answer.names import proper_names
from planbot.answer.refusal import Coverage
from planbot.lexical import content_stems
from planbot.records import Chunk, Language, ScoredChunk


def _no_wording(_question: str) -> Sequence[str]:
    return ()


def _no_years(_doc_id: str) -> set[str]:
    return set()


@dataclass
class Aboutness:
    """The checks that a fact found is of what was asked, not merely near it in meaning."""

    coverage: Coverage
    # The documents' wording of a question's words (the glossary's `means`).
    wording: Callable[[str], Sequence[str]] = _no_wording
    # Whether a name in an English question is written so in the documents too ("Värmland"); None: none.
    local_name: Callable[[str], bool] | None = None
    # The years a document is dated by (published, issued, in force, its period).
    years_of: Callable[[str], set[str]] = field(default=_no_years)

    def on_topic(self, question: str, language: Language, chunk: Chunk, sentence: str) -> bool:
        """Whether a fact found further down shares a word with the question, in it or its headings.

        A figure from a passage on another matter ("högst 12 500 euro" for a question on overdue fees)
        is near in meaning only as a figure; it does not answer.
        """
        if language == "en":
            return True  # English questions share no words with Swedish text (as in the refusal rule)
        # "hur många kronor" is shared by any sum in kronor: only the question's topic counts.
        return self.coverage(topic(question), [" ".join([chunk.title, *chunk.heading_path, sentence])]) > 0

    def names_what_is_asked(self, question: str, language: Language, chunks: Sequence[Chunk]) -> bool:
        """Whether the passages stating the fact are about what the question names.

        A figure answers "how much does Bibliotek Värmland get?" only from a passage naming Värmland,
        however close a sum for school libraries comes. Swedish questions: each proper name must occur
        in the passage (its title, headings or text), itself or in the glossary's wording of it ("KB":
        "Kungl. biblioteket"). English questions share no words with Swedish text, so the glossary's
        Swedish wording of the question stands in: when it has any, the passage must use some of it; and
        a name the documents use as written ("Värmland", "Karlstad") must be in the passage too.
        """
        texts = [" ".join([c.title, *c.heading_path, c.text]) for c in chunks]
        if language == "en":
            swedish = " ".join(self.wording(question))
            if swedish and self.coverage(swedish, texts) == 0:
                return False
            # Place names read the same in both languages: "in Värmland" needs a passage naming Värmland.
            local = self.local_name or (lambda _name: False)
            same = [n for n in proper_names(question) if content_stems(n) and local(n)]
            return all(self.coverage(name, texts) > 0 for name in same)
        asked = set(self.wording(question))
        for name in proper_names(question):
            if not content_stems(name) or self.coverage(name, texts) > 0:
                continue  # "Ett" in "Ett läsande land" is a stopword: nothing to look for
            # What the glossary says the name means: the wording that goes when the name goes.
            own = asked - set(self.wording(question.replace(name, " ")))
            if not (own and self.coverage(" ".join(own), texts) > 0):
                return False
        return True

    def names_recipient(self, to: str, language: Language, stated: Sequence[tuple[Chunk, str]]) -> bool:
        """Whether the sentences stating a part of a sum name where it went (most of ``to``'s words).

        ``stated``: each sentence with its passage, whose title counts too. English recipients are looked
        for in the glossary's Swedish wording; with none, nothing is checked.
        """
        if to and language == "en":
            # The glossary's Swedish name, else a name written as the documents write it ("Svenska
            # barnboksinstitutet's grant"); an English common noun with no wording is not checked.
            wording = " ".join(self.wording(to))
            to = wording or (to if to[:1].isupper() else "")
        if not to:
            return True
        return self.coverage(to, [f"{chunk.title} {sentence}" for chunk, sentence in stated]) >= 0.5

    def of_the_year(self, question: str, passages: Sequence[ScoredChunk]) -> bool:
        """Whether the passages, their neighbours or their documents' dates are of a year asked about."""
        years = asked_years(question)
        texts = " ".join(
            " ".join([p.chunk.title, *p.chunk.heading_path, p.context or p.chunk.text]) for p in passages
        )
        dated = set().union(*(self.years_of(p.chunk.document_id) for p in passages))
        # A directive's number ("dir. 2022:103") does not date a page of 2023 to 2022.
        return not years or bool(years & dated) or bool(years & years_in(texts))
