"""The grid's columns and how they share a width: each has a priority (lower is shown first when the width
runs out) and may be cut to a minimum width to let another in; plain names are shown left to right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PADDING = 1  # blank cells either side of each column
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
