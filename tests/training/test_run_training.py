"""``run_training`` end to end, headless: the scenario's mock starts in its thread, the app runs with the
panel, --reset starts over, and quitting stops the mock."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlparse

import pytest

from ravensec.tui.training.app import TrainingApp
from ravensec.tui.training.launch import run_training
from ravensec.tui.training.progress import Progress, load_progress, save_progress
from tests.tui.helpers import settle


def test_reset_run_and_quit(monkeypatch: pytest.MonkeyPatch) -> None:
    save_progress(Progress("leaked-certificate", hints_shown=2, answers={"x": "y"}, runs=3))
    seen: dict[str, Any] = {}
    original = TrainingApp.run

    def headless(self: TrainingApp, **_: Any) -> Any:
        async def auto(pilot: Any) -> None:
            await settle(pilot)
            seen["hints"] = self.progress.hints_shown
            seen["portal"] = self.cloud.portal_url
            await pilot.press("H")
            await pilot.press("q")

        return original(self, headless=True, auto_pilot=auto, size=(120, 40))

    monkeypatch.setattr(TrainingApp, "run", headless)
    assert run_training("leaked-certificate", reset=True) == 0
    assert seen["hints"] == 0  # --reset forgot the two hints
    after = load_progress("leaked-certificate")
    assert (after.hints_shown, after.answers, after.runs) == (1, {}, 1)
    url = urlparse(seen["portal"])
    with pytest.raises(OSError), socket.create_connection((url.hostname, url.port), timeout=2):
        pass  # the mock stopped with the app
