"""The task panel: briefing, handouts, each goal's live state, hints shown so far, and the debrief once every
goal is met. Rendering is plain functions of (scenario, results, progress) so it is tested without a UI."""

from __future__ import annotations

from typing import Any

from rich.markup import escape as escape_markup
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ravensec.tui.safetext import visible
from ravensec.tui.training.progress import Progress


def escape(text: str) -> str:
    """A scenario's or the cloud's text inside this panel's markup: literal brackets, controls shown."""
    return escape_markup(visible(text, multiline=True))


def render_goals(results: list[Any]) -> str:
    lines = []
    for r in results:
        mark = "[green]✔[/]" if r.met else "[red]✘[/]"
        lines.append(f"{mark} {escape(r.goal.text)}")
        if not r.met and r.detail:
            lines.append(f"   [dim]{escape(r.detail)}[/]")
    done = sum(1 for r in results if r.met)
    return f"[b]Goals[/] {done}/{len(results)}\n" + "\n".join(lines)


def render_hints(scenario: Any, progress: Progress) -> str:
    shown = scenario.hints[: progress.hints_shown]
    head = f"[b]Hints[/] {len(shown)}/{len(scenario.hints)} used (H for the next)"
    return "\n".join([head, *(f"{i}. {escape(h)}" for i, h in enumerate(shown, 1))])


def render_handouts(lines: list[tuple[str, str]]) -> str:
    if not lines:
        return ""
    return "[b]Handouts[/]\n" + "\n".join(f"{escape(label)}:\n  {escape(value)}" for label, value in lines)


def render_debrief(scenario: Any, results: list[Any], progress: Progress) -> str:
    if not results or not all(r.met for r in results):
        return ""
    used = f"{progress.hints_shown} hint{'s' if progress.hints_shown != 1 else ''}"
    return f"[b green]Done[/] ({used})\n{escape(' '.join(scenario.debrief.split()))}"


class TaskPanel(VerticalScroll):
    """Docked at the right of every screen in training mode; the app pushes state into it."""

    DEFAULT_CSS = """
    TaskPanel {
        dock: right;
        width: 46;
        max-width: 45%;
        border-left: tall $accent;
        padding: 0 1;
        background: $boost;
    }
    TaskPanel > Static { margin-bottom: 1; }
    TaskPanel.-hidden { display: none; }
    """

    def __init__(self, scenario: Any, handouts: list[tuple[str, str]]) -> None:
        super().__init__(id="task-panel")
        self.scenario = scenario
        self.handouts = handouts
        # Held, not queried: the app pushes state whenever it likes (before this panel is composed, while its
        # screen is being removed), and a widget it holds is always there to take it.
        self._goals = Static("", id="task-goals")
        self._hints = Static("", id="task-hints")
        self._debrief = Static("", id="task-debrief")

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Training: {escape(self.scenario.title)}[/]", id="task-title")
        yield Static(escape(" ".join(self.scenario.briefing.split())), id="task-briefing")
        if self.handouts:
            yield Static(render_handouts(self.handouts), id="task-handouts")
        yield self._goals
        yield self._hints
        yield self._debrief

    def show(self, results: list[Any], progress: Progress) -> None:
        self._goals.update(render_goals(results))
        self._hints.update(render_hints(self.scenario, progress))
        self._debrief.update(render_debrief(self.scenario, results, progress))
