"""The records passed between stages: how a citation names its passage."""

from __future__ import annotations

import pytest

from planbot.records import Chunk


@pytest.mark.parametrize(
    ("title", "locator", "label"),
    [
        ("Bibliotekslag (2013:801)", "9 §", "Bibliotekslag (2013:801), 9 §"),
        ("Biblioteksplan Testby", "s. 4, Mål", "Biblioteksplan Testby, s. 4, Mål"),
        # A web page whose only heading is its title: the title once, not "Ny bibliotekslag, Ny bibliotekslag"
        ("Ny bibliotekslag", "Ny bibliotekslag", "Ny bibliotekslag"),
        ("Ny bibliotekslag", "ny  bibliotekslag", "Ny bibliotekslag"),
        ("Ny bibliotekslag", "", "Ny bibliotekslag"),
    ],
)
def test_a_citation_names_the_title_and_the_place_unless_the_place_repeats_the_title(
    title: str, locator: str, label: str
) -> None:
    chunk = Chunk(id="d#0", document_id="d", ordinal=0, text="Text.", locator=locator, title=title)
    assert chunk.label == label
