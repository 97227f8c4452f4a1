"""What every screen and modal shares: the typed app, the worker error funnel hook and action refusal.

Screens (``ravensec.tui.screens``) and modals (``ravensec.tui.modals``) both build on it, so neither package
needs the other's base classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.app import App
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from ravensec.core.workspace import Workspace  # loaded by the app once a profile opens (see RavensecApp)
    from ravensec.tui.app import RavensecApp  # the app imports the screens: only the type comes back this way


class ScreenMixin:
    """Mixed into Screen and ModalScreen (Worker.StateChanged does not bubble, so each screen forwards)."""

    if TYPE_CHECKING:
        # Provided by Textual's MessagePump, which every class this is mixed into derives from.
        app: App[object]

    @property
    def rapp(self) -> RavensecApp:
        return cast("RavensecApp", self.app)

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
