"""How the grid measures a cell and draws a line of cells: server strings are data (plain text, controls
shown as escapes, cut at the table's cell limit), a row's own style sits under its cells', and a line is
padded, cut to its columns' widths and cropped to the view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from ravensec.tui.safetext import TABLE_CELL_LIMIT, has_unsafe, visible
from ravensec.tui.widgets.format import safe_text

from .columns import PADDING
from .rows import Cell


def cell_text(cell: Cell) -> Text:
    # Server strings are data: a str becomes plain Text (never markup), its controls shown as escapes and cut
    # at TABLE_CELL_LIMIT cells; a Text a screen styled is kept unless it carries a control too.
    if isinstance(cell, str):
        return safe_text(cell, limit=TABLE_CELL_LIMIT)
    if has_unsafe(cell.plain) or cell.cell_len > TABLE_CELL_LIMIT:
        return safe_text(cell.plain, style=cell.style, limit=TABLE_CELL_LIMIT)
    return cell


@cache
def row_style(style: str, no_color: bool) -> Style:
    # Under NO_COLOR only the attributes stay (bold, dim): the rows' words say the rest.
    parsed = Style.parse(style)
    return parsed.without_color if no_color else parsed


def cell_width(cell: Cell) -> int:
    plain = cell.plain if isinstance(cell, Text) else cell
    if plain.isascii() and plain.isprintable():  # most cells: skip the width tables and the escapes
        return min(len(plain), TABLE_CELL_LIMIT)
    return cell_len(visible(plain, limit=TABLE_CELL_LIMIT))


def draw_line(
    cells: Sequence[Cell], shown: Mapping[int, int], base: Style, console: Console, scroll_x: int, width: int
) -> Strip:
    """``cells`` in the ``shown`` columns ({index: width}), padded and cut to fit, in ``base`` style; the
    ``width`` cells from ``scroll_x``."""
    line = Text(style=base, no_wrap=True, end="")
    pad = " " * PADDING
    for i, column_width in shown.items():
        if i >= len(cells):
            break
        text = cell_text(cells[i])
        if text.cell_len > column_width:
            text = text.copy()
            text.truncate(column_width, overflow="ellipsis")
        line.append(pad)
        line.append_text(text)
        line.append(" " * (column_width - text.cell_len) + pad)
    # Rich leaves a plain run's style None (under NO_COLOR, every run); Textual's filters need one.
    segments = list(Segment.apply_style(line.render(console), base))
    return Strip(segments, line.cell_len).crop_extend(scroll_x, scroll_x + width, base)
