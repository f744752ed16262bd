"""A role or an event a question names ("who is the chair?") and whether a sentence names it too."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")


# What a question names, in either language, and the words a sentence must use to state it: a person
# asked for in a role ("who is the director general") is answered by someone named in that role, not by
# anyone named; a date asked for an entry into force by a sentence about one, not by any date. Each row:
# the question's phrases, then parts of the sentence's words (a part of three letters or fewer must be a whole
# word: "gd"). Extend here (whole phrases, both languages).
_NAMED_IN: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(rf"\b(?:{asked})\b"), stated)
    for asked, stated in (
        ("generaldirektör\\w*|director general|director-general", ("generaldirektör", "gd")),
        ("riksbibliotekarie\\w*|national librarian", ("riksbibliotekarie",)),
        ("ordförande|chair|chairman|chairperson|chairwoman", ("ordförande",)),
        ("utredare\\w*|investigator", ("utredare", "utredaren")),
        # "Vilken författare fick ...?": someone named as an author, not the minister quoted beside it.
        (
            "(?:vilken|vilka) (?:författare|översättare|illustratör\\w*)"
            "|which (?:authors?|writers?|translators?)",
            ("författare", "översättare", "illustratör", "author", "writer", "translator"),
        ),
        ("(?:kultur)?minister\\w*|minister", ("minister",)),
        ("bibliotekschef\\w*|chief librarian|head librarian", ("bibliotekschef", "chef")),
        # "Vem är chef för KB?": someone named as its head, not the minister quoted beside it.
        ("chef|chefen|head of", ("chef", "generaldirektör", "riksbibliotekarie", "direktör", "head")),
        ("rektor\\w*", ("rektor",)),
        ("statssekreterare\\w*|state secretary", ("statssekreterare",)),
        # Who wrote something: a sentence saying who wrote it, not a name quoted beside it.
        ("vem skrev|vem har skrivit|who wrote|who has written", ("skrev", "skrivit", "skriven", "författa")),
        ("landshövding\\w*|county governor", ("landshövding",)),
        # Who got a prize or a grant: the sentence must name someone receiving it, not anyone near it.
        (
            "(?:fick|får|tilldelades|vann|mottog)\\s+(?:\\w+\\s+){0,5}(?:stipendi|pris|utmärkelse)\\w*"
            "|(?:got|gets|received|won|was awarded)\\s+(?:\\w+\\s+){0,3}(?:scholarship|prize|award|grant)s?",
            tuple(
                "fick får tilldela vann mottog mottagare pristagare stipendiat vinnare "
                "receiv won award recipient winner".split()
            ),
        ),
        # When something is (to be) published: by a sentence about its publication, not a decision's date.
        (
            "publiceras|publicerades|ges ut|gavs ut|släpps|be published|was published|be released|published",
            ("publicer", "publish", "utkom", "släpp", "releas", "utgiv", "utgåva"),
        ),
        # When the riksdag votes (voted) on something: by a sentence about a vote, not a report's date.
        (
            "röstar|röstade|rösta|röstning\\w*|voterar|voterade|votering\\w*|klubba\\w*"
            "|vote|votes|voted|voting",
            ("röst", "voter", "vote", "klubb", "ja", "antog", "antagit", "bifall"),
        ),
        # When a decision is (was) taken: by a sentence about a decision ("Regeringen beslutade den ..."),
        # not by the date a report on it is due.
        (
            "fatta beslut|fattar beslut|fattade beslut|besluta|beslutar|beslutade|beslöt"
            "|decide|decides|decided|decision",
            ("beslut", "beslöt", "decid", "decision"),
        ),
        # When a law was changed: by a sentence about a change, not by any date near it.
        (
            "ändrades|ändrats|ändrad|ändring\\w*|amended|amendment\\w*|was changed",
            ("ändr", "amend"),
        ),
        (
            "träda i kraft|träder i kraft|trädde i kraft|ikraftträdande\\w*|börja gälla|börjar gälla"
            "|enter into force|entered into force|come into force|came into force|take effect|took effect",
            ("kraft", "gälla", "gäller", "ikraftträd"),
        ),
    )
)


# "... efter att tidplanen ändrats": an event in a clause that only dates the question's own event.
_SUBORDINATE = re.compile(r"\b(?:efter att|efter det att|innan|sedan|after|before|since)\s+(?:\w+\s+){0,4}$")


def _asked_event(question: str) -> tuple[str, ...] | None:
    """What a sentence must say to name the role or event ``question`` asks about; None if it asks none."""
    low = question.lower()
    for asked, stated in _NAMED_IN:
        for m in asked.finditer(low):
            if not _SUBORDINATE.search(low[: m.start()]):
                return stated
    return None


# "andre vice ordförande" is not the chair asked about.
_DEPUTY = frozenset({"vice", "biträdande", "ställföreträdande", "deputy", "vice-"})


def names_what_is_asked(sentence: str, question: str) -> bool:
    """Whether the sentence uses the role or event the question names (true when it names none)."""
    stated = _asked_event(question)
    if stated is None:
        return True
    words = _WORD.findall(sentence.lower())
    return any(
        (part == w or (len(part) > 3 and part in w)) and not (i and words[i - 1] in _DEPUTY)
        for part in stated
        for i, w in enumerate(words)
    )


def names_a_role_or_event(question: str) -> bool:
    """Whether the question names a role or an event the stating sentence must name too."""
    return _asked_event(question) is not None
