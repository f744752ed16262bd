"""Upload sniffing: what a file is comes from its content, decided by the same function the parser uses."""

from __future__ import annotations

import pytest

from planbot.admin.uploads import sniff
from planbot.errors import DocumentError, UnsupportedMedia


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("plan.pdf", b"%PDF-1.7\n...", "pdf"),
        ("sida.html", b"<!doctype html><html><body><p>Text</p></body></html>", "html"),
        ("noter.txt", b"<p>Biblioteket</p>", "html"),
        ("plan.md", b"<!-- utkast -->\n# Plan\n\nBiblioteket samverkar med skolan.\n", "text"),
        ("hjarta.txt", b"<3 biblioteket\n", "text"),
        ("plan.md", b"# Plan\n\nText.\n", "text"),
    ],
)
def test_the_kept_kind_is_the_kind_the_parser_reads(name: str, data: bytes, kind: str) -> None:
    assert sniff(name, data)[0] == kind


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("tom.md", b"  \n", DocumentError),
        ("plan.pdf", b"# inte en pdf", UnsupportedMedia),
        ("plan.docx", b"PK\x03\x04rest", UnsupportedMedia),
        ("bild.txt", b"abc\x00def", UnsupportedMedia),
    ],
)
def test_what_cannot_be_read_is_refused_with_what_it_is(
    name: str, data: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        sniff(name, data)


def test_utf16_text_is_read_as_text() -> None:
    kind, data = sniff("notepad.txt", "# Plan\n\nÅtgärder för läsning.\n".encode("utf-16"))
    assert kind == "text" and data.decode("utf-8").startswith("# Plan")
