"""The table beside its detail pane, or above it when the pane's own width is small.

Decided by the pane's width, not the terminal's: in training a task panel takes a third of the screen, and
a 120-column terminal leaves the table too little room beside a detail pane.
"""

from __future__ import annotations

from textual import events
from textual.containers import Horizontal

STACK_BELOW = 100  # columns: narrower than this, the detail pane goes under the table


class SplitPane(Horizontal):
    DEFAULT_CLASSES = "main"

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < STACK_BELOW, "-stacked")
