"""Issue 13's guards in the TUI, against the real mock over real TLS: every change is planned, shown,
confirmed (with the consents it needs), applied and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Button, Input, Select, Static

from ravensec.core import planning
from ravensec.core.certs.generate import make_client_certificate
from ravensec.core.certs.identity import thumbprint
from ravensec.core.models import SecurityClearance
from ravensec.core.profile import Profile
from ravensec.tui.modals.cert_forms import CertFormModal
from ravensec.tui.modals.confirm import ConfirmModal
from ravensec.tui.modals.plan import PlanModal
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.iprules import IpRulesScreen
from ravensec.tui.widgets.grid import Grid
from tests.tui.helpers import click_save, fill, make_app, press, settle, toasts
from tests.tui.test_pilot_certificates import mock_certs, open_certs, select_row
from tests.tui.test_pilot_screens import goto


def form_error(app: Any) -> str:
    return str(app.screen.query_one("#form-error", Static).render())


def plan_body(app: Any) -> str:
    return str(app.screen.query_one("#plan-body", Static).render())


def shop(cloud: Any) -> Any:
    return next(p for p in cloud.products.values() if p.name == "Shop")


async def test_reupload_asks_to_replace_and_shows_the_differences(
    cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path
) -> None:
    bundle = make_client_certificate("up")
    crt = tmp_path / "up.crt"
    crt.write_bytes(bundle.cert_pem())
    tp = thumbprint(bundle.certificate)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        await press(pilot, "u")
        fill(app, name="tui-up", file=str(crt), perms="Notes:Read")
        app.screen.query_one("#clearance", Select).value = "ValidUser"
        await click_save(pilot)
        assert isinstance(app.screen, CertificatesScreen), toasts(app)  # a new registration: nothing to ask
        await press(pilot, "u")
        fill(app, name="tui-up-again", file=str(crt), perms="")
        app.screen.query_one("#clearance", Select).value = "Operator"
        await click_save(pilot)
        assert isinstance(app.screen, PlanModal)
        body = plan_body(app)
        assert "already registered as 'tui-up'" in body and "User → Operator (raised)" in body
        assert "permissions lost: Notes=Read" in body and "danger:" in body  # the severity as a word
        assert str(app.screen.query_one("#yes", Button).label) == "Replace"
        await press(pilot, "escape")
        assert isinstance(app.screen, CertFormModal) and "Not applied" in form_error(app)
        entry = mock_certs(cloud, product.id)[tp]
        assert entry.name == "tui-up" and entry.clearance is SecurityClearance.VALID_USER
        await click_save(pilot)
        await press(pilot, "y")
        await settle(pilot)
        assert isinstance(app.screen, CertificatesScreen), toasts(app)
        entry = mock_certs(cloud, product.id)[tp]
        assert entry.name == "tui-up-again" and entry.clearance is SecurityClearance.OPERATOR


async def test_generate_never_overwrites_the_only_key(
    cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path
) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        for _ in range(2):
            await press(pilot, "g", "s")  # past the CPU credits advice: generate on the server anyway
            fill(app, name="tui-user", folder=str(tmp_path), perms="Notes:Read")
            await click_save(pilot)
        assert isinstance(app.screen, CertFormModal)
        assert "already exists" in form_error(app) and "another name or directory" in form_error(app)
        first = (tmp_path / "tui-user.zip").read_bytes()
        assert first[:2] == b"PK"
        assert [c.name for c in mock_certs(cloud, product.id).values()].count("tui-user") == 1


async def test_forms_apply_the_servers_rules(cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    before = set(mock_certs(cloud, product.id))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        await press(pilot, "l")
        cases = [("ValidUser", "", "at least one database"), ("Operator", "Notes:Read", "User certificates only"),
                 ("ValidUser", "Nope:Read", "No database Nope")]
        for clearance, perms, message in cases:
            app.screen.query_one("#clearance", Select).value = clearance
            fill(app, name="rules", folder=str(tmp_path), perms=perms)
            await click_save(pilot)
            assert isinstance(app.screen, CertFormModal) and message in form_error(app), form_error(app)
    assert set(mock_certs(cloud, product.id)) == before and not list(tmp_path.iterdir())


async def test_removing_your_own_address_needs_it_typed(cloud: Any, operator_profile: Profile) -> None:
    target = shop(cloud)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await goto(pilot, target.id, "i")
        assert isinstance(screen, IpRulesScreen)
        grid = screen.query_one(Grid)
        grid.move_cursor(row=[str(r.cells[0]) for r in grid.shown_rows].index("127.0.0.1/32"))
        await settle(pilot)
        await press(pilot, "x", "ctrl+s")
        assert isinstance(app.screen, PlanModal)
        assert "danger: your address 127.0.0.1 is no longer allowed" in plan_body(app)
        yes = app.screen.query_one("#yes", Button)
        assert yes.disabled
        await press(pilot, "y", "enter")  # a keystroke is not enough: "y" lands in the box
        assert isinstance(app.screen, PlanModal) and yes.disabled
        await press(pilot, "escape")
        with cloud.state.lock:
            assert "127.0.0.1/32" in [r.cidr for r in cloud.state.products[target.id].allowed_ips]
        await press(pilot, "ctrl+s")
        app.screen.query_one("#typed", Input).value = "Lock me out"
        await settle(pilot)
        assert not app.screen.query_one("#yes", Button).disabled
        await pilot.click("#yes")
        await settle(pilot)
        with cloud.state.lock:
            assert "127.0.0.1/32" not in [r.cidr for r in cloud.state.products[target.id].allowed_ips]


async def test_unsaved_ip_edits_ask_on_every_way_out(cloud: Any, product: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await goto(pilot, product.id, "i")
        await press(pilot, "a")
        fill(app, cidr="198.51.100.0/24", alias="lab")
        await click_save(pilot)
        assert screen.dirty
        for key in ("q", "r", "escape", "X"):
            await press(pilot, key)
            assert isinstance(app.screen, ConfirmModal), key
            assert "198.51.100.0/24" in str(app.screen.query_one("#confirm-body", Static).render())
            await press(pilot, "escape")  # stay
            assert app.screen is screen and screen.dirty and app.is_running, key
        await press(pilot, "r", "y")
        await settle(pilot)
        assert app.screen is screen and not screen.dirty  # reloaded: the edit is gone, as confirmed


async def test_the_server_certificate_is_not_reported_deleted(
    cloud: Any, product: Any, operator_profile: Profile
) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, product)
        server = next(c for c in screen.certs.values() if c.name == "Server Certificate")
        select_row(screen, server.thumbprint)
        await settle(pilot)
        assert "cannot be deleted" in (screen.refusal("delete") or "")
        await press(pilot, "x")
        assert app.screen is screen  # refused up front, with the reason shown
        # Past the binding, core's plan refuses it too: an error, never "Deleted".
        screen.change("Delete certificate", lambda: planning.plan_delete(app.require_workspace(), product.id,
                                                                         server.thumbprint))
        await settle(pilot)
        assert app.screen is screen
        assert any("cannot be deleted" in t for t in toasts(app)), toasts(app)
        assert not any(t.startswith("Deleted") for t in toasts(app))
        assert server.thumbprint in screen.certs
