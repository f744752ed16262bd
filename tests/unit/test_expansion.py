"""Query expansion: glossary file, Debian thesaurus and dictionary parsers, and the lexical hook."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.expansion import (
    DICTIONARY_FILE,
    THESAURUS_FILE,
    Expander,
    GlossaryEntry,
    create_expander,
    default_glossary_file,
    load_dictionary,
    load_glossary,
    load_thesaurus,
)
from planbot.pipeline import Pipeline

from ..support import FakeEmbedder

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(n: int) -> str:
    out = ""
    while True:
        out = _B64[n % 64] + out
        n //= 64
        if not n:
            return out


def _write_dictd(path: Path, entries: dict[str, str]) -> Path:
    body, index = b"", []
    for head, text in entries.items():
        raw = f"{head} /x/\n{text}\n".encode()
        index.append(f"{head}\t{_b64(len(body))}\t{_b64(len(raw))}")
        body += raw
    (path / "test.dict.dz").write_bytes(gzip.compress(body))
    (path / "test.index").write_text("00databaseutf8\tA\tB\n" + "\n".join(index) + "\n", encoding="utf-8")
    return path / "test.index"


def test_the_shipped_glossary_loads_and_bridges_desk_words_and_english() -> None:
    expander = Expander(load_glossary(default_glossary_file()))
    assert "personer som har annat modersmål än svenska" in expander.expand("Böcker för nyanlända?").glossary
    assert "medier" in expander.expand("Måste vi ha tidningar och filmer?").glossary
    english = expander.expand("What must a municipality do for children in the public library?").glossary
    assert {"folkbibliotek", "barn och ungdomar", "kommun"} <= set(english)


@pytest.mark.parametrize(
    ("question", "wording"),
    [
        ("Hur länge är boken skyddad efter att författaren dött?", "avled"),  # the copyright act's word
        ("När röstade riksdagen igenom reformen?", "sa ja till"),  # how the press releases put it
    ],
)
def test_the_shipped_glossary_gives_the_documents_wording_of_a_desk_word(question: str, wording: str) -> None:
    assert wording in Expander(load_glossary(default_glossary_file())).expand(question).glossary


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[term]]\nasked = []\nmeans = ['x']\n", "number 1"),
        ("[[term]]\nasked = ['x']\n", "number 1"),
        ("[[term]\n", "cannot read"),
    ],
)
def test_a_broken_glossary_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_glossary(path)


def test_glossary_phrases_match_any_inflection_and_order() -> None:
    expander = Expander([GlossaryEntry(("tidningar och filmer",), ("medier",))])
    assert expander.expand("Filmerna och tidningen, då?").glossary == ("medier",)
    assert expander.expand("Bara tidningar?").glossary == ()


def test_thesaurus_synonyms_for_swedish_and_dictionary_for_english(tmp_path: Path) -> None:
    thes = tmp_path / "th_sv.dat"
    thes.write_bytes("ISO-8859-1\navgift|1\n|kostnad|taxa|debitering\n".encode("latin-1"))
    dictionary = load_dictionary(
        _write_dictd(tmp_path, {"fee": "1. avgift\n2. arvode", "library": "bibliotek"})
    )
    assert dictionary["fee"] == ("avgift", "arvode")
    expander = Expander((), load_thesaurus(thes), dictionary, synonyms_per_word=2)
    assert expander.expand("Får vi ta en avgiften?").thesaurus == ("kostnad", "taxa")
    english = expander.expand("Can the library charge a fee?")
    assert english.dictionary == ("bibliotek", "avgift", "arvode") and english.thesaurus == ()


def test_missing_debian_resources_leave_the_glossary_working(tmp_path: Path) -> None:
    assert load_thesaurus(tmp_path / "none.dat") == {} and load_dictionary(tmp_path / "none.index") == {}
    assert create_expander(None, thesaurus=False, dictionary=False).expand("nyanlända").glossary


@pytest.mark.skipif(not (THESAURUS_FILE.exists() and DICTIONARY_FILE.exists()), reason="Debian packages")
def test_the_real_debian_thesaurus_and_dictionary_parse() -> None:
    assert "avgiftsfri" in load_thesaurus()["gratis"]
    assert "bibliotek" in load_dictionary()["library"]


def test_extending_the_glossary_file_changes_retrieval(
    settings: Settings, fake_embedder: FakeEmbedder, tmp_path: Path
) -> None:
    question = "Vad gäller för blorfar?"  # a word neither the law nor any dictionary knows
    glossary = tmp_path / "glossary.toml"
    glossary.write_text('[[term]]\nasked = ["x"]\nmeans = ["y"]\n', encoding="utf-8")
    plain = Pipeline(settings.model_copy(update={"glossary_file": glossary}), embedder=fake_embedder)
    plain.ingest(progress=False)
    assert not plain.retriever.lexical_ranking(question, 5)
    glossary.write_text('[[term]]\nasked = ["blorfar"]\nmeans = ["högskolebibliotek"]\n', encoding="utf-8")
    extended = Pipeline(settings.model_copy(update={"glossary_file": glossary}), embedder=fake_embedder)
    top = extended.retriever.lexical_ranking(question, 5)
    assert top and "högskolebibliotek" in top[0][0].text.lower()
