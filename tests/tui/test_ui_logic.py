"""Fast tests of UI logic (filter, sort, refusals) with the in-memory fake; the wire is tested elsewhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import Static

from ravensec.core.certs.identity import ExpiryState, expiry_state
from ravensec.core.errors import Unavailable
from ravensec.core.models import SecurityClearance
from ravensec.core.profile import Profile
from ravensec.tui.app import RavensecApp
from ravensec.tui.modals.info import InfoModal
from ravensec.tui.modals.plan import PlanModal
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.iprules import IpRulesScreen
from ravensec.tui.screens.products import ProductsScreen
from ravensec.tui.widgets.format import expiry_cell, fmt_date, parse_permissions_text
from ravensec.tui.widgets.grid import Grid, GridRow, filter_rows, sort_rows
from ravensec.tui.widgets.palette import RavensecCommands
from ravensec.tui.widgets.policy import cert_action_refusal, grantable
from tests.tui.fake_workspace import NOW, FakeWorkspace, cert
from tests.tui.helpers import press, settle


async def open_certificates(pilot: Any) -> CertificatesScreen:
    """From the products screen once it has loaded: ``c``, and the certificates screen once it has too."""
    await settle(pilot)
    await press(pilot, "c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CertificatesScreen)
    return screen


def fake_app(ws: FakeWorkspace, **kw: Any) -> RavensecApp:
    async def opener(profile: Profile, read_only: bool | None) -> FakeWorkspace:
        if read_only:
            ws.read_only = True
        return ws

    return RavensecApp(Profile(name="t", kind="mock"), now=lambda: NOW, opener=opener, **kw)  # type: ignore[arg-type]


def test_filter_and_sort_rows() -> None:
    rows = [GridRow("a", ("beta", "2")), GridRow("b", ("Alpha", "10")), GridRow("c", ("0/0", ""), pinned=True)]
    assert [r.key for r in filter_rows(rows, "ALP")] == ["b", "c"]
    assert [r.key for r in filter_rows(rows, "-alpha")] == ["a", "c"]
    assert [r.key for r in sort_rows(rows, 0, False)] == ["c", "b", "a"]
    assert [r.key for r in sort_rows(rows, 0, True)] == ["c", "a", "b"]


def test_refusals_by_clearance() -> None:
    op = cert("op", SecurityClearance.OPERATOR, 100, 1)
    admin = cert("adm", SecurityClearance.CLUSTER_ADMIN, 100, 2)
    user = cert("u", SecurityClearance.VALID_USER, 100, 3)
    assert cert_action_refusal("edit", op, admin) is not None
    assert "Cluster Admin" in (cert_action_refusal("delete", op, admin) or "")
    assert cert_action_refusal("edit", op, user) is None
    assert "in use" in (cert_action_refusal("delete", op, op) or "")
    assert "cannot manage certificates" in (cert_action_refusal("generate", user, None) or "")
    assert grantable(SecurityClearance.OPERATOR) == [SecurityClearance.OPERATOR, SecurityClearance.VALID_USER]
    assert grantable(SecurityClearance.VALID_USER) == []


def test_expiry_cells_follow_cores_rule_and_permissions_text() -> None:
    def cell(delta: timedelta, not_before: timedelta | None = None) -> tuple[str, str]:
        text = expiry_cell(NOW + delta, NOW, None if not_before is None else NOW + not_before)
        return text.plain.split(" ", 1)[-1], str(text.style)

    assert cell(-timedelta(seconds=1)) == ("(expired)", "bold red")
    assert cell(timedelta(days=10)) == ("(10d)", "red")
    assert cell(timedelta(days=45)) == ("(45d)", "yellow")
    assert cell(timedelta(days=90)) == (fmt_date(NOW + timedelta(days=90)), "")
    assert cell(timedelta(days=90), not_before=timedelta(days=1)) == ("(not yet valid)", "yellow")
    # Exactly 30 days left is urgent, for the TUI as for core (and so the CLI's "expiry": "expiring_30").
    assert expiry_state(None, NOW + timedelta(days=30), NOW) is ExpiryState.EXPIRING_30
    assert cell(timedelta(days=30)) == ("(30d)", "red")
    assert cell(timedelta(days=30, seconds=1)) == ("(30d)", "yellow")
    assert {k: v.value for k, v in parse_permissions_text("orders:readwrite, hr:Read").items()} == {
        "orders": "ReadWrite", "hr": "Read"}


async def test_products_filter_with_fake() -> None:
    app = fake_app(FakeWorkspace())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ProductsScreen)
        grid = app.screen.query_one(Grid)
        assert len(grid.shown_rows) == 2
        await pilot.press("slash", "s", "a", "n", "d")
        await pilot.pause()
        assert [r.key for r in grid.shown_rows] == ["p2"]


async def test_operator_cannot_delete_admin_cert_and_read_only() -> None:
    ws = FakeWorkspace()
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certificates(pilot)
        grid = screen.query_one(Grid)
        keys = [r.key for r in grid.shown_rows]
        grid.move_cursor(row=keys.index(f"{2:040X}"))  # the Cluster Admin certificate
        await pilot.pause()
        assert screen.refusal("delete") is not None
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, PlanModal)
        grid.move_cursor(row=keys.index(f"{3:040X}"))
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        await app.workers.wait_for_complete()  # core plans the delete first
        await pilot.pause()
        assert isinstance(app.screen, PlanModal)
        await pilot.press("y")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert ws.calls == [f"delete {3:040X}"]


async def test_keymap_from_config_rebinds_by_id() -> None:
    app = fake_app(FakeWorkspace(), keymap={"products.certificates": "k"})
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, CertificatesScreen)


async def test_help_is_generated_from_bindings_with_reasons() -> None:
    app = fake_app(FakeWorkspace(), read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certificates(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, InfoModal)
        body = str(app.screen.query_one("#info-body", Static).render())
        assert "certs.generate" in body and "read-only" in body


async def test_palette_offers_screen_actions_and_reasons() -> None:
    app = fake_app(FakeWorkspace(caller=SecurityClearance.VALID_USER))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certificates(pilot)
        provider = RavensecCommands(app.screen)
        commands = {name: help for name, help, _ in provider._commands()}
        assert "Generate (disabled)" in commands
        assert "cannot manage certificates" in commands["Generate (disabled)"]
        assert "Refresh" in commands


async def test_palette_command_runs_the_screen_action() -> None:
    ws = FakeWorkspace()
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "IP rules":
            await pilot.press(ch if ch != " " else "space")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)

        assert isinstance(app.screen, IpRulesScreen)


async def test_a_failed_certificate_load_is_shown_not_an_empty_list() -> None:
    ws = FakeWorkspace()

    async def unreachable(product_id: str) -> list[Any]:
        raise Unavailable("No node of this product answered", hint="Check the network")

    ws.list_certificates = unreachable  # type: ignore[method-assign]
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certificates(pilot)
        detail = str(screen.query_one("#detail", Static).render())
        assert "could not be loaded" in detail and "No node of this product answered" in detail
        assert "No certificates." not in detail
        assert "could not be loaded" in (screen.refusal("edit") or "")
        assert any(n.title == "Load certificates failed" for n in app._notifications)
