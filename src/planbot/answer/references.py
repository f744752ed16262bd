"""A statute's references back within its own section: "Första stycket ..." needs its first stycke.

A sentence quoted alone from the second paragraph ("stycke") of a section can say the opposite of the
section: "Första stycket hindrar inte att folkbiblioteken tar ut ... avgift" reads as "libraries may
charge" unless the first stycke ("... ska allmänheten avgiftsfritt få låna ...") stands before it. The
answer therefore quotes the stycken a picked sentence refers back to. References to another section
("17 § första stycket", "2 kap. 1 § kommunallagen") name their section and are left alone.
"""

from __future__ import annotations

import re

from planbot.chunking import is_list_item, split_sentences

_ORDINALS = {"första": 0, "andra": 1, "tredje": 2, "fjärde": 3, "femte": 4, "sjätte": 5, "sjunde": 6}
_ORDINAL = "|".join(_ORDINALS)
# "första stycket", "första och andra styckena", "första eller tredje stycket", "andra–fjärde styckena",
# "föregående stycke".
_REFERENCE = re.compile(
    rf"\b(?:(?P<first>{_ORDINAL})(?:\s*(?P<joint>och|eller|–|-)\s*(?P<last>{_ORDINAL}))?"
    r"\s+stycke(?:t|na)\b|(?P<previous>föregående)\s+stycke\b)",
    re.IGNORECASE,
)
# A reference that names its section ("17 § första stycket", "3 kap. 2 § andra stycket") is to that section.
_NAMES_SECTION = re.compile(r"(?:§|kap\.|paragraf)\s+$", re.IGNORECASE)
# The most of a referenced stycke quoted whole; a longer one is quoted by its first sentence.
MAX_QUOTED = 600


def stycken(text: str) -> list[tuple[int, int]]:
    """Character spans of a section's stycken: its paragraphs, list items belonging to the one they follow."""
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"\S(?:.|\n(?!\s*\n))*", text):
        if spans and is_list_item(match.group()):
            spans[-1] = (spans[-1][0], match.end())
        else:
            spans.append((match.start(), match.end()))
    return spans


def referred(sentence: str, own: int) -> list[int]:
    """Indexes of the stycken of its own section that ``sentence`` (in stycke ``own``) refers back to."""
    out: list[int] = []
    for match in _REFERENCE.finditer(sentence):
        if _NAMES_SECTION.search(sentence[: match.start()]):
            continue
        if match["previous"]:
            out.append(own - 1)
            continue
        first = _ORDINALS[match["first"].lower()]
        last = _ORDINALS[match["last"].lower()] if match["last"] else first
        if match["joint"] in ("–", "-"):
            out.extend(range(first, last + 1))
        else:
            out.extend(dict.fromkeys((first, last)))
    return [i for i in dict.fromkeys(out) if 0 <= i < own]


def antecedents(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of ``text`` (a whole section) that the sentence at ``start:end`` needs before it."""
    spans = stycken(text)
    own = next((i for i, (a, b) in enumerate(spans) if a <= start < b), None)
    if own is None:
        return []
    out = []
    for i in referred(text[start:end], own):
        a, b = spans[i]
        if b - a > MAX_QUOTED and (sentences := split_sentences(text[a:b])):
            a, b = a + sentences[0][0], a + sentences[0][1]
        out.append((a, b))
    return out
