"""``ravensec``'s entry point: no command launches the TUI with the right options; a command does not."""

from __future__ import annotations

from typing import Any

import pytest

import ravensec.tui.launch
from ravensec.tui.__main__ import main


def test_no_command_launches_the_tui_with_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run_tui(**kw: Any) -> int:
        seen.update(kw)
        return 7

    monkeypatch.setattr(ravensec.tui.launch, "run_tui", fake_run_tui)
    assert main(["--demo", "--world", "empty", "--read-only", "--log-level", "debug"]) == 7
    assert seen == {"profile": None, "demo": True, "world": "empty", "read_only": True, "log_level": "debug"}
    seen.clear()
    assert main(["--profile", "work"]) == 7
    assert seen["profile"] == "work" and seen["demo"] is False and seen["log_level"] == "info"


def test_a_command_does_not_launch_the_tui(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(ravensec.tui.launch, "run_tui", lambda **kw: pytest.fail("the TUI was launched"))
    assert main(["completion", "bash"]) == 0
    assert "complete -o default -F _ravensec ravensec" in capsys.readouterr().out


def test_help_exits_0_and_lists_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes" in out and "5 unreachable" in out and "certs" in out
