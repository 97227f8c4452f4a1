"""Helpers for the Pilot tests: build the app against a profile, wait until it settles, fill forms."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Static

from ravensec.core.models import SecurityClearance
from ravensec.core.profile import Profile
from ravensec.core.workspace import Workspace
from ravensec.tui.app import RavensecApp


def make_app(profile: Profile | None, *, now: Callable[[], datetime] | None = None, **kw: Any) -> RavensecApp:
    return RavensecApp(profile, now=now, **kw)


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Wait for every worker (network calls) and the messages they post."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot: Pilot[Any], check: Callable[[], bool], what: str, timeout: float = 30,
                     *, workers: bool = True) -> None:
    """Until ``check()`` holds: timers and workers run at the machine's pace, so a loaded machine is slower
    but never wrong. The deadline is only there to end a test that is really broken. ``workers=False`` when
    a worker is deliberately held: waiting for every worker to complete would then never return."""
    deadline = time.monotonic() + timeout
    while True:
        if workers:
            await settle(pilot, 1)
        else:
            await pilot.pause()
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(0.05)


async def press(pilot: Pilot[Any], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, 1)


def fill(app: RavensecApp, **values: str) -> None:
    """Set form inputs by id on the active screen (typing each key adds nothing to what is tested)."""
    for widget_id, value in values.items():
        app.screen.query_one(f"#{widget_id}", Input).value = value


async def click_save(pilot: Pilot[Any]) -> None:
    await pilot.click("#save")
    await settle(pilot)


def screen_text(app: RavensecApp) -> str:
    """All visible text of the active screen's Static widgets (for asserting what the user is told)."""
    parts = []
    for w in app.screen.query(Static):
        parts.append(str(w.render()))
    return "\n".join(parts)


def toasts(app: RavensecApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def register_local(profile: Profile, product_id: str, name: str, clearance: SecurityClearance,
                         dest: Path) -> tuple[str, Path]:
    """Register a new certificate through core (as ``profile``); returns its thumbprint and PEM/PFX path."""
    async with await Workspace.open(profile) as ws:
        thumb, paths = await ws.generate_local_and_register(product_id, name, clearance, {}, dest_dir=dest)
    pem = [p for p in paths if p.suffix == ".pem"] or [p for p in paths if p.suffix == ".pfx"]
    assert pem, f"no .pem or .pfx among {paths}"
    return thumb, pem[0]
