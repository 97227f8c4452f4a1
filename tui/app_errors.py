"""``ErrorFunnel``: how failures and messages reach the user. Every failed worker, the app's and every
screen's, ends in ``report_error``: a toast with the error's text, the error kept in ``errors`` for ``!`` (the
last error's details). Every toast goes through ``notify``, which shows its text as data, never markup.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from ravensec.core.errors import RavensecError
from ravensec.tui.app_part import AppPart
from ravensec.tui.modals.info import InfoModal, error_details
from ravensec.tui.safetext import visible

log = logging.getLogger("ravensec.tui")
TOAST_LIMIT = 1000  # cells: a toast is a few lines; the whole text stays on `!` (the last error's details)


class ErrorFunnel(AppPart):
    if TYPE_CHECKING:
        errors: list[tuple[str, BaseException]]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast: its text quotes names from servers (errors, results), so it is data, never markup.

        ``markup`` is accepted for Textual's signature and ignored: no toast of ravensec uses markup.
        """
        super().notify(visible(message, limit=TOAST_LIMIT, multiline=True), title=visible(title, limit=TOAST_LIMIT),
                       severity=severity, timeout=timeout, markup=False)

    def report_error(self, error: BaseException, *, where: str = "") -> None:
        """Every failed worker ends here: a toast with the core error's text; details on `!`."""
        self.errors.append((where, error))
        if isinstance(error, RavensecError):
            log.warning("%s failed: %s", where, error)
            message = str(error)
        else:
            log.error("%s failed unexpectedly", where, exc_info=error)
            message = f"Unexpected {type(error).__name__}: {error}"
        title = f"{where[:1].upper()}{where[1:]} failed" if where else "Failed"
        self.notify(message, title=title, severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error, where=event.worker.name)

    def action_last_error(self) -> None:
        if not self.errors:
            self.notify("No errors so far.")
            return
        where, error = self.errors[-1]
        self.push_screen(InfoModal("Error details", error_details(error, where), modal_id="error-details"))
