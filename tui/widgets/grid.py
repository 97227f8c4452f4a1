"""A DataTable that keeps its full data set and shows it filtered and sorted (``/`` filter, column sort)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

Cell = str | Text


@dataclass(frozen=True)
class GridRow:
    key: str
    cells: tuple[Cell, ...]
    # One sort key per column (None: sort by the cell text).
    sort_keys: tuple[Any, ...] = ()
    pinned: bool = False  # stays on top whatever the sort (the "Allow all" rule)
    haystack: str = field(default="")

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


# Rendering every row of a 10,000-row table costs about a second per keystroke; past this many matches the
# table shows the first rows (in the chosen sort order) and says how many more there are.
MAX_RENDERED = 200


class Grid(DataTable[Cell]):
    """Set ``columns`` once, then ``set_rows``; ``filter_text`` and ``sort_by`` re-render.

    ``matched`` holds every row that passes the filter; ``shown_rows`` the ones in the table.
    """

    DEFAULT_CSS = "Grid { height: 1fr; }"

    def __init__(self, columns: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._column_names = list(columns)
        self._rows: list[GridRow] = []
        self.shown_rows: list[GridRow] = []
        self.matched: list[GridRow] = []
        self.filter_text = ""
        self.sort_column: int | None = None
        self.sort_reverse = False

    def on_mount(self) -> None:
        self.add_columns(*self._column_names)

    @property
    def all_rows(self) -> list[GridRow]:
        return self._rows

    def set_rows(self, rows: Sequence[GridRow]) -> None:
        self._rows = list(rows)
        self._render_rows()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._render_rows()

    def sort_by(self, column: int) -> None:
        if self.sort_column == column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._render_rows()

    def selected_key(self) -> str | None:
        if not self.shown_rows or self.cursor_row < 0 or self.cursor_row >= len(self.shown_rows):
            return None
        return self.shown_rows[self.cursor_row].key

    def _render_rows(self) -> None:
        keep = self.selected_key()
        self.matched = sort_rows(filter_rows(self._rows, self.filter_text), self.sort_column, self.sort_reverse)
        self.shown_rows = self.matched[:MAX_RENDERED]
        self.border_subtitle = (
            f"showing {len(self.shown_rows)} of {len(self.matched)}: type / to narrow"
            if len(self.matched) > len(self.shown_rows)
            else ""
        )
        self.clear()
        self.add_rows([r.cells for r in self.shown_rows])
        if keep is not None:
            for i, r in enumerate(self.shown_rows):
                if r.key == keep:
                    self.move_cursor(row=i)
                    break

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_index)
