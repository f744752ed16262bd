"""Settings: read from PLANBOT_ variables, and a wrong value is a clear error before anything starts."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from planbot import config
from planbot.cli import main
from planbot.config import Settings


def test_the_lexical_backend_defaults_to_the_local_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANBOT_LEXICAL_BACKEND", raising=False)
    assert Settings().lexical_backend == "segments"


@pytest.mark.parametrize("value", ["segments", "chroma"])
def test_the_lexical_backend_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PLANBOT_LEXICAL_BACKEND", value)
    assert Settings().lexical_backend == value


def test_an_unknown_lexical_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANBOT_LEXICAL_BACKEND", "opensearch")
    with pytest.raises(ValidationError, match="lexical_backend"):
        Settings()


def test_the_cli_names_the_wrong_variable_in_one_line_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANBOT_LEXICAL_BACKEND", "opensearch")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert "PLANBOT_LEXICAL_BACKEND" in result.output
    assert "'segments' or 'chroma'" in result.output
    assert "Traceback" not in result.output


def test_answer_threads_default_to_the_cores_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANBOT_ANSWER_THREADS", raising=False)
    assert Settings().answer_threads == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("cores", "processes"), [(1, 0), (2, 2), (8, 2)])
def test_questions_are_answered_in_two_processes_by_default_where_there_are_two_cores(
    monkeypatch: pytest.MonkeyPatch, cores: int, processes: int
) -> None:
    monkeypatch.delenv("PLANBOT_ANSWER_PROCESSES", raising=False)
    monkeypatch.setattr(config, "_cores", lambda: cores)
    assert Settings().answer_processes == processes
    monkeypatch.setenv("PLANBOT_ANSWER_PROCESSES", "0")  # threads, when memory is short
    assert Settings().answer_processes == 0


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_answer_threads_must_be_a_positive_number(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PLANBOT_ANSWER_THREADS", value)
    with pytest.raises(ValidationError, match="answer_threads"):
        Settings()
