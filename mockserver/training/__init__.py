"""Training mode's engine: scenario files (a mock world plus a briefing, hints and goal conditions) and a pure
evaluator of those goals over the mock's live state. The TUI side (task panel, progress) lives in
``ravensec.tui.training``; ``core`` knows nothing of training."""

from ravensec.mock.training.goals import Goal, GoalResult, evaluate, evaluate_state
from ravensec.mock.training.scenario import Scenario, list_scenarios, load_scenario, scenarios_dir
from ravensec.mock.training.snapshot import snapshot

__all__ = [
    "Goal", "GoalResult", "Scenario", "evaluate", "evaluate_state", "list_scenarios", "load_scenario",
    "scenarios_dir", "snapshot",
]
