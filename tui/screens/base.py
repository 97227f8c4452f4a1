"""What every screen and modal shares: the worker error funnel hook and action refusal; the table screens'
`/` filter and `s` sort."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from ravensec.tui.widgets.grid import Grid

if TYPE_CHECKING:
    from ravensec.core.workspace import Workspace
    from ravensec.tui.app import RavensecApp


class _Shared:
    """Mixed into Screen and ModalScreen (Worker.StateChanged does not bubble, so each screen forwards)."""

    @property
    def rapp(self) -> RavensecApp:
        return cast("RavensecApp", self.app)  # type: ignore[attr-defined]

    @property
    def ws(self) -> Workspace:
        return self.rapp.require_workspace()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.rapp.report_error(event.worker.error, where=event.worker.name)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Hook: undo a loading state; by default nothing (a modal stays open with its values)."""

    def refusal(self, action: str) -> str | None:
        """Why ``action`` is not possible now; the app's read-only rule first, then the screen's own."""
        return self.rapp.refusal(action) or self.own_refusal(action)

    def own_refusal(self, action: str) -> str | None:
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None shows the binding disabled (dimmed) rather than hiding it.
        return None if self.refusal(action) else True


class BaseScreen(_Shared, Screen[None]):
    pass


class BaseModal(_Shared, ModalScreen[Any]):
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
