"""Reading a question as meant: Swedish letters put back, typing slips mended, English left English."""

from __future__ import annotations

from pathlib import Path

import pytest

from planbot.config import Settings
from planbot.errors import InvalidInput
from planbot.pipeline import Pipeline
from planbot.reading import Pleasantries, default_pleasantries_file

from ..support import FakeEmbedder


def _pipeline(settings: Settings) -> Pipeline:
    pipe = Pipeline(settings, embedder=FakeEmbedder())
    pipe.ingest(progress=False)
    return pipe


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # "for" is English too: the restored words decide, not the typed ones.
        (
            "Ordnar regionbiblioteket i Varmland kurser for oss?",
            "Ordnar regionbiblioteket i Värmland kurser för oss?",
        ),
        ("Ska man fa lana gratis?", "Ska man få låna gratis?"),
        # An English question gets back only its names.
        ("Must the library in Varmland be free for all?", "Must the library in Värmland be free for all?"),
    ],
)
def test_a_question_without_swedish_letters_is_read_in_its_own_language(
    settings: Settings, typed: str, read: str
) -> None:
    assert _pipeline(settings).interpret(typed) == read


@pytest.mark.parametrize(("listed", "searched"), [(True, "Måste kommunen ha folkbibliotek?"), (False, None)])
def test_a_typing_slip_is_mended_only_with_a_word_list_to_tell_it_from_a_word(
    settings: Settings, tmp_path: Path, listed: bool, searched: str | None
) -> None:
    words = tmp_path / "swedish"
    words.write_text("måste\nkommunen\nha\nfolkbibliotek\n", encoding="utf-8")
    pipe = Pipeline(
        settings.model_copy(update={"wordlist": words if listed else tmp_path / "none"}),
        embedder=FakeEmbedder(),
    )
    pipe.ingest(progress=False)
    answer = pipe.ask("Måste konmunen ha folkbibliotek?")
    assert answer.standalone_question == searched and answer.question == "Måste konmunen ha folkbibliotek?"


def test_an_english_slip_is_mended_only_into_the_one_english_word_a_slip_away(
    settings: Settings, tmp_path: Path
) -> None:
    english = tmp_path / "english"
    english.write_text("languages\nbooks\nboys\nwhich\nfolkbiblioteks\n", encoding="utf-8")
    pipe = _pipeline(settings.model_copy(update={"wordlist_english": english}))
    assert pipe.interpret("Which lnguages count?") == "Which languages count?"
    assert pipe.interpret("Which boks count?") == "Which boks count?"  # books or boys
    # A word of the documents in an English question is no slip.
    assert pipe.interpret("Which folkbibliotek count?") == "Which folkbibliotek count?"


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        (
            "Hej! Får vi ta betalt för förseningar? Tack på förhand! Mvh Anna Berg",
            "Får vi ta betalt för förseningar?",
        ),
        ("God morgon! Jag har en fråga: får vi kopiera en hel bok?", "får vi kopiera en hel bok?"),
        ("Hello! Which libraries are covered? Thanks in advance, Anna", "Which libraries are covered?"),
        # Typed without å, ä and ö, a closing is still one: the question is read once, all of it.
        ("Hej! Far vi ta betalt for lan? Tacksam for svar.", "Far vi ta betalt for lan?"),
        # A chat's next message.
        ("Tack! Och hur är det för skolbiblioteken?", "Och hur är det för skolbiblioteken?"),
        ("Hej igen! Måste regionen ha en plan?", "Måste regionen ha en plan?"),
        # Context is no pleasantry, nor are the same words inside the question.
        (
            "Hej! Jag jobbar på ett skolbibliotek. Måste vi ha en plan?",
            "Jag jobbar på ett skolbibliotek. Måste vi ha en plan?",
        ),
        (
            "Tack vare bibliotekslagen, får vi låna ut gratis?",
            "Tack vare bibliotekslagen, får vi låna ut gratis?",
        ),
        ("Vad betyder tack?", "Vad betyder tack?"),
        ("Hur lär vi barnen att säga tack", "Hur lär vi barnen att säga tack"),
        # Too little would be left: searched as written.
        ("Hej! Avgifter? Tack!", "Hej! Avgifter? Tack!"),
    ],
)
def test_greetings_and_thanks_around_a_question_are_left_out_of_the_search(typed: str, searched: str) -> None:
    assert Pleasantries.load(default_pleasantries_file()).strip(typed) == searched


def test_a_phrase_added_to_the_pleasantries_file_is_left_out_too(settings: Settings, tmp_path: Path) -> None:
    own = tmp_path / "pleasantries.toml"
    own.write_text(
        default_pleasantries_file().read_text(encoding="utf-8")
        + '\n[[pleasantry]]\nwhere = "opening"\nphrases = ["tjabba"]\n',
        encoding="utf-8",
    )
    question = "Tjabba! Måste kommunen ha folkbibliotek?"
    assert _pipeline(settings).ask(question).standalone_question is None
    answer = _pipeline(settings.model_copy(update={"pleasantries_file": own})).ask(question)
    assert answer.standalone_question == "Måste kommunen ha folkbibliotek?"


def test_an_unreadable_pleasantries_file_stops_planbot_naming_it(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "pleasantries.toml"
    bad.write_text("[[pleasantry]\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="pleasantries file"):
        Pipeline(settings.model_copy(update={"pleasantries_file": bad}), embedder=FakeEmbedder())
