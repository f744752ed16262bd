"""Extractive answers: the sentences of the best passages that answer, each cited; or a refusal."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from planbot.answer.citations import (
    Pick,
    build_citations,
    join_sentences,
    overlaps,
    prefer_lead_ins,
    verify_citations,
)
from planbot.answer.cues import AnswerKind, answer_kind
from planbot.answer.kinds import announces_only, counts_a_noun, dated, holds
from planbot.answer.language import REFUSAL, detect_language, language_hints
from planbot.answer.lists import is_item, is_list_question, list_around, sections_in_sequence
from planbot.answer.names import asks_for_names, names_some, owns_something, unknown_names
from planbot.answer.recipients import recipient
from planbot.answer.references import antecedents
from planbot.answer.refusal import Coverage, RefusalRule
from planbot.answer.roles import names_a_role_or_event
from planbot.answer.sanctions import asks_sanction, states_sanction
from planbot.answer.statements import quotes
from planbot.answer.timing import asks_ahead
from planbot.answer.topics import Aboutness
from planbot.chunking import split_sentences
from planbot.lexical import ASKS_CONTENT, content_stems
from planbot.questions import asked_part
from planbot.records import Answer, Chunk, Language, ScoredChunk, SentenceVector, Vectors

__all__ = [
    "REFUSAL",
    "ExtractiveAnswerer",
    "RefusalRule",
    "build_citations",
    "detect_language",
    "language_hints",
    "verify_citations",
]

# A sentence telling where to read something: it answers no question about what that says.
_READ_HERE = re.compile(
    r"\b(?:här kan du (?:\w+ ){0,2}(?:ta del av|läsa|hitta|ladda ner)|läs mer|finns att läsa|kan laddas ner"
    r"|here you can (?:\w+ ){0,2}(?:read|find|download)|read more)\b",
    re.IGNORECASE,
)


class ExtractiveAnswerer:
    """Builds an answer from the passages' own sentences, in their original wording."""

    def __init__(
        self,
        sentences: Callable[[list[str]], list[SentenceVector]],
        coverage: Coverage,
        rule: RefusalRule | None = None,
        *,
        max_sentences: int = 3,
        passages_considered: int = 2,
        sentence_margin: float = 0.03,
        passage_margin: float = 0.01,
        fact_passages: int = 3,
        count_passages: int = 6,
        fact_margin: float = 0.06,
        fact_margin_named: float = 0.08,
        fact_margin_placed: float = 0.03,
        knows: Callable[[str], bool] | None = None,
        wording: Callable[[str], Sequence[str]] | None = None,
        continues: Callable[[Chunk], bool] | None = None,
        local_name: Callable[[str], bool] | None = None,
        refusal_coverage: Coverage | None = None,
        years_of: Callable[[str], set[str]] | None = None,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._sentences = sentences
        # The refusal rule's word coverage (the same as ``coverage`` unless it counts compounds' parts).
        self._refusal_coverage = refusal_coverage or coverage
        # Whether a fact found is of what was asked: its topic, names, recipient and year.
        self._about = Aboutness(
            coverage, wording or (lambda _q: ()), local_name, years_of or (lambda _d: set())
        )
        # Whether a chunk continues a section begun in the chunk before it; None: every chunk starts one.
        self._continues = continues or (lambda _chunk: False)
        self._coverage = coverage
        # Whether the documents use a name (answer/names.py); None: every name counts as known.
        self._knows = knows
        # "förra året", "last year": read as the year before this one when a fact must be of a year.
        self._today = today
        self.rule = rule or RefusalRule()
        self.passage_margin = passage_margin
        self.max_sentences = max_sentences
        self.passages_considered = passages_considered
        self.sentence_margin = sentence_margin
        self.fact_passages = fact_passages
        self.fact_margin = fact_margin
        # A sentence must also name the role or event asked about: a narrower test, so it may lie further off.
        self.fact_margin_named = fact_margin_named
        # ... or this close to the best sentence when both are read behind their title and heading.
        self.fact_margin_placed = fact_margin_placed
        # A count of a named thing is looked for in this many passages (facts of other kinds: fact_passages).
        self.count_passages = count_passages

    def answer(self, question: str, query_vector: Vectors, passages: Sequence[ScoredChunk]) -> Answer:
        """Answer ``question`` from ``passages`` (best first), or refuse."""
        language = detect_language(question)
        refusal = Answer(question, REFUSAL[language], True, language, (), tuple(passages))
        # What kind of answer is wanted, and about whom, is read from the sentences that ask: the rest of
        # a message describes the asker's situation ("Jag jobbar i Arvika. Hur många ...?").
        asked = asked_part(question)
        # English questions name Swedish bodies in English ("the Arts Council"): only Swedish ones count.
        missing = unknown_names(asked, self._knows) if language == "sv" and self._knows else []
        kind = answer_kind(asked)
        missing = [n for n in missing if kind is not None or owns_something(asked, n)]
        if missing:
            return replace(refusal, text=f"{REFUSAL['sv']} Dokumenten nämner inte {_listed(missing)}.")
        if self.rule.should_refuse(question, language, passages, self._refusal_coverage):
            return refusal
        scored = self._score(question, query_vector, passages, self._considered(passages))
        picks = self._choose(scored)
        if kind is not None:
            # A how-many/when/who question is answered only by a sentence stating such a fact.
            factual = self._with_fact(kind, question, language, query_vector, passages, picks, scored)
            if factual is None or not self._of_what_is_asked(question, asked, language, passages, factual):
                return refusal
            in_year = dated(asked, self._today().year)
            if kind in ("person", "date") and not self._about.of_the_year(
                in_year, [passages[p.rank] for p in factual]
            ):
                # "Who was culture minister in 2013?": not the minister a 2024 page names; "when was the 2025
                # dialogue?": not the 2024 dialogue's date, but perhaps one from a passage of 2025.
                of_year = [i for i in range(self.count_passages) if i < len(passages)]
                of_year = [i for i in of_year if self._about.of_the_year(in_year, [passages[i]])]
                factual = self._with_fact(
                    kind, question, language, query_vector, passages, picks, scored, of_year
                )
                if factual is None or not self._of_what_is_asked(
                    question, asked, language, passages, factual
                ):
                    return refusal
            picks = factual
        else:
            picks = self._whole_lists(passages, picks, scored, is_list_question(asked))
        # The sentences the answer would quote, and the passages they come from, each once.
        sentences = [passages[p.rank].chunk.text[p.start : p.end] for p in picks]
        picked = [passages[rank].chunk.text for rank in dict.fromkeys(p.rank for p in picks)]
        if kind is None:
            if ASKS_CONTENT.match(asked) and sentences and all(_READ_HERE.search(s) for s in sentences):
                return refusal  # "Här kan du ta del av remissvaren ..." says where to read, not what it says
            if language == "sv" and announces_only(asked, sentences):
                return refusal  # "det ska tas fram läslistor" does not say which titles are on them
            if language == "sv" and picked and not quotes(asked, picked):
                return refusal  # a page listing Läsrådet among those who came does not say what it said
        if language == "sv" and asks_for_names(asked) and not names_some(sentences, asked):
            return refusal  # "Andra kommuner ... kan efter ansökan få ingå" names none that applied
        if asks_sanction(asked) and not states_sanction(picked):
            return refusal  # the school-library requirements name no fine for a school that breaks them
        citations, parts = build_citations(passages, self._with_antecedents(passages, picks))
        if not citations:
            return refusal
        return Answer(question, join_sentences(parts), False, language, tuple(citations), tuple(passages))

    def _with_antecedents(self, passages: Sequence[ScoredChunk], picks: list[Pick]) -> list[Pick]:
        """The picks, each preceded by the stycken of its section it refers back to ("Första stycket ...")."""
        out: list[Pick] = []
        for pick in picks:
            chunk = passages[pick.rank].chunk
            earlier_stycken = (
                antecedents(chunk.text, pick.start, pick.end) if chunk.locator.endswith("§") else []
            )
            # Whether the chunk continues a split section costs an index lookup: only asked when it matters.
            if earlier_stycken and not self._continues(chunk):
                for start, end in earlier_stycken:
                    # Sentence by sentence, so that a list in the earlier stycke keeps an item per line.
                    for a, b in split_sentences(chunk.text[start:end]):
                        earlier = Pick(pick.rank, start + a, start + b, pick.score)
                        if not any(overlaps(earlier, p) for p in [*picks, *out]):
                            out.append(earlier)
            out.append(pick)
        return out

    def _considered(self, passages: Sequence[ScoredChunk]) -> list[int]:
        """Ranks of the passages whose sentences may answer."""
        top = list(range(min(self.passages_considered, len(passages))))
        # A second passage may add sentences only when it continues the best one's document
        # (9 § after 8 §): citations of other documents lowered precision on the eval set.
        return top[:1] + [
            i
            for i in top[1:]
            if passages[i].score >= passages[0].score - self.passage_margin
            and passages[i].chunk.document_id == passages[0].chunk.document_id
        ]

    def _score(
        self, question: str, qv: Vectors, passages: Sequence[ScoredChunk], ranks: Sequence[int]
    ) -> list[Pick]:
        return self._scores(question, qv, passages, ranks, (False,))[0]

    def _scores(
        self,
        question: str,
        qv: Vectors,
        passages: Sequence[ScoredChunk],
        ranks: Sequence[int],
        placed: tuple[bool, ...],
    ) -> list[list[Pick]]:
        """The sentences at ``ranks`` scored alone or in place (one list per ``placed`` entry), read once."""
        rank_of = {passages[i].chunk.id: i for i in ranks}
        q_stems = content_stems(question)
        scored: list[list[Pick]] = [[] for _ in placed]
        for sv in self._sentences(list(rank_of)):
            if sv.chunk_id not in rank_of:
                continue
            text = passages[rank_of[sv.chunk_id]].chunk.text[sv.start : sv.end]
            lexical = len(q_stems & content_stems(text)) / max(1, len(q_stems))
            for picks, in_place in zip(scored, placed, strict=True):
                vector = sv.context if in_place and sv.context is not None else sv.vector
                picks.append(
                    Pick(rank_of[sv.chunk_id], sv.start, sv.end, float(vector @ qv) + 0.05 * lexical)
                )
        if not scored[0] and ranks:
            first = passages[ranks[0]].chunk.text
            return [[Pick(ranks[0], 0, len(first), 0.0)] for _ in placed]
        return [prefer_lead_ins(picks) for picks in scored]

    def _choose(self, scored: Sequence[Pick]) -> list[Pick]:
        ordered = sorted(scored, key=lambda p: -p.score)
        if not ordered:
            return []
        ceiling = ordered[0].score
        chosen: list[Pick] = []
        for pick in ordered:
            if pick.score < ceiling - self.sentence_margin or len(chosen) >= self.max_sentences:
                break
            if any(overlaps(pick, c) for c in chosen):
                continue
            chosen.append(pick)
        return sorted(chosen, key=lambda p: (p.rank, p.start))

    def _of_what_is_asked(
        self,
        question: str,
        asked: str,
        language: Language,
        passages: Sequence[ScoredChunk],
        facts: list[Pick],
    ) -> bool:
        """Whether the sentences stating a fact and their passages name what and whom the question asks of."""
        chunks = [passages[rank].chunk for rank in dict.fromkeys(p.rank for p in facts)]
        stated = [(passages[p.rank].chunk, passages[p.rank].chunk.text[p.start : p.end]) for p in facts]
        # A part of a sum: the model's 1,6 miljarder in all does not say how much went to regionbiblioteken.
        return self._about.names_what_is_asked(question, language, chunks) and self._about.names_recipient(
            recipient(asked), language, stated
        )

    def _with_fact(
        self,
        kind: AnswerKind,
        question: str,
        language: Language,
        qv: Vectors,
        passages: Sequence[ScoredChunk],
        picks: list[Pick],
        scored: list[Pick],
        ranks: Sequence[int] | None = None,
    ) -> list[Pick] | None:
        """The picks if one states a fact of ``kind``; else the best nearby sentence that does; else None.

        ``ranks``: the passages to look in for a nearby sentence (default: the picks, then the first few).
        """

        def text(p: Pick) -> str:
            return passages[p.rank].chunk.text[p.start : p.end]

        # "Hur många lån gjordes förra året?" asks for 2025's figure, as "... 2025?" would.
        of_year = dated(question, self._today().year)
        if ranks is None:
            if any(holds(kind, text(p), of_year) for p in picks):
                return [p for p in picks if holds(kind, text(p), of_year)]
            if kind == "outcome":
                return None  # the best sentences only describe the assignment: what came of it is not there
            asked = (kind, question, language, qv, passages, picks, scored)
            # Only a sentence counting the very thing asked ("2 000 lån" for "hur många lån") answers such
            # a question, so it may be looked for further down than other facts.
            depth = self.count_passages if kind == "count" and counts_a_noun(question) else self.fact_passages
            found = self._with_fact(*asked, range(depth))
            # Nor does anyone but a person named in the role asked ("Särskilde utredaren Mats Svegfors"),
            # nor any date but that of a past event asked ("Regeringen beslutade den 7 juli 2022 att
            # tillkalla ..."): looked for further down too, when no nearer passage names one. An event
            # still to come is not: the documents date past decisions, which do not answer it.
            deeper = kind == "person" or (kind == "date" and not asks_ahead(question))
            if found is None and deeper and names_a_role_or_event(asked_part(question)):
                found = self._with_fact(*asked, range(self.count_passages))
            return found
        ranks = [r for r in ranks if r < len(passages)]
        wider, in_place = self._scores(question, qv, passages, ranks, (False, True))
        if not wider:
            return None
        ceiling = max(p.score for p in [*wider, *scored])
        named = names_a_role_or_event(asked_part(question))
        margin = self.fact_margin_named if named else self.fact_margin
        near = {(p.rank, p.start) for p in wider if p.score >= ceiling - margin}
        # A sentence that names its subject only by its place ("Planen ska avse tre år" in the ordinance on
        # regional culture plans) is near the question behind its title and heading, if not alone.
        top = max(p.score for p in in_place)
        near |= {(p.rank, p.start) for p in in_place if p.score >= top - self.fact_margin_placed}
        first_documents = {passages[p.rank].chunk.document_id for p in picks}
        stating = [
            p
            for p in wider
            if (p.rank, p.start) in near
            and holds(kind, text(p), of_year)
            and self._about.on_topic(question, language, passages[p.rank].chunk, text(p))
            # English shares no words with the text to check a topic by: a fact further down must come
            # from the document the best sentences come from ("30 miljoner" for folkbildningen is not KB's),
            # unless it names the role or event asked about ("tillkalla en särskild utredare", holds()).
            and (language != "en" or passages[p.rank].chunk.document_id in first_documents or named)
        ]
        return [max(stating, key=lambda p: p.score)] if stating else None

    def _whole_lists(
        self, passages: Sequence[ScoredChunk], picks: list[Pick], scored: list[Pick], asks_list: bool
    ) -> list[Pick]:
        """The whole enumeration a pick belongs to, every item of it, when the pick cannot stand alone.

        That is when its lead-in is unfinished ("... utgörs av:", "... erbjuda litteratur på") or,
        for a question asking for several things, when several items answer; one item that answers
        alone ("För skolbibliotek ansvarar ...") stays alone.
        """
        lists = []
        for best in sorted(picks, key=lambda p: -p.score):
            spans = list_around(passages[best.rank], best.rank, best.start, best.end)
            if spans is not None:
                lead = passages[best.rank].chunk.text[spans[0].start : spans[0].end].rstrip()
                lists.append((best, spans, lead))
        # An unfinished lead-in first: the list is its own continuation.
        for best, spans, lead in lists:
            if not is_item(lead) and not lead.endswith((".", "!", "?")):
                return [Pick(s.rank, s.start, s.end, best.score) for s in spans]
        for best, spans, _lead in lists if asks_list else []:
            items = {s.end for s in spans if is_item(passages[s.rank].chunk.text[s.start : s.end])}
            answering = {
                p.end
                for p in scored
                if p.rank == best.rank and p.score >= best.score - 2 * self.sentence_margin and p.end in items
            }
            if len(answering) >= 2:
                return [Pick(s.rank, s.start, s.end, best.score) for s in spans]
        if not asks_list or not picks:
            return picks
        # An enumeration over adjacent sections (4 §, 5 §, ...) that open with the same words.
        best = max(picks, key=lambda p: p.score)
        sentence = passages[best.rank].chunk.text[best.start : best.end]
        chain = sections_in_sequence(passages, best.rank, sentence.strip())
        if not chain:
            return picks
        out = []
        for rank in chain:
            body = passages[rank].chunk.text
            first = split_sentences(body)[0] if body.strip() else (0, 0)
            out.append(Pick(rank, first[0], first[1], best.score))
        return out


def _listed(names: Sequence[str]) -> str:
    """'A', 'A och B', 'A, B och C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"
