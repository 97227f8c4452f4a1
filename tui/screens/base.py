"""The base of every full screen, and the table screens' `/` filter and `s` sort."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.screen import Screen
from textual.widgets import Input

from ravensec.tui.screen_mixin import ScreenMixin
from ravensec.tui.widgets.grid import Grid


class BaseScreen(ScreenMixin, Screen[None]):
    pass


class TableScreen(BaseScreen):
    """A screen around one Grid with a ``#filter`` Input: `/` filters, `s` cycles the sort column."""

    COLUMNS: ClassVar[Sequence[str]] = ()

    def _selection_changed(self) -> None:
        """Hook: the highlighted row may have changed (detail pane, refusal reasons)."""

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(Grid).set_filter(event.value)
        self._selection_changed()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(Grid).focus()

    def action_sort(self) -> None:
        grid = self.query_one(Grid)
        grid.sort_by(0 if grid.sort_column is None else (grid.sort_column + 1) % len(self.COLUMNS))
        self.notify(f"Sorted by {self.COLUMNS[grid.sort_column or 0]}", timeout=2)
