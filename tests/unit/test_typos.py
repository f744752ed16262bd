"""Mending a slip of the keyboard in a question with the documents' words."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.typos import correct, read_wordlist

IN_USE = {"kommunen": 40, "biblioteket": 30, "låntagare": 5, "ingen": 20, "bilder": 3, "bolder": 3}


def _correct(text: str) -> str:
    return correct(
        text, lambda w: w in IN_USE or w in {"ha", "en", "plan", "måste"}, lambda w: IN_USE.get(w, 0)
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Måste konmunen ha en plan?", "Måste kommunen ha en plan?"),  # a letter mistyped
        ("Måste kommunn ha en plan?", "Måste kommunen ha en plan?"),  # a letter left out
        ("Måste kommuenn ha en plan?", "Måste kommunen ha en plan?"),  # two letters swapped
        ("Måste kommmunen ha en plan?", "Måste kommunen ha en plan?"),  # a letter doubled
        ("Ha biblioteekt en plan?", "Ha biblioteket en plan?"),
        ("Lånragare måste ha en plan", "Låntagare måste ha en plan"),  # the first word keeps its capital
        # Left as typed: a word in use, a name (capitalised, not first), a short word, two meanings.
        ("Måste kommunen ha en plan?", "Måste kommunen ha en plan?"),
        ("Måste Konmunen ha en plan?", "Måste Konmunen ha en plan?"),
        ("Måste ingn ha en plan?", "Måste ingn ha en plan?"),
        ("Måste bulder ha en plan?", "Måste bulder ha en plan?"),  # bilder or bolder
    ],
)
def test_a_word_one_slip_from_a_word_in_use_is_spelled_as_meant(typed: str, meant: str) -> None:
    assert _correct(typed) == meant


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_a_word_list_is_read_in_either_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "swedish"
    path.write_bytes("Låntagare\nförra\n\n".encode(encoding))
    assert read_wordlist(path) == {"låntagare", "förra"}
