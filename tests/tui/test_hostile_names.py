"""The TUI against the real mock with certificates and a product named from the corpus (tests/hostile_names):
no crash on any row, no markup action fires, and what reaches the screen shows escapes, never controls."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ravensec.core.profile import Profile
from ravensec.tui.app import RavensecApp
from ravensec.tui.modals.plan import PlanModal
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.expiry import ExpiryScreen
from ravensec.tui.screens.products import ProductsScreen
from ravensec.tui.widgets.grid import Grid
from tests.hostile_names import CORPUS, FORBIDDEN, LONG, PRODUCT_NAME, plant
from tests.tui.helpers import make_app, press, settle, toasts


def rendered(app: RavensecApp) -> str:
    """Every character the compositor would send for the whole screen (after every line filter)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def assert_inert(app: RavensecApp) -> str:
    text = rendered(app)
    bad = [ch for ch in FORBIDDEN if ch in text]
    assert bad == [], f"terminal control on screen: {bad!r}"
    assert app.is_running and app.return_code is None  # no [@click=app.quit] fired
    return text


async def test_hostile_names_on_every_screen(cloud: Any, product: Any, operator_profile: Profile) -> None:
    made = plant(cloud, product.id)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        grid = screen.query_one(Grid)
        grid.move_cursor(row=[r.key for r in grid.shown_rows].index(product.id))
        await settle(pilot)
        text = assert_inert(app)
        # The product's name in the table and the detail pane: escapes visible, brackets literal (each part
        # whole; where the name is cut short or wraps is the layout's business).
        assert "Zed[/b] [@click=app.quit]x[/]" in text
        assert "\\x1b]0;pwned\\x07\\x0dSpoof" in text
        assert "product Zed[/b]" in text  # the header badge

        await press(pilot, "c")
        await settle(pilot)
        certs = app.screen
        assert isinstance(certs, CertificatesScreen)
        grid = certs.query_one(Grid)
        assert {tp for tp in made.values()} <= {r.key for r in grid.shown_rows}
        seen = ""
        for name, tp in made.items():
            grid.move_cursor(row=[r.key for r in grid.shown_rows].index(tp))
            await settle(pilot, 1)
            assert certs.selected is not None and certs.selected.name == name
            seen += assert_inert(app)
        for shown in ("title\\x1b]0;pwned\\x07", "clear\\x1b[2J", "bell\\x07", "admin-ok\\x0dEVIL",
                      "nul\\x00byte", "rtl\\u202egnp.exe", "c1\\x9b31m", "!!![/b]", "[@click=app.quit]quit[/]",
                      "証明書-本番", "cert-😀-🔥"):
            assert shown in seen, shown
        assert "Certificates of Zed[/b]" in seen
        # The table cuts the long name (to its column, at most TABLE_CELL_LIMIT cells) with an ellipsis.
        assert LONG not in seen and re.search("L{10,}…", seen)

        # A confirmation names the certificate: still data.
        grid.move_cursor(row=[r.key for r in grid.shown_rows].index(made["[@click=app.quit]quit[/]"]))
        await settle(pilot, 1)
        await press(pilot, "x")
        assert isinstance(app.screen, PlanModal)
        text = assert_inert(app)
        assert "[@click=app.quit]quit[/]" in text
        await press(pilot, "escape")

        # A toast quoting a name.
        app.notify("Deleted 'title\x1b]0;pwned\x07' [b]x[/b]", title="Done \x1b[2J")
        await settle(pilot, 1)
        assert any("title\\x1b]0;pwned\\x07' [b]x[/b]" in t for t in toasts(app))
        assert_inert(app)

        await press(pilot, "escape", "X")
        await settle(pilot)
        assert isinstance(app.screen, ExpiryScreen)
        text = assert_inert(app)
        assert "title\\x1b]0;pwned\\x07" in text and "Zed[/b]" in text
        expiry_grid = app.screen.query_one(Grid)
        for row in range(len(expiry_grid.shown_rows)):
            expiry_grid.move_cursor(row=row)
        await settle(pilot, 1)
        assert_inert(app)
    assert app.return_code in (None, 0)


async def test_an_edit_form_keeps_the_exact_name_but_never_shows_its_controls(
    cloud: Any, product: Any, operator_profile: Profile, tmp_path: Path
) -> None:
    made = plant(cloud, product.id)
    app = make_app(operator_profile, now=cloud.state.clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(Grid)
        grid.move_cursor(row=[r.key for r in grid.shown_rows].index(product.id))
        await settle(pilot)
        await press(pilot, "c")
        await settle(pilot)
        grid = app.screen.query_one(Grid)
        name = "title\x1b]0;pwned\x07"
        grid.move_cursor(row=[r.key for r in grid.shown_rows].index(made[name]))
        await settle(pilot, 1)
        await press(pilot, "e")
        from textual.widgets import Input

        assert app.screen.query_one("#name", Input).value == name  # what is saved is the real name
        assert_inert(app)  # ... and what is drawn has no control (the line filter)
        await press(pilot, "escape")


def test_the_corpus_is_what_the_brief_lists() -> None:
    assert {"[b]", "[/b]", "!!![/b]", "[@click=app.quit]quit[/]"} <= set(CORPUS)
    assert "\x1b]0;pwned\x07" in PRODUCT_NAME and len(LONG) == 10_000
