"""The :class:`Grid` widget: its rows filtered and sorted (``shown_rows``), a cursor over them moved by keys
and clicks (a click on a column name sorts by it), the columns fitted to the width on each resize, and
``render_line`` drawing only the rows in view under a header that stays on top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .columns import PADDING, Column, as_columns, fit_columns
from .drawing import cell_width, draw_line, row_style
from .rows import Cell, GridRow, filter_rows, sort_rows

SORT_MARKS = (" ▲", " ▼")


class Grid(ScrollView, can_focus=True):
    """Set ``columns`` once, then ``set_rows``; ``set_filter`` and ``sort_by`` re-order.

    ``shown_rows`` holds every row that passes the filter, in order; the cursor indexes it. The header row
    stays on top; a click on a column name sorts by it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False, id="grid.select"),
        Binding("up", "cursor_up", "Cursor up", show=False, id="grid.up"),
        Binding("down", "cursor_down", "Cursor down", show=False, id="grid.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="grid.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="grid.page_down"),
        Binding("home,ctrl+home", "first", "First row", show=False, id="grid.first"),
        Binding("end,ctrl+end", "last", "Last row", show=False, id="grid.last"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="grid.left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="grid.right"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"grid--header", "grid--cursor", "grid--even-row", "grid--odd-row"}
    # DataTable's look, so the screens read as before.
    DEFAULT_CSS = """
    Grid {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .grid--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .grid--header { background-tint: $foreground 5%; }
        }
        &:dark > .grid--even-row { background: $surface-darken-1 40%; }
        & > .grid--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .grid--header { background: ansi_bright_blue; color: ansi_default; }
        & > .grid--even-row { background: $surface-lighten-1 50%; }
        & > .grid--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class RowHighlighted(Message):
        """The row under the cursor changed (a move, or new rows, filter or sort)."""

        def __init__(self, grid: Grid, cursor_row: int, key: str | None) -> None:
            super().__init__()
            self.grid, self.cursor_row, self.key = grid, cursor_row, key

        @property
        def control(self) -> Grid:
            return self.grid

    class RowSelected(Message):
        """Enter on a row, or a click on the highlighted row."""

        def __init__(self, grid: Grid, cursor_row: int, key: str) -> None:
            super().__init__()
            self.grid, self.cursor_row, self.key = grid, cursor_row, key

        @property
        def control(self) -> Grid:
            return self.grid

    def __init__(self, columns: Sequence[str | Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = as_columns(columns)
        self._column_names = [c.name for c in self.columns]
        self._rows: list[GridRow] = []
        self.shown_rows: list[GridRow] = []
        self.filter_text = ""
        self.sort_column: int | None = None
        self.sort_reverse = False
        self._cursor = 0
        self._highlighted: str | None = None
        self._cell_widths = [0] * len(self._column_names)  # the widest cell of each column, over all rows
        self._widths = [cell_len(name) for name in self._column_names]
        self._shown: dict[int, int] = dict(enumerate(self._widths))  # shown column -> its width (no padding)

    # ---------------------------------------------------------------- data
    @property
    def all_rows(self) -> list[GridRow]:
        return self._rows

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def shown_columns(self) -> list[int]:
        """The indexes of the columns the width leaves room for, left to right."""
        return list(self._shown)

    def set_rows(self, rows: Sequence[GridRow]) -> None:
        rows = list(rows)
        if rows == self._rows:
            return  # a poll that found nothing new: nothing to repaint
        self._rows = rows
        widths = [0] * len(self._column_names)
        for row in rows:
            for i, cell in enumerate(row.cells[: len(widths)]):
                if (w := cell_width(cell)) > widths[i]:
                    widths[i] = w
        self._cell_widths = widths
        self._reorder()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._reorder()

    def sort_by(self, column: int) -> None:
        if self.sort_column == column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._reorder()

    def selected_key(self) -> str | None:
        if 0 <= self._cursor < len(self.shown_rows):
            return self.shown_rows[self._cursor].key
        return None

    def _reorder(self) -> None:
        keep = self.selected_key()
        self.shown_rows = sort_rows(filter_rows(self._rows, self.filter_text), self.sort_column, self.sort_reverse)
        self._widths = [
            max(cells, cell_len(self._header(i))) for i, cells in enumerate(self._cell_widths)
        ]
        self._fit()
        index = next((i for i, r in enumerate(self.shown_rows) if r.key == keep), None) if keep else None
        if index is None and keep is not None and self.shown_rows:
            # The row under the cursor went (deleted, or filtered out): its neighbour takes its place rather
            # than the cursor jumping to the top.
            index = min(self._cursor, len(self.shown_rows) - 1)
        if index is None:
            self._cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self._cursor = index
            self._scroll_to_cursor()
        self.refresh()
        self._announce()

    # ---------------------------------------------------------------- cursor
    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        if not self.shown_rows:
            return
        self._cursor = max(0, min(row, len(self.shown_rows) - 1))
        if scroll:
            self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def _fit(self) -> None:
        room = self.scrollable_content_region.width
        natural = [w + 2 * PADDING for w in self._widths]
        shown = fit_columns(self.columns, natural, room) if room else dict(enumerate(natural))
        self._shown = {i: w - 2 * PADDING for i, w in shown.items()}
        self.virtual_size = Size(room, len(self.shown_rows) + 1)

    def on_resize(self) -> None:
        self._fit()
        self.refresh()

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # the header takes a line

    def _scroll_to_cursor(self) -> None:
        page = self._page()
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + page:
            self.scroll_to(y=self._cursor - page + 1, animate=False, immediate=True)

    def _announce(self) -> None:
        key = self.selected_key()
        if key != self._highlighted:
            self._highlighted = key
            self.post_message(self.RowHighlighted(self, self._cursor, key))

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + self._page())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self.shown_rows) - 1)

    def action_select_cursor(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.post_message(self.RowSelected(self, self._cursor, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            column = self._column_at(offset.x + round(self.scroll_x))
            if column is not None:
                self.sort_by(column)
            return
        row = round(self.scroll_y) + offset.y - 1
        if row >= len(self.shown_rows):
            return
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row=row, scroll=False)

    def _header(self, column: int) -> str:
        return self._column_names[column] + (SORT_MARKS[self.sort_reverse] if column == self.sort_column else "")

    def _column_at(self, x: int) -> int | None:
        right = 0
        for i, width in self._shown.items():
            right += width + 2 * PADDING
            if x < right:
                return i
        return None

    def on_focus(self) -> None:
        self.refresh()  # the cursor row's colours follow focus

    def on_blur(self) -> None:
        self.refresh()

    # ---------------------------------------------------------------- drawing
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = round(self.scroll_x)
        if y == 0:
            names = [self._header(i) for i in range(len(self._column_names))]
            return self._strip(names, self.get_component_rich_style("grid--header"), scroll_x, width)
        index = round(self.scroll_y) + y - 1
        if index >= len(self.shown_rows):
            return Strip.blank(width, self.rich_style)
        if index == self._cursor:
            component = "grid--cursor"
        else:
            component = "grid--odd-row" if index % 2 else "grid--even-row"
        row = self.shown_rows[index]
        style = self.get_component_rich_style(component)
        if row.style:
            # On the cursor row only the attributes: red on the cursor's colour is hard to read.
            style += row_style(row.style, self.app.no_color or index == self._cursor)
        return self._strip(row.cells, style, scroll_x, width)

    def _strip(self, cells: Sequence[Cell], style: Style, scroll_x: int, width: int) -> Strip:
        return draw_line(cells, self._shown, self.rich_style + style, self.app.console, scroll_x, width)
