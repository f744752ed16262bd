"""The `planbot` command: what `planbot serve` sets up before it hands the app to uvicorn."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from planbot.cli import SWITCH_INTERVAL_S, main


def test_serve_hands_the_interpreter_lock_over_more_often_than_python_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A Lagkoll on a request thread otherwise holds up every request for Python's 5 ms at a time.
    import uvicorn

    seen: dict[str, Any] = {}

    def run(app: Any, **kwargs: Any) -> None:
        seen["interval"] = sys.getswitchinterval()
        seen["port"] = kwargs["port"]

    monkeypatch.setattr(uvicorn, "run", run)
    before = sys.getswitchinterval()
    try:
        result = CliRunner().invoke(main, ["serve", "--port", "8123"])
    finally:
        sys.setswitchinterval(before)
    assert result.exit_code == 0, result.output
    assert seen == {"interval": pytest.approx(SWITCH_INTERVAL_S), "port": 8123}
    assert SWITCH_INTERVAL_S < 0.005


def test_an_unforeseen_error_is_one_line_and_exit_code_1_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import planbot.pipeline

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(planbot.pipeline, "Pipeline", broken)
    with caplog.at_level(logging.INFO, logger="planbot.cli"):
        result = CliRunner().invoke(main, ["ask", "Måste kommunen ha bibliotek?"])
    assert result.exit_code == 1
    said = "planbot: internal error: RuntimeError: database is locked (run with -v to see where)\n"
    assert result.output == said
    # Where it happened is logged at INFO, which -v shows.
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [RuntimeError]
