"""Per-scenario progress under ``data_dir()/training/<scenario>.json``, written atomically: hints shown,
answers typed, when the scenario was first completed. The mock world itself starts fresh on every run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ravensec.core.config import data_dir
from ravensec.core.errors import ConfigError
from ravensec.core.fsutil import atomic_write


@dataclass
class Progress:
    scenario: str
    hints_shown: int = 0
    answers: dict[str, str] = field(default_factory=dict)
    completed_at: str = ""  # ISO time of the first run that met every goal
    runs: int = 0

    @property
    def completed(self) -> bool:
        return bool(self.completed_at)

    def mark_completed(self) -> None:
        if not self.completed_at:
            self.completed_at = datetime.now(UTC).isoformat(timespec="seconds")


def progress_path(name: str) -> Path:
    return data_dir() / "training" / f"{name}.json"


def load_progress(name: str) -> Progress:
    path = progress_path(name)
    if not path.exists():
        return Progress(name)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Progress(
            scenario=name,
            hints_shown=int(raw.get("hints_shown", 0)),
            answers={str(k): str(v) for k, v in dict(raw.get("answers", {})).items()},
            completed_at=str(raw.get("completed_at", "")),
            runs=int(raw.get("runs", 0)),
        )
    except (ValueError, TypeError, AttributeError, OSError) as e:
        raise ConfigError(f"unreadable training progress: {e}", path=str(path),
                          hint="Start over with `ravensec train NAME --reset`.") from None


def save_progress(progress: Progress) -> Path:
    path = progress_path(progress.scenario)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, json.dumps(asdict(progress), indent=2, sort_keys=True).encode())


def reset_progress(name: str) -> Progress:
    progress_path(name).unlink(missing_ok=True)
    return Progress(name)
