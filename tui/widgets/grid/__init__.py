"""A table that keeps its full data set, shows it filtered and sorted, and draws only the rows on screen.

Textual's DataTable builds and measures every row it holds (1.7 s for 10,000 certificates, again on each
filter keystroke), so it cannot hold a large product's certificates. Grid is a Line API widget: filtering and
sorting work on plain lists, and ``render_line`` draws the few rows in view, so every row of 100,000 is
reachable with the keys, the mouse and the filter.

Columns are laid out by priority, as k9s does: the grid shows the columns that fit its width, most important
first, and never scrolls sideways (a sideways scrollbar hid columns and drew a stray block under the table).

``widget`` holds :class:`Grid`; ``columns`` the columns and how they fit a width; ``rows`` the rows and how
they are filtered and sorted; ``drawing`` how a cell is measured and a line of cells drawn.
"""

from .columns import Column, as_columns, fit_columns
from .rows import Cell, GridRow, filter_rows, sort_rows
from .widget import Grid

__all__ = ["Cell", "Column", "Grid", "GridRow", "as_columns", "filter_rows", "fit_columns", "sort_rows"]
