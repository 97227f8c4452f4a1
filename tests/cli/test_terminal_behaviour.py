"""What changes on a terminal: confirmation prompts, the progress line, colour; and none of it when piped."""

from __future__ import annotations

import io
import sys
from dataclasses import replace

import pytest

from ravensec.core.models import Product, ProductStatus
from ravensec.tui.cli.context import Context
from ravensec.tui.cli.output import Output
from ravensec.tui.cli.parser import parse_args
from ravensec.tui.cli.run import run
from tests.cli.fakes import FakeWorkspace


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_on_tty(argv: list[str], ws: FakeWorkspace, answer: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    stdin = Tty(answer)
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    args = parse_args(argv)
    out, err = Tty(), Tty()
    ctx = Context(args, out=Output(args.output, no_color=args.no_color, stdout=out, stderr=err), workspace=ws)  # type: ignore[arg-type]
    rc = run(args, ctx)  # type: ignore[arg-type]
    return rc, out.getvalue(), err.getvalue()


def test_terminal_prompt_yes_deletes(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = FakeWorkspace()
    rc, out, err = _run_on_tty(["certs", "delete", "soon", "-p", "p1"], ws, "y\n", monkeypatch)
    assert rc == 0 and "Delete 'soon'" in err and "[y/N]" in err
    assert "plan: delete 'soon'" in out and "danger: clients presenting" in out
    assert ("delete", "p1", "EF" * 20) in ws.calls


def test_terminal_prompt_default_is_no(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = FakeWorkspace()
    rc, _, err = _run_on_tty(["certs", "delete", "soon", "-p", "p1"], ws, "\n", monkeypatch)
    assert rc == 2 and "Cancelled" in err and not [c for c in ws.calls if c[0] == "delete"]


def test_terminal_gets_colour_and_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    class Slow(FakeWorkspace):
        polls = 0

        async def get_product(self, pid: str) -> Product:
            self.polls += 1
            p = await super().get_product(pid)
            return p if self.polls >= 2 else replace(p, status=ProductStatus.CREATING)

    rc, out, err = _run_on_tty(["products", "wait", "p1", "--interval", "0"], Slow(), "", monkeypatch)
    assert rc == 0 and "waiting for Orders: Creating" in err and err.endswith("\r\x1b[K")
    rc, out, _ = _run_on_tty(["certs", "list", "-p", "p1"], FakeWorkspace(), "", monkeypatch)
    assert "\x1b[31mexpired" in out and "\x1b[1mNAME" in out
    rc, out, _ = _run_on_tty(["certs", "list", "-p", "p1", "--no-color"], FakeWorkspace(), "", monkeypatch)
    assert "\x1b[" not in out
