"""``TrainingApp``: the ordinary ravensec app against the scenario's embedded mock, plus the task panel on
every screen, re-judged from the mock's live state every half second."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.screen import ModalScreen

from ravensec.mock import MockCloud
from ravensec.mock.training import GoalResult, Scenario, evaluate_state
from ravensec.tui.app import RavensecApp
from ravensec.tui.training.answers import AnswerModal
from ravensec.tui.training.panel import TaskPanel
from ravensec.tui.training.progress import Progress, save_progress

log = logging.getLogger("ravensec.training")
POLL_SECONDS = 0.5


class TrainingApp(RavensecApp):
    # Textual resolves a relative CSS_PATH beside the subclass's module: point at the main app's sheet.
    CSS_PATH = str(Path(inspect.getfile(RavensecApp)).with_name(str(RavensecApp.CSS_PATH)))
    BINDINGS = [
        *RavensecApp.BINDINGS,
        Binding("H", "hint", "Hint", id="training.hint"),
        Binding("A", "answer", "Answer", id="training.answer"),
        Binding("T", "toggle_task", "Task panel", id="training.toggle"),
    ]

    def __init__(self, scenario: Scenario, cloud: MockCloud, progress: Progress, handouts: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        kwargs.setdefault("demo", True)
        kwargs.setdefault("now", cloud.state.clock)
        self.training_profile = cloud.profile(name="training")
        super().__init__(self.training_profile, **kwargs)
        self.scenario = scenario
        self.cloud = cloud
        self.progress = progress
        self.handouts = handouts
        self.results: list[GoalResult] = []
        self.panel_hidden = False

    def on_mount(self) -> None:
        # Textual also runs RavensecApp.on_mount (handlers are dispatched along the MRO): no super() call.
        self.progress.runs += 1
        save_progress(self.progress)
        self.judge()
        self.set_interval(POLL_SECONDS, self.judge)

    def judge(self) -> None:
        """Re-evaluate every goal against the live state; show it; note completion once."""
        self.results = evaluate_state(list(self.scenario.goals), self.cloud.state, self.cloud.journal.snapshot(),
                                      self.scenario.context(self.progress.answers))
        if self.results and all(r.met for r in self.results) and not self.progress.completed:
            self.progress.mark_completed()
            save_progress(self.progress)
            self.notify("Every goal is met. Read the debrief in the task panel.", title="Scenario complete",
                        timeout=10)
        self._ensure_panel()
        for screen in self.screen_stack:
            for panel in screen.query(TaskPanel):
                panel.show(self.results, self.progress)

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        # Every new screen gets the panel as soon as it is composed, not at the next poll.
        result = super().push_screen(*args, **kwargs)
        self.call_after_refresh(self._ensure_panel)
        return result

    def _ensure_panel(self) -> None:
        screen = self.screen
        if isinstance(screen, ModalScreen) or screen.query(TaskPanel):
            return
        panel = TaskPanel(self.scenario, self.handouts)
        panel.set_class(self.panel_hidden, "-hidden")
        panel.show(self.results, self.progress)  # safe before mount: the panel composes what it was shown
        # First among the screen's children: the header badge and the footer, docked after it, keep the
        # full width.
        screen.mount(panel, before=0 if screen.children else None)

    def action_hint(self) -> None:
        if self.progress.hints_shown >= len(self.scenario.hints):
            self.notify("No more hints for this scenario.")
            return
        self.progress.hints_shown += 1
        save_progress(self.progress)
        self.judge()

    def action_answer(self) -> None:
        questions = [g for g in self.scenario.goals if g.check == "answer"]
        if not questions:
            self.notify("This scenario asks no questions: its goals are judged from the cloud's state.")
            return

        def done(answers: dict[str, str] | None) -> None:
            if answers is not None:
                self.progress.answers.update(answers)
                save_progress(self.progress)
                self.judge()

        self.push_screen(AnswerModal(questions, self.progress.answers), done)

    def action_toggle_task(self) -> None:
        self.panel_hidden = not self.panel_hidden
        for screen in self.screen_stack:
            for panel in screen.query(TaskPanel):
                panel.set_class(self.panel_hidden, "-hidden")
