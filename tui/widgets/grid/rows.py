"""The grid's rows, and how they are filtered (every word of the query, none of its ``-words``) and sorted
(by a column's sort key, else its text); a pinned row stays on top and is never filtered out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

Cell = str | Text


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
