"""Every key answers: a disabled key says why, `r` says when it finished, unknown keymap ids are reported,
toasts never cover a dialog's buttons, the cursor stays put after a delete, the palette lists actions, and the
expiry overview opens a certificate. Plus the certificates table's width choices."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import Horizontal
from textual.widgets import Button, Static
from textual.widgets._toast import Toast

from ravensec.core.models import SecurityClearance
from ravensec.tui.app import RavensecApp
from ravensec.tui.messages import DataChanged
from ravensec.tui.modals.confirm import ConfirmModal
from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.screens.expiry import ExpiryScreen
from ravensec.tui.screens.iprules import IpRulesScreen
from ravensec.tui.widgets.grid import Grid
from ravensec.tui.widgets.palette import RavensecCommands
from tests.tui.fake_workspace import FakeWorkspace, cert
from tests.tui.helpers import press, settle, toasts
from tests.tui.test_ui_logic import fake_app


async def open_certs(pilot: object, app: RavensecApp) -> CertificatesScreen:
    await settle(pilot)  # type: ignore[arg-type]
    await press(pilot, "c")  # type: ignore[arg-type]
    assert isinstance(app.screen, CertificatesScreen)
    return app.screen


async def test_a_disabled_key_says_why_and_names_the_read_only_flag() -> None:
    app = fake_app(FakeWorkspace(), read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, app)
        app.clear_notifications()
        await press(pilot, "g")
        assert not isinstance(app.screen, ConfirmModal)
        assert any("--read-only" in t for t in toasts(app)), toasts(app)


async def test_read_only_from_the_profile_names_the_profile_and_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    app = fake_app(FakeWorkspace(read_only=True), config_file=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "i")
        assert isinstance(app.screen, IpRulesScreen)
        app.clear_notifications()
        await press(pilot, "a")
        [message] = toasts(app)
        assert "'t'" in message and str(config) in message and "--read-only" not in message


async def test_save_with_no_changes_says_nothing_to_save() -> None:
    app = fake_app(FakeWorkspace())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "i")
        app.clear_notifications()
        await press(pilot, "ctrl+s")
        assert toasts(app) == ["Nothing to save."]


async def test_refresh_says_what_came_back() -> None:
    app = fake_app(FakeWorkspace())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.clear_notifications()
        await press(pilot, "r")
        await settle(pilot)
        assert any(t.startswith("2 products, refreshed at ") for t in toasts(app)), toasts(app)
        await press(pilot, "c")
        await settle(pilot)
        app.clear_notifications()
        await press(pilot, "r")
        await settle(pilot)
        assert any(t.startswith("4 certificates, refreshed at ") for t in toasts(app)), toasts(app)


async def test_unknown_keymap_ids_are_reported_once_with_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    app = fake_app(FakeWorkspace(), keymap={"certs.delete": "ctrl+d", "certs.nope": "k"}, config_file=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reports = [t for t in toasts(app) if "[keymap]" in t]
        assert len(reports) == 1
        assert "'certs.nope'" in reports[0] and str(config) in reports[0] and "certs.delete" not in reports[0]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_toasts_never_cover_a_dialogs_buttons(size: tuple[int, int]) -> None:
    app = fake_app(FakeWorkspace())
    async with app.run_test(size=size, notifications=True) as pilot:
        screen = await open_certs(pilot, app)
        screen.query_one(Grid).move_cursor(row=3)
        for key in ("x", "g"):  # a confirmation and a form
            await press(pilot, key)
            for _ in range(3):
                app.notify("Something finished somewhere else and says so at some length. " * 2, timeout=30)
            await settle(pilot)
            shown = list(app.screen.query(Toast))
            assert shown
            for button in app.screen.query(Button):
                for toast in shown:
                    assert not button.region.overlaps(toast.region), (key, button.id, button.region, toast.region)
            app.clear_notifications()
            await press(pilot, "escape")


async def test_the_cursor_stays_on_the_deleted_rows_neighbour_and_on_its_row_after_an_add() -> None:
    ws = FakeWorkspace()
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, app)
        grid = screen.query_one(Grid)
        grid.move_cursor(row=2)
        await settle(pilot)
        below = grid.shown_rows[3].key
        await press(pilot, "x", "y")
        await settle(pilot)
        assert grid.cursor_row == 2 and grid.selected_key() == below
        ws.certs.append(cert("newcomer", SecurityClearance.VALID_USER, 300, 9))
        app.post_message(DataChanged(None))
        await settle(pilot)
        assert grid.selected_key() == below and len(grid.shown_rows) == 4


async def test_the_palette_lists_actions_by_description_only() -> None:
    app = fake_app(FakeWorkspace())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_certs(pilot, app)
        names = [name for name, _, _ in RavensecCommands(app.screen)._commands()]
        assert "Refresh" in names and "Back" in names
        assert not [n for n in names if "Cursor" in n or "_" in n or "Page" in n], names


async def test_expiry_overview_opens_the_certificate_and_filters_and_sorts() -> None:
    ws = FakeWorkspace()
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "X")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ExpiryScreen)
        grid = screen.query_one(Grid)
        assert len(grid.shown_rows) == 3  # admin (20d), reporting (45d), old (expired)
        await press(pilot, "slash", "r", "e", "p", "enter")
        assert [screen.pairs[r.key][1].name for r in grid.shown_rows] == ["reporting"]
        await press(pilot, "escape")
        assert len(grid.shown_rows) == 3
        await press(pilot, "s")
        assert grid.sort_column == grid.shown_columns[0]
        grid.move_cursor(row=[screen.pairs[r.key][1].name for r in grid.shown_rows].index("admin"))
        await press(pilot, "enter")
        await settle(pilot)
        certs = app.screen
        assert isinstance(certs, CertificatesScreen)
        assert certs.selected is not None and certs.selected.name == "admin"
        await press(pilot, "escape")
        assert app.screen is screen


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
async def test_certificate_columns_by_width_and_sort_cycles_only_shown_ones(size: tuple[int, int]) -> None:
    app = fake_app(FakeWorkspace())
    async with app.run_test(size=size) as pilot:
        screen = await open_certs(pilot, app)
        grid = screen.query_one(Grid)
        names = [grid.columns[i].name for i in grid.shown_columns]
        assert names[:2] == ["Name", "State"] and "Expires" in names
        assert (len(names) == len(grid.columns)) == (size[0] >= 200)
        header = grid.render_line(0).text
        assert all(n in header for n in names)
        assert {grid.shown_rows[i].cells[1] for i in range(4)} == {"★ in use", "20d", "45d", "expired"}
        seen = []
        for _ in range(len(names)):
            await press(pilot, "s")
            seen.append(grid.sort_column)
        assert seen == grid.shown_columns


async def test_beside_a_training_panel_the_detail_goes_under_the_table() -> None:
    app = fake_app(FakeWorkspace())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, app)
        main = screen.query_one(".main", Horizontal)
        assert not main.has_class("-stacked")
        panel = Static("task", id="panel")
        panel.styles.dock = "right"
        panel.styles.width = 46
        await screen.mount(panel)
        await settle(pilot)
        assert main.has_class("-stacked")
        grid = screen.query_one(Grid)
        names = [grid.columns[i].name for i in grid.shown_columns]
        assert names[:2] == ["Name", "State"] and {"Expires", "Clearance", "Thumbprint"} <= set(names)
        assert "operator" in grid.render_line(1).text + grid.render_line(2).text
