"""Pilot tests of products, IP rules, backups, expiry, read-only, the error funnel and the demo launch,
against the real mock over real TLS."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from ravensec.core.errors import ReadOnlyError
from ravensec.core.profile import Profile
from ravensec.tui.demo import Demo, ServedDemo
from ravensec.tui.modals.forms import FormModal
from ravensec.tui.modals.info import InfoModal
from ravensec.tui.modals.iprule import IpRuleModal
from ravensec.tui.modals.plan import PlanModal
from ravensec.tui.screens.backups import BackupsScreen
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.expiry import ExpiryScreen
from ravensec.tui.screens.iprules import IpRulesScreen
from ravensec.tui.screens.products import ProductsScreen
from ravensec.tui.widgets.badge import HeaderBadge
from ravensec.tui.widgets.grid import Grid
from tests.tui.helpers import click_save, fill, make_app, press, settle, toasts, wait_until


def visible_products(cloud: Any) -> set[str]:
    with cloud.state.lock:
        return {p.id for p in cloud.state.products.values() if not p.hidden}


async def goto(pilot: Any, product_id: str, key: str) -> Any:
    await settle(pilot)
    grid = pilot.app.screen.query_one(Grid)
    grid.move_cursor(row=[r.key for r in grid.shown_rows].index(product_id))
    await settle(pilot)
    await press(pilot, key)
    await settle(pilot)
    return pilot.app.screen


async def test_products_table_filter_and_header(cloud: Any, product: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        grid = screen.query_one(Grid)
        assert {r.key for r in grid.shown_rows} == visible_products(cloud)
        name = screen.products[product.id].display_name
        await press(pilot, "slash", *name.lower())
        assert product.id in [r.key for r in grid.shown_rows]
        assert all(name.lower() in r.text() for r in grid.shown_rows)
        await press(pilot, "escape")
        await goto(pilot, product.id, "r")
        badge = str(screen.query_one(HeaderBadge).render())
        caller = app.caller(product.id)
        assert caller is not None
        assert "mock" in badge and caller.name in badge and caller.security_clearance.label in badge
        detail = str(screen.query_one("#detail", Static).render())
        assert all(url in detail for url in product.node_urls.values())


async def test_download_certificate_package(cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, product.id, "d")
        assert isinstance(app.screen, FormModal)
        fill(app, folder=str(tmp_path / "pkg"))
        await click_save(pilot)
        assert isinstance(app.screen, InfoModal), toasts(app)
        body = str(app.screen.query_one("#info-body", Static).render())
        assert "certificate_pem_path" in body and "Browser" in body
        keys = [p for p in (tmp_path / "pkg").rglob("*") if p.suffix in (".key", ".pem", ".pfx")]
        assert keys and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in keys)


async def test_ip_rules_add_validate_save_remove(cloud: Any, product: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await goto(pilot, product.id, "i")
        assert isinstance(screen, IpRulesScreen)
        await press(pilot, "a")
        assert isinstance(app.screen, IpRuleModal)
        fill(app, cidr="10.0.0.300")
        await settle(pilot)
        assert str(app.screen.query_one("#form-error", Static).render())  # inline validation
        await click_save(pilot)
        assert isinstance(app.screen, IpRuleModal)  # invalid: stays open
        fill(app, cidr="198.51.100.0/24", alias="lab")
        await click_save(pilot)
        assert app.screen is screen and screen.dirty
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, PlanModal)
        assert "198.51.100.0/24" in str(app.screen.query_one("#plan-body", Static).render())
        await press(pilot, "y")
        await settle(pilot)
        with cloud.state.lock:
            saved = [r.cidr for r in cloud.state.products[product.id].allowed_ips]
        assert "198.51.100.0/24" in saved
        grid = screen.query_one(Grid)
        grid.move_cursor(row=[r.cells[0] for r in grid.shown_rows].index("198.51.100.0/24"))
        await settle(pilot)
        await press(pilot, "x", "ctrl+s", "y")
        await settle(pilot)
        with cloud.state.lock:
            assert "198.51.100.0/24" not in [r.cidr for r in cloud.state.products[product.id].allowed_ips]


async def test_ip_rules_save_in_flight_is_not_cancelled(cloud: Any, product: Any, operator_profile: Profile,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Reload, save and edits wait for a save in flight: the exclusive group would otherwise cancel it, and
    the user would never learn whether the rules were saved."""
    import asyncio

    from ravensec.core.workspace import Workspace

    real_set = Workspace.set_ip_rules
    release = asyncio.Event()
    entered = asyncio.Event()

    async def held_set(self: Workspace, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        await release.wait()
        return await real_set(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "set_ip_rules", held_set)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await goto(pilot, product.id, "i")
        assert isinstance(screen, IpRulesScreen)
        await press(pilot, "a")
        fill(app, cidr="198.51.100.0/24", alias="lab")
        await click_save(pilot)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, PlanModal)
        await pilot.press("y")  # not press(): its settle would wait for the held save
        await wait_until(pilot, entered.is_set, "the save to reach the server", workers=False)
        for action in ("reload", "save_rules", "add_rule", "remove_rule"):
            assert screen.refusal(action) == "Saving the rules…", action
        await pilot.press("r", "ctrl+s", "a")
        await pilot.pause()
        assert app.screen is screen
        release.set()
        await wait_until(pilot, lambda: not screen.saving, "the save to finish")
        assert "Saved" in " ".join(toasts(app)) and not screen.dirty
        with cloud.state.lock:
            assert "198.51.100.0/24" in [r.cidr for r in cloud.state.products[product.id].allowed_ips]
        assert screen.refusal("reload") is None


