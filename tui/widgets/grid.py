"""A table that keeps its full data set, shows it filtered and sorted, and draws only the rows on screen.

Textual's DataTable builds and measures every row it holds (1.7 s for 10,000 certificates, again on each
filter keystroke), so it cannot hold a large product's certificates. Grid is a Line API widget: filtering and
sorting work on plain lists, and ``render_line`` draws the few rows in view, so every row of 100,000 is
reachable with the keys, the mouse and the filter.

Columns are laid out by priority, as k9s does: the grid shows the columns that fit its width, most important
first, and never scrolls sideways (a sideways scrollbar hid columns and drew a stray block under the table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ravensec.tui.safetext import TABLE_CELL_LIMIT, has_unsafe, visible
from ravensec.tui.widgets.format import safe_text

Cell = str | Text

PADDING = 1  # blank cells either side of each column
SORT_MARKS = (" ▲", " ▼")


MIN_SHRINK = 12  # how far the first of plain column names may be cut to let the others in


@dataclass(frozen=True)
class Column:
    """``priority``: lower is shown first when the width runs out (0: always shown, even cut short).
    ``min_width``: the column may be cut to this many cells (with an ellipsis) to let another column in."""

    name: str
    priority: int
    min_width: int = 0


def as_columns(columns: Sequence[str | Column]) -> list[Column]:
    """Plain names: shown left to right as they fit; the first is always shown and may be cut short."""
    return [c if isinstance(c, Column) else Column(c, i, MIN_SHRINK if i == 0 else 0) for i, c in enumerate(columns)]


def fit_columns(columns: Sequence[Column], natural: Sequence[int], room: int) -> dict[int, int]:
    """Which columns to show in ``room`` cells and how wide: {index: width}. ``natural`` widths include the
    padding. By priority, each column that fits is taken (a shrinkable one at its cut width); priority 0
    always is; then the cut columns grow back towards their natural width, evenly, while room is left."""

    def least(i: int) -> int:
        return min(natural[i], columns[i].min_width + 2 * PADDING) if columns[i].min_width else natural[i]

    chosen: dict[int, int] = {}
    used = 0
    for i in sorted(range(len(columns)), key=lambda i: (columns[i].priority, i)):
        if columns[i].priority == 0 or used + least(i) <= room:
            chosen[i] = least(i)
            used += least(i)
    # The room left is shared a cell at a time among the cut columns (by priority), so that one long column
    # (a product name) cannot take it all from another (the certificate's name beside it).
    growing = sorted((i for i in chosen if chosen[i] < natural[i]), key=lambda i: (columns[i].priority, i))
    while growing and used < room:
        for i in list(growing):
            if used >= room:
                break
            chosen[i] += 1
            used += 1
            if chosen[i] >= natural[i]:
                growing.remove(i)
    return dict(sorted(chosen.items()))


@dataclass(frozen=True)
class GridRow:
    key: str
    cells: tuple[Cell, ...]
    # One sort key per column (None: sort by the cell text).
    sort_keys: tuple[Any, ...] = ()
    pinned: bool = False  # stays on top whatever the sort (the "Allow all" rule)
    haystack: str = field(default="")
    style: str = ""  # the whole row's style under its cells' own (an expired certificate is red)

    def text(self) -> str:
        return self.haystack or " ".join(str(c) for c in self.cells).lower()


def filter_rows(rows: Sequence[GridRow], query: str) -> list[GridRow]:
    """Rows whose text contains every word of ``query`` and none of its ``-words`` (case-insensitive);
    pinned rows are always shown."""
    words = query.lower().split()
    if not words:
        return list(rows)
    want = [w for w in words if not (w.startswith("-") and len(w) > 1)]
    skip = [w[1:] for w in words if w.startswith("-") and len(w) > 1]
    return [
        r for r in rows
        if r.pinned or (all(w in r.text() for w in want) and not any(w in r.text() for w in skip))
    ]


def sort_rows(rows: list[GridRow], column: int | None, reverse: bool) -> list[GridRow]:
    if column is None:
        ordered = rows
    else:

        def key(r: GridRow) -> tuple[int, Any]:
            if column < len(r.sort_keys) and r.sort_keys[column] is not None:
                return (0, r.sort_keys[column])
            return (0, str(r.cells[column]).lower())

        ordered = sorted(rows, key=key, reverse=reverse)
    return [r for r in ordered if r.pinned] + [r for r in ordered if not r.pinned]


def _cell_text(cell: Cell) -> Text:
    # Server strings are data: a str becomes plain Text (never markup), its controls shown as escapes and cut
    # at TABLE_CELL_LIMIT cells; a Text a screen styled is kept unless it carries a control too.
    if isinstance(cell, str):
        return safe_text(cell, limit=TABLE_CELL_LIMIT)
    if has_unsafe(cell.plain) or cell.cell_len > TABLE_CELL_LIMIT:
        return safe_text(cell.plain, style=cell.style, limit=TABLE_CELL_LIMIT)
    return cell


@cache
def _row_style(style: str, no_color: bool) -> Style:
    # Under NO_COLOR only the attributes stay (bold, dim): the rows' words say the rest.
    parsed = Style.parse(style)
    return parsed.without_color if no_color else parsed


def _width(cell: Cell) -> int:
    plain = cell.plain if isinstance(cell, Text) else cell
    if plain.isascii() and plain.isprintable():  # most cells: skip the width tables and the escapes
        return min(len(plain), TABLE_CELL_LIMIT)
    return cell_len(visible(plain, limit=TABLE_CELL_LIMIT))


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
                if (w := _width(cell)) > widths[i]:
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
            style += _row_style(row.style, self.app.no_color or index == self._cursor)
        return self._strip(row.cells, style, scroll_x, width)

    def _strip(self, cells: Sequence[Cell], style: Style, scroll_x: int, width: int) -> Strip:
        base = self.rich_style + style
        line = Text(style=base, no_wrap=True, end="")
        pad = " " * PADDING
        for i, column_width in self._shown.items():
            if i >= len(cells):
                break
            text = _cell_text(cells[i])
            if text.cell_len > column_width:
                text = text.copy()
                text.truncate(column_width, overflow="ellipsis")
            line.append(pad)
            line.append_text(text)
            line.append(" " * (column_width - text.cell_len) + pad)
        # Rich leaves a plain run's style None (under NO_COLOR, every run); Textual's filters need one.
        segments = list(Segment.apply_style(line.render(self.app.console), base))
        return Strip(segments, line.cell_len).crop_extend(scroll_x, scroll_x + width, base)
