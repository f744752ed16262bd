"""A message asking two or three things: one paragraph per question, citations numbered once."""

from __future__ import annotations

from planbot.answer import REFUSAL
from planbot.answer.parts import combine_parts
from planbot.records import Answer, Chunk, Citation, ScoredChunk


def _chunk(cid: str, text: str) -> Chunk:
    return Chunk(id=cid, document_id="lag", ordinal=0, text=text, locator=f"{cid} §", title="Bibliotekslag")


HEADS = _chunk("3", "Bibliotekshuvudmän är kommunerna, regionerna, staten och enskilda.")
PLANS = _chunk("17", "Kommuner och regioner ska anta biblioteksplaner.")
OTHER = _chunk("9", "På folkbiblioteken ska allmänheten avgiftsfritt få låna litteratur.")


def _answered(question: str, *chunks: Chunk) -> Answer:
    citations = tuple(Citation(n, c, c.text, 0.9) for n, c in enumerate(chunks, start=1))
    text = " ".join(f"{c.text} [{n}]" for n, c in enumerate(chunks, start=1))
    passages = tuple(ScoredChunk(c, 1.0 - i / 10) for i, c in enumerate((*chunks, OTHER)))
    return Answer(question, text, False, "sv", citations, passages)


def _refused(question: str) -> Answer:
    return Answer(question, REFUSAL["sv"], True, "sv", (), (ScoredChunk(OTHER, 0.5),))


def test_each_question_gets_its_paragraph_and_its_citations_are_numbered_after_the_others() -> None:
    asked = ["Vilka är bibliotekshuvudmän?", "Vad ska kommunerna anta?"]
    answer = combine_parts("…", asked, [_answered(asked[0], HEADS), _answered(asked[1], PLANS)], "sv", 5)
    first, second = answer.text.split("\n\n")
    assert first == f"{asked[0]} – {HEADS.text} [1]"
    assert second == f"{asked[1]} – {PLANS.text} [2]"
    assert [(c.n, c.chunk.id) for c in answer.citations] == [(1, "3"), (2, "17")]
    assert [(p.question, p.refused, p.citations) for p in answer.parts] == [
        (asked[0], False, (1,)),
        (asked[1], False, (2,)),
    ]
    # Each question's best passage comes before either's second best.
    assert [p.chunk.id for p in answer.passages] == ["3", "17", "9"]


def test_a_source_cited_by_both_questions_keeps_one_number() -> None:
    answer = combine_parts(
        "…", ["a?", "b?"], [_answered("a?", HEADS), _answered("b?", PLANS, HEADS)], "sv", 5
    )
    assert [c.chunk.id for c in answer.citations] == ["3", "17"]
    assert answer.text.split("\n\n")[1] == f"b? – {PLANS.text} [2] {HEADS.text} [1]"
    assert answer.parts[1].citations == (1, 2)


def test_a_question_the_documents_do_not_answer_is_said_so_while_the_other_is_answered() -> None:
    answer = combine_parts("…", ["a?", "b?"], [_answered("a?", HEADS), _refused("b?")], "sv", 5)
    assert not answer.refused
    assert answer.text.split("\n\n")[1] == f"b? – {REFUSAL['sv']}"
    assert [p.refused for p in answer.parts] == [False, True]


def test_the_message_is_refused_only_when_every_question_is() -> None:
    answer = combine_parts("…", ["a?", "b?"], [_refused("a?"), _refused("b?")], "sv", 5)
    assert answer.refused and answer.citations == ()
