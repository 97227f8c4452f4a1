"""The base of every full screen, and the table screens' `/` filter and `s` sort."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.screen import Screen
from textual.widgets import Input

from ravensec.tui.screen_mixin import ScreenMixin
from ravensec.tui.widgets.grid import Column, Grid


class BaseScreen(ScreenMixin, Screen[None]):
    def announce_refresh(self, what: str) -> None:
        """`r` answers when the reload finished: what came back and when (the wall clock, not the world's)."""
        self.notify(f"{what}, refreshed at {datetime.now().astimezone():%H:%M:%S}", timeout=3)


class TableScreen(BaseScreen):
    """A screen around one Grid with a ``#filter`` Input: `/` filters, `s` cycles the sort column."""

    COLUMNS: ClassVar[Sequence[str | Column]] = ()

    def _selection_changed(self) -> None:
        """Hook: the highlighted row may have changed (detail pane, refusal reasons)."""

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def action_back(self) -> None:
        """Escape: first closes a shown filter (every row again), then leaves the screen."""
        box = self.query_one("#filter", Input)
        if box.has_class("shown"):
            box.value = ""
            box.remove_class("shown")
            self.query_one(Grid).focus()
        else:
            self.app.pop_screen()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(Grid).set_filter(event.value)
        self._selection_changed()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(Grid).focus()

    def action_sort(self) -> None:
        """The next column on screen: sorting by a column the width hides would look like no order at all."""
        grid = self.query_one(Grid)
        shown = grid.shown_columns
        current = grid.sort_column
        column = shown[(shown.index(current) + 1) % len(shown)] if current in shown else shown[0]
        grid.sort_by(column)
        self.notify(f"Sorted by {grid.columns[column].name}", timeout=2)
