"""Entry point the CLI calls: logging, profile choice, the demo mock, then the app; returns the exit code."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from ravensec.core.config import load_config, log_dir, select_profile
from ravensec.core.errors import RavensecError, UsageError
from ravensec.tui.app import RavensecApp
from ravensec.tui.demo import ServedDemo
from ravensec.tui.safetext import visible


def _setup_logging(log_level: str) -> Path | None:
    level = getattr(logging, log_level.upper(), None)
    if not isinstance(level, int):
        raise UsageError(f"--log-level {log_level!r} is not one of debug, info, warning, error.")
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ravensec.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return path


def run_tui(*, profile: str | None, demo: bool, world: str | None, read_only: bool, log_level: str,
            demo_process: ServedDemo | None = None) -> int:
    """Run the TUI until the user quits. Start-up errors print one clear line (no traceback) and return non-zero."""
    app: RavensecApp | None = None
    try:
        _setup_logging(log_level)
        cfg = load_config()
        # No profile chosen (none configured, or several and none current): the first-run screen.
        chosen = None if demo else select_profile(cfg, profile)
        app = RavensecApp(chosen, demo=demo, read_only=read_only, keymap=cfg.keymap,
                          demo_world=(world or "demo") if demo else None, demo_process=demo_process,
                          config_file=cfg.path)
        app.run()
    # Written to the terminal after the app: the text may quote a config file or a server, so it is made visible.
    except RavensecError as e:
        print(f"ravensec: {visible(str(e), multiline=True)}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        print(f"ravensec: {visible(str(e), multiline=True)}", file=sys.stderr)
        return 1
    assert app is not None
    if app.fatal:
        print(visible(app.fatal, multiline=True), file=sys.stderr)
    return app.return_code or 0
