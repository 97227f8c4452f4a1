"""Pilot tests of the posture review screen against the real mock: it opens from the products screen, shows the
demo's findings, and each fix key lands on the right screen with the right thing selected (or is refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Select, Static

from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.core.profile import Profile
from ravensec.core.workspace import Workspace
from ravensec.tui.modals.cert_forms import CertFormModal
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.iprules import IpRulesScreen
from ravensec.tui.screens.posture import PostureScreen
from ravensec.tui.widgets.grid import Grid
from tests.tui.helpers import make_app, press, settle


def product_id(cloud: Any, name: str) -> str:
    return next(p.id for p in cloud.products.values() if p.name == name)


async def open_posture(pilot: Any, key: str, product: str | None = None) -> PostureScreen:
    await settle(pilot)
    if product is not None:
        grid = pilot.app.screen.query_one(Grid)
        grid.move_cursor(row=[r.key for r in grid.shown_rows].index(product))
        await settle(pilot)
    await press(pilot, key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PostureScreen)
    return screen


async def choose(pilot: Any, screen: PostureScreen, code: str) -> None:
    grid = screen.query_one(Grid)
    index = next(i for i, r in enumerate(grid.shown_rows) if screen.findings[int(r.key)].code == code)
    grid.move_cursor(row=index)
    await settle(pilot)


async def test_all_products_and_the_ip_fix(cloud: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_posture(pilot, "P")
        assert screen.product is None
        codes = [f.code for f in screen.findings]
        assert sorted(codes) == sorted(["ip-allow-all", "cert-expired", "cert-expiring-30", "cert-expired",
                                        "cert-expiring-60", "cert-disabled-long"])
        assert codes[0] == "ip-allow-all"  # most severe first
        detail = str(screen.query_one("#detail", Static).render())
        assert "choose which IP addresses" in detail and "f: open the IP rules" in detail
        await press(pilot, "f")
        rules = app.screen
        assert isinstance(rules, IpRulesScreen) and rules.product.id == product_id(cloud, "Playground")
        assert rules.selected_index is not None and rules.working[rules.selected_index].cidr == "0.0.0.0/0"
        await press(pilot, "escape")
        assert app.screen is screen


async def test_one_product_and_the_certificate_fix(cloud: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock)
    shop = product_id(cloud, "Shop")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_posture(pilot, "a", shop)
        assert screen.product is not None and screen.product.id == shop
        assert {f.product_id for f in screen.findings} == {shop} and len(screen.findings) == 4
        await choose(pilot, screen, "cert-disabled-long")
        target = screen.selected
        assert target is not None
        await press(pilot, "enter")  # enter is the fix key too
        certs = app.screen
        assert isinstance(certs, CertificatesScreen)
        assert certs.selected is not None and certs.selected.name == "intern"
        assert certs.selected.thumbprint == target.fix.thumbprint


async def test_generate_here_fix_opens_the_form_prefilled(
    cloud: Any, operator_profile: Profile, tmp_path: Path
) -> None:
    playground = product_id(cloud, "Playground")
    async with await Workspace.open(operator_profile) as ws:
        await ws.generate_local_and_register(playground, "shared-readers", SecurityClearance.VALID_USER,
                                             {"Notes": DatabaseAccess.READ}, dest_dir=tmp_path)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_posture(pilot, "a", playground)
        await choose(pilot, screen, "cert-shared")
        await press(pilot, "f")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CertFormModal) and form.mode == "local"
        assert form.query_one("#clearance", Select).value == SecurityClearance.VALID_USER.value
        assert "Notes" in form.query_one("#perms", Input).value
        assert form.query_one("#name", Input).value == ""


async def test_read_only_gets_the_review_without_fixes(cloud: Any, operator_profile: Profile) -> None:
    app = make_app(operator_profile, now=cloud.state.clock, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_posture(pilot, "P")
        assert screen.findings
        assert "read-only" in str(screen.query_one("#reason", Static).render())
        await press(pilot, "f")
        assert app.screen is screen
