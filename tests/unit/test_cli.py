"""The `planbot` command: what `planbot serve` sets up before it hands the app to uvicorn."""

from __future__ import annotations

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
