"""Training mode in the TUI: the task panel beside every screen, progress saved per scenario, hints,
answers, the debrief, and ``ravensec train`` (list, run, --check, --print-world)."""
