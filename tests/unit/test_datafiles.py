"""Maintained data files: TOML tables read, and an unreadable file reported with its name and what it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.datafiles import read_tables, strings
from planbot.errors import InvalidInput


def test_the_tables_of_a_file_are_read_in_order(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    path.write_text("[[term]]\nasked = ['a']\n\n[[term]]\nasked = ['b']\n", encoding="utf-8")
    assert [row["asked"] for row in read_tables(path, "term", "glossary")] == [["a"], ["b"]]


@pytest.mark.parametrize("text", ["[[term]\n", None], ids=["broken-toml", "missing-file"])
def test_an_unreadable_file_names_itself_and_what_it_is(tmp_path: Path, text: str | None) -> None:
    path = tmp_path / "g.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"cannot read the glossary .*g\.toml"):
        read_tables(path, "term", "glossary")


@pytest.mark.parametrize(
    ("value", "ok"), [(["a", "b"], True), ([], False), (["a", " "], False), ("a", False), ([1], False)]
)
def test_strings_are_a_non_empty_list_of_non_blank_strings(value: object, ok: bool) -> None:
    assert strings(value) is ok
