"""``ravensec``'s entry point: no command launches the TUI with the right options; a command does not."""

from __future__ import annotations

from typing import Any

import pytest

import ravensec.tui.launch
from ravensec.tui.__main__ import main
from ravensec.tui.cli.options import tui_arguments
from ravensec.tui.cli.parser import build_parser
from ravensec.tui.demo import ServedDemo


def test_no_command_launches_the_tui_with_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run_tui(**kw: Any) -> int:
        seen.update(kw)
        return 7

    monkeypatch.setattr(ravensec.tui.launch, "run_tui", fake_run_tui)
    assert main(["--demo", "--world", "empty", "--read-only", "--log-level", "debug"]) == 7
    served = seen.pop("demo_process")
    assert seen == {"profile": None, "demo": True, "world": "empty", "read_only": True, "log_level": "debug"}
    # The demo's mock was spawned before the UI, and stopped and removed once the UI returned.
    assert isinstance(served, ServedDemo) and served.process.returncode is not None and not served.home.exists()
    seen.clear()
    assert main(["--profile", "work"]) == 7
    assert seen["profile"] == "work" and seen["demo"] is False and seen["log_level"] == "info"
    assert seen["demo_process"] is None


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


@pytest.mark.parametrize("argv", [
    [], ["--demo"], ["--demo", "--world", "empty", "--read-only", "--log-level", "debug"], ["--profile", "certs"],
    ["-v", "-v", "--no-color", "-y", "-o", "json"], ["--profile=work", "--dem"],
])
def test_the_terminal_ui_options_read_as_the_full_parser_reads_them(argv: list[str]) -> None:
    # The UI's own small parser (no command modules imported) agrees with the parser of every command.
    full = vars(build_parser().parse_args(argv))
    ui = tui_arguments(argv)
    assert ui is not None and full.pop("command") is None
    assert vars(ui) == full


@pytest.mark.parametrize("argv", [
    ["certs", "list"], ["--profile", "p", "whoami"], ["-h"], ["--help"], ["--demo", "stray"], ["-o", "xml"],
    ["--log-level"], ["--", "--demo"],
])
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert tui_arguments(argv) is None
