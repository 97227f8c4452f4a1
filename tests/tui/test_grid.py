"""Grid draws only the rows in view, so every row of a large table is within reach of keys, mouse and filter."""

from __future__ import annotations

from textual.app import App, ComposeResult

from ravensec.tui.screens.certificates import CertificatesScreen
from ravensec.tui.widgets.grid import Column, Grid, GridRow, fit_columns
from tests.tui.fake_workspace import FakeWorkspace
from tests.tui.helpers import settle
from tests.tui.test_ui_logic import fake_app


def on_screen(grid: Grid, key: str) -> bool:
    """The row with ``key`` is the cursor row and is drawn between the header and the bottom edge."""
    line = grid.cursor_row - round(grid.scroll_y) + 1
    if grid.selected_key() != key or not 1 <= line < grid.scrollable_content_region.height:
        return False
    row = grid.shown_rows[grid.cursor_row]
    return str(row.cells[0]).split(" ")[0] in grid.render_line(line).text


class GridApp(App[None]):
    def __init__(self, rows: list[GridRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Grid(("Name", "Number"))

    def on_mount(self) -> None:
        self.query_one(Grid).set_rows(self.rows)


def numbered(n: int) -> list[GridRow]:
    return [GridRow(f"k{i}", (f"row-{i:06d}", str(i))) for i in range(n)]


async def test_end_reaches_the_last_of_10000_certificates() -> None:
    ws = FakeWorkspace(n_certs=10_000)
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CertificatesScreen)
        grid = screen.query_one(Grid)
        assert len(grid.shown_rows) == len(ws.certs) == 10_004
        await pilot.press("end")
        await pilot.pause()
        last = ws.certs[-1]
        assert on_screen(grid, last.thumbprint)
        assert screen.selected is last
        await pilot.press("home", "pagedown", "pagedown")
        await pilot.pause()
        assert grid.cursor_row > 40 and on_screen(grid, grid.shown_rows[grid.cursor_row].key)


async def test_filter_to_a_late_certificate_and_select_it() -> None:
    ws = FakeWorkspace(n_certs=10_000)
    app = fake_app(ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CertificatesScreen)
        grid = screen.query_one(Grid)
        await pilot.press("slash", *"bulk-0999", "enter")
        await pilot.pause()
        assert [str(r.cells[0]) for r in grid.shown_rows] == [f"bulk-0999{i}" for i in range(10)]
        await pilot.press("end")
        await pilot.pause()
        assert screen.selected is ws.certs[-1]
        assert on_screen(grid, ws.certs[-1].thumbprint)
        assert ws.certs[-1].name in str(screen.query_one("#detail").render())


async def test_100000_rows_end_pagedown_mouse_and_filter() -> None:
    app = GridApp(numbered(100_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        grid = app.query_one(Grid)
        grid.focus()
        await pilot.press("end")
        await pilot.pause()
        assert on_screen(grid, "k99999")
        await pilot.press("home", "pagedown")
        page = grid.cursor_row
        assert page == 24 - 1  # the lines under the header
        grid.move_cursor(row=100_000 - page)
        await pilot.press("pagedown")
        assert on_screen(grid, "k99999")
        # The wheel scrolls the view, not the cursor; a click then picks the last row drawn.
        await pilot.press("home")
        grid.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        last_line = grid.scrollable_content_region.height - 1
        assert await pilot.click(Grid, offset=(2, last_line))
        assert on_screen(grid, "k99999")
        grid.set_filter("row-09999")
        await pilot.pause()
        assert [r.key for r in grid.shown_rows] == [f"k{99990 + i}" for i in range(10)]
        await pilot.press("end")
        assert on_screen(grid, "k99999")


async def test_click_on_a_column_name_sorts_and_unchanged_rows_do_not_repaint() -> None:
    rows = [GridRow("b", ("beta", "2"), (None, 2)), GridRow("a", ("alpha", "10"), (None, 10))]
    app = GridApp(rows)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        grid = app.query_one(Grid)
        assert await pilot.click(Grid, offset=(2, 0))
        assert [r.key for r in grid.shown_rows] == ["a", "b"]
        assert "Name ▲" in grid.render_line(0).text
        assert await pilot.click(Grid, offset=(2, 0))
        assert [r.key for r in grid.shown_rows] == ["b", "a"]
        await pilot.pause()
        repaints: list[object] = []
        grid.refresh = lambda *a, **k: repaints.append(a) or grid  # type: ignore[method-assign]
        grid.set_rows(list(rows))
        assert repaints == []


def test_room_left_is_shared_evenly_among_cut_columns() -> None:
    # Two always-shown columns that both want more than there is: neither takes all of what is left.
    columns = [Column("Product", 0, min_width=10), Column("Certificate", 0, min_width=16), Column("Days", 1)]
    natural = [102, 102, 6]
    widths = fit_columns(columns, natural, 100)
    assert widths[2] == 6 and sum(widths.values()) == 100
    assert abs((widths[0] - 12) - (widths[1] - 18)) <= 1  # both grew alike from their cut widths (+ padding)
    # With room for everything, every column has its natural width.
    assert fit_columns(columns, natural, 300) == {0: 102, 1: 102, 2: 6}
