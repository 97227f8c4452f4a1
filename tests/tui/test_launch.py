"""Start-up paths: unknown profile, unreachable target, log file; all end with one clear line and an exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TabbedContent

from ravensec.core.config import Config, load_config, save_config
from ravensec.core.profile import Profile
from ravensec.tui import launch
from ravensec.tui.app import RavensecApp
from ravensec.tui.launch import run_tui
from ravensec.tui.screens.firstrun import FirstRunScreen
from ravensec.tui.screens.products import ProductsScreen
from ravensec.tui.widgets.badge import HeaderBadge
from tests.tui.helpers import fill, settle


def test_unknown_profile_is_a_clear_not_found_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc = run_tui(profile="nope", demo=False, world=None, read_only=False, log_level="info")
    err = capsys.readouterr().err
    assert rc == 4  # not found, the CLI's documented code for an unknown profile
    assert "nope" in err and "Traceback" not in err


def test_the_tui_honours_ravensec_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The same rule as the CLI (core.config.select_profile): $RAVENSEC_PROFILE over the config's current."""
    cfg = Config(profiles={n: Profile(name=n, kind="cloud", api_key="k") for n in ("a", "b")}, current="a",
                 path=tmp_path / "config.toml")
    save_config(cfg)
    monkeypatch.setenv("RAVENSEC_CONFIG", str(cfg.path))
    opened: list[Profile | None] = []

    class Recorder(RavensecApp):
        def run(self, *args: Any, **kwargs: Any) -> None:  # record the choice instead of taking the terminal
            opened.append(self.profile)

    monkeypatch.setattr(launch, "RavensecApp", Recorder)
    monkeypatch.setenv("RAVENSEC_PROFILE", "b")
    assert run_tui(profile=None, demo=False, world=None, read_only=False, log_level="info") == 0
    assert run_tui(profile="a", demo=False, world=None, read_only=False, log_level="info") == 0
    assert [p.name if p else None for p in opened] == ["b", "a"]
    monkeypatch.setenv("RAVENSEC_PROFILE", "nope")
    assert run_tui(profile=None, demo=False, world=None, read_only=False, log_level="info") == 4  # not found
    assert "'nope' (from $RAVENSEC_PROFILE)" in capsys.readouterr().err


def test_bad_log_level_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    rc = run_tui(profile=None, demo=False, world=None, read_only=False, log_level="loud")
    assert rc == 2 and "log-level" in capsys.readouterr().err


async def test_unreachable_target_exits_non_zero_with_message(tmp_path: Path) -> None:
    profile = Profile(name="dead", kind="cloud", api_url="https://127.0.0.1:9/api/v1", api_key="k",
                      portal_url="https://127.0.0.1:9", timeout=2)
    app = RavensecApp(profile)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.pause(0.5)
    # Opening may succeed lazily; then the products load fails into the funnel instead.
    if app.fatal:
        assert app.return_code and app.return_code != 0
        assert "dead" in app.fatal and "Traceback" not in app.fatal
    else:
        assert app.errors, "a dead target must surface an error"


async def test_first_run_offers_the_demo() -> None:
    app = RavensecApp(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press("ctrl+d")
        for _ in range(50):  # the mock starts in a thread
            await settle(pilot)
            if isinstance(app.screen, ProductsScreen):
                break
            await pilot.pause(0.1)
        assert isinstance(app.screen, ProductsScreen)
        assert "DEMO" in str(app.screen.query_one(HeaderBadge).render())
    assert app.demo_handle is not None  # stopped by the app on unmount


async def test_first_run_creates_a_direct_profile(cloud: object, product: object) -> None:

    p: Any = product
    c: Any = cloud
    app = RavensecApp(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-direct"
        await settle(pilot)
        fill(app, **{"direct-name": "lab", "direct-urls": ", ".join(p.node_urls.values()),
                     "direct-cert": str(p.operator_pem), "direct-ca": str(c.ca_path)})
        await pilot.click("#create-direct")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen), app.errors
        assert app.caller("direct") is not None  # whoami over mTLS with the chosen certificate
    cfg = load_config()
    assert cfg.current == "lab" and cfg.profiles["lab"].kind == "direct"


async def test_demo_world_starts_after_the_first_frame_and_opens_products() -> None:
    app = RavensecApp(None, demo=True, demo_world="demo-fixed")
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.demo_handle is None  # nothing started before the first frame
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, ProductsScreen) and app.screen.products:
                break
            await pilot.pause(0.1)
        assert isinstance(app.screen, ProductsScreen) and app.screen.products
        assert app.demo_handle is not None
        assert app.workspace is not None and app.workspace.now is app.now  # expiring() on the world's clock
    assert app.return_code in (None, 0)


async def test_unknown_demo_world_is_fatal_with_one_clear_line() -> None:
    app = RavensecApp(None, demo=True, demo_world="no-such-world")
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if app.fatal:
                break
    assert app.fatal and "demo could not start" in app.fatal and "no-such-world" in app.fatal
    assert "Traceback" not in app.fatal
    assert app.return_code == 1
