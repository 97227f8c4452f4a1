"""Pilot tests of the certificates screen against the real mock over real TLS."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from textual.widgets import Select, Static

from ravensec.core.certs.generate import make_client_certificate
from ravensec.core.models import SecurityClearance
from ravensec.core.profile import Profile
from ravensec.tui.modals.cert_forms import CertFormModal
from ravensec.tui.modals.credits import CreditsAdviceModal
from ravensec.tui.modals.plan import PlanModal
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.products import ProductsScreen
from ravensec.tui.widgets.grid import Grid
from tests.tui.helpers import click_save, fill, make_app, press, register_local, settle, toasts


def mock_certs(cloud: Any, product_id: str) -> dict[str, Any]:
    with cloud.state.lock:
        return dict(cloud.state.products[product_id].cluster.certificates)


async def open_certs(pilot: Any, product: Any) -> CertificatesScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProductsScreen)
    grid = screen.query_one(Grid)
    grid.move_cursor(row=[r.key for r in grid.shown_rows].index(product.id))
    await settle(pilot)
    await press(pilot, "c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CertificatesScreen)
    return pilot.app.screen


def select_row(screen: CertificatesScreen, thumbprint: str) -> None:
    grid = screen.query_one(Grid)
    grid.move_cursor(row=[r.key for r in grid.shown_rows].index(thumbprint))


async def test_list_filter_and_sort(cloud: Any, product: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, product)
        grid = screen.query_one(Grid)
        expected = {c.thumbprint for c in await app.require_workspace().list_certificates(product.id)}
        assert set(mock_certs(cloud, product.id)) <= expected
        assert {r.key for r in grid.shown_rows} == expected
        first = next(iter(screen.certs.values()))
        await press(pilot, "slash")
        for ch in first.thumbprint[:10].lower():
            await pilot.press(ch)
        await settle(pilot)
        assert [r.key for r in grid.shown_rows] == [first.thumbprint]
        await press(pilot, "escape")
        assert len(grid.shown_rows) == len(expected)
        await press(pilot, "s")  # sort by name
        names = [screen.certs[r.key].name.lower() for r in grid.shown_rows]
        assert names == sorted(names)


async def test_generate_on_server_saves_zip(cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        await press(pilot, "g")
        assert isinstance(app.screen, CreditsAdviceModal)  # the demo's products are burstable
        await press(pilot, "s")  # on the server anyway
        form = app.screen
        assert isinstance(form, CertFormModal)
        # An Operator may grant Operator or User, never Cluster Admin.
        options = [v for _, v in form.query_one("#clearance", Select)._options]
        assert "ClusterAdmin" not in options and "Operator" in options
        fill(app, name="svc-orders", folder=str(tmp_path / "out"), months="12", perms="Notes:Read")
        await click_save(pilot)
        assert isinstance(app.screen, CertificatesScreen), toasts(app)
        zip_path = tmp_path / "out" / "svc-orders.zip"
        assert zip_path.read_bytes()[:2] == b"PK"
        assert stat.S_IMODE(zip_path.stat().st_mode) == 0o600
        entries = [c for c in mock_certs(cloud, product.id).values() if c.name == "svc-orders"]
        assert len(entries) == 1 and entries[0].generated_by_server
        assert any(c.name == "svc-orders" for c in app.screen.certs.values())


async def test_generate_locally_and_register(cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        await press(pilot, "l")
        fill(app, name="local-one", folder=str(tmp_path / "keys"), perms="Notes:Read")
        await click_save(pilot)
        assert isinstance(app.screen, CertificatesScreen), toasts(app)
        entries = [c for c in mock_certs(cloud, product.id).values() if c.name == "local-one"]
        assert len(entries) == 1 and not entries[0].generated_by_server
        assert any(p.is_file() for p in (tmp_path / "keys").iterdir())


async def test_upload_edit_and_delete_with_confirmation(
    cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path
) -> None:
    bundle = make_client_certificate("uploaded")
    pem = tmp_path / "uploaded.crt"
    pem.write_bytes(bundle.cert_pem())
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, product)
        await press(pilot, "u")
        fill(app, name="uploaded", file=str(pem), perms="Notes:Read")
        app.screen.query_one("#clearance", Select).value = "ValidUser"
        await click_save(pilot)
        assert isinstance(app.screen, CertificatesScreen), toasts(app)
        thumb = next(t for t, c in mock_certs(cloud, product.id).items() if c.name == "uploaded")
        assert mock_certs(cloud, product.id)[thumb].clearance is SecurityClearance.VALID_USER

        select_row(screen, thumb)
        await settle(pilot)
        await press(pilot, "e")
        fill(app, name="renamed")
        await click_save(pilot)
        assert mock_certs(cloud, product.id)[thumb].name == "renamed"

        select_row(screen, thumb)
        await settle(pilot)
        await press(pilot, "x")
        confirm = app.screen
        assert isinstance(confirm, PlanModal)
        body = str(confirm.query_one("#plan-body", Static).render())
        assert "renamed" in body and thumb in body and "danger:" in body  # names what goes, and what it costs
        await press(pilot, "escape")
        assert thumb in mock_certs(cloud, product.id)  # cancel keeps it
        await press(pilot, "x", "y")
        await settle(pilot)
        assert thumb not in mock_certs(cloud, product.id)


async def test_failed_save_keeps_the_dialog_and_values(cloud: Any, product: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, product)
        await press(pilot, "u")
        fill(app, name="bad", file="/nonexistent/cert.pfx")
        await click_save(pilot)
        assert isinstance(app.screen, CertFormModal)
        assert app.screen.value("name") == "bad"
        assert any("Cannot read" in t for t in toasts(app))


async def test_operator_refused_on_cluster_admin_and_own_certificate(
    cloud: Any, product: Any, operator_profile: Profile, admin_profile: Profile, tmp_path: Path
) -> None:
    admin_thumb, _ = await register_local(admin_profile, product.id, "second-admin",
                                          SecurityClearance.CLUSTER_ADMIN, tmp_path)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, product)
        select_row(screen, admin_thumb)
        await settle(pilot)
        reason = screen.refusal("delete") or ""
        assert "Cluster Admin" in reason
        assert reason in str(screen.query_one("#reason", Static).render())
        await press(pilot, "x")
        await press(pilot, "e")
        assert app.screen is screen  # neither confirmation nor form opened
        assert admin_thumb in mock_certs(cloud, product.id)

        me = app.caller(product.id)
        assert me is not None
        select_row(screen, me.thumbprint)
        await settle(pilot)
        assert "in use" in (screen.refusal("delete") or "")
        await press(pilot, "x")
        assert app.screen is screen


async def test_user_certificate_cannot_manage_certificates(
    cloud: Any, product: Any, user_profile: Profile
) -> None:
    app = make_app(user_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, product)
        caller = app.caller(product.id)
        assert caller is not None and caller.security_clearance is SecurityClearance.VALID_USER
        for key in ("g", "l", "u"):
            await press(pilot, key)
            assert app.screen is screen
        assert "cannot manage certificates" in str(screen.query_one("#reason", Static).render())
        assert "cannot list" in str(screen.query_one("#detail", Static).render())
        assert not app.errors  # the refused list was not even asked for