async def test_backups_verify_with_key(cloud: Any, product: Any, operator_profile: Profile) -> None:
    with cloud.state.lock:
        entries = list(cloud.state.products[product.id].backups)
        key = base64.b64encode(cloud.state.account.backup_key).decode()
    account_backups = [b for b in entries if b.key_source.value == "Account"]
    if not account_backups:
        pytest.skip("the demo world's first product has no backups under the account key")
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await goto(pilot, product.id, "b")
        assert isinstance(screen, BackupsScreen)
        assert len(screen.query_one(Grid).shown_rows) == len(entries)
        target = account_backups[0]
        index = next(i for i, b in enumerate(screen.backups) if b.file_name == target.file_name)
        screen.query_one(Grid).move_cursor(row=[r.key for r in screen.query_one(Grid).shown_rows].index(str(index)))
        await press(pilot, "v")
        fill(app, key=base64.b64encode(b"\x01" * 32).decode())
        await click_save(pilot)
        assert isinstance(app.screen, FormModal)  # wrong key: the dialog stays with a message
        fill(app, key=key)
        await click_save(pilot)
        assert app.screen is screen
        assert any(target.file_name in t for t in toasts(app))


class _BorrowedDemo(Demo):
    """The session's mock as a demo handle; the fixture, not the app, stops it."""

    def stop(self) -> None:
        pass


async def test_the_demo_offers_its_backup_key(cloud: Any, product: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    app.demo_handle = _BorrowedDemo(cloud=cloud, profile=operator_profile)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await goto(pilot, product.id, "b")
        assert isinstance(screen, BackupsScreen)
        if not screen.backups:
            pytest.skip("the demo world's first product has no backups")
        await press(pilot, "v")
        assert isinstance(app.screen, FormModal)
        assert app.screen.query_one("#key", Input).value  # filled in: nothing to type in the demo
        await click_save(pilot)
        assert app.screen is screen, toasts(app)
        assert any("opens with this key" in t for t in toasts(app))


async def test_expiry_overview(cloud: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "X")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExpiryScreen)
        expected = await app.require_workspace().expiring(60)
        assert len(screen.query_one(Grid).shown_rows) == len(expected)


async def test_read_only_refuses_writes(cloud: Any, product: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "[RO]" in str(app.screen.query_one(HeaderBadge).render())
        screen = await goto(pilot, product.id, "c")
        assert isinstance(screen, CertificatesScreen)
        for key in ("g", "l", "u", "e", "x", "p"):
            await press(pilot, key)
            assert app.screen is screen
        assert "read-only" in (screen.refusal("generate") or "")
        with pytest.raises(ReadOnlyError):  # and core refuses on its own
            await app.require_workspace().purge_expired(product.id)


async def test_a_list_that_fails_at_open_is_read_again_by_the_screen(cloud: Any, operator_profile: Profile) -> None:
    # The app lists the products while the screens load; a failure there is not fatal: the screen opens,
    # reads the list itself, and what went wrong reaches the error funnel with the screen on view.
    cloud.faults.add(route="/api/v1/products/list", node="portal", kind="status", value=503, times=2)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen)
        assert [where for where, _ in app.errors] == ["load products"]
        assert not app.screen.products
        await press(pilot, "r")
        await settle(pilot)
        assert app.screen.products and app.screen.query_one(Grid).shown_rows


async def test_error_funnel_toast_and_details(cloud: Any, product: Any, operator_profile: Profile) -> None:
    cloud.faults.add(route="/admin/certificates", method="GET", kind="status", value=503, times=None)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, product.id, "c")
        assert app.errors, "the failed load reached the funnel"
        where, error = app.errors[-1]
        assert where == "load certificates"
        assert str(error) in toasts(app)
        await press(pilot, "exclamation_mark")
        assert isinstance(app.screen, InfoModal)
        assert type(error).__name__ in str(app.screen.query_one("#info-body", Static).render())


async def test_demo_launch_marks_header() -> None:
    demo = ServedDemo.spawn("demo")
    try:
        demo.wait_ready()
        app = make_app(demo.profile, now=demo.now, demo=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ProductsScreen)
            assert "DEMO" in str(app.screen.query_one(HeaderBadge).render())
            assert app.screen.query_one(Grid).shown_rows
    finally:
        demo.stop()


async def test_ip_rules_add_my_ip(cloud: Any, product: Any, operator_profile: Profile,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # A mock sees this machine as 127.0.0.1: "my IP" is loopback, and no public service is asked.
    monkeypatch.setenv("RAVENSEC_MY_IP", "192.0.2.44")

    async def never(*a: object, **k: object) -> str:
        raise AssertionError("a mock profile must not ask a public service for its address")

    monkeypatch.setattr("ravensec.core.workspace.cloud.my_ip", never)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await goto(pilot, product.id, "i")
        await press(pilot, "m")
        await settle(pilot)
        assert isinstance(app.screen, IpRuleModal)
        assert app.screen.value("cidr") == "127.0.0.1"
        await click_save(pilot)
        assert "127.0.0.1/32" in [r.cidr for r in screen.working]


async def test_ip_rules_on_an_account_without_the_capability(cloud: Any, product: Any,
                                                             operator_profile: Profile) -> None:
    from ravensec.core.workspace import Capabilities

    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # What Workspace.open finds on a real account: the /ext/v1 probe answers 404.
        app.require_workspace().capabilities = Capabilities(False, False, False, "https://portal.example")
        screen = await goto(pilot, product.id, "i")
        assert isinstance(screen, IpRulesScreen)
        notice = str(screen.query_one("#notice", Static).render())
        assert "https://portal.example" in notice
        assert "portal" in (screen.refusal("add_rule") or "")
        await press(pilot, "a")
        assert app.screen is screen and not app.errors
