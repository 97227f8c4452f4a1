"""The TUI package's shape: modals build on no screen, and imports sit at module top except the few
deliberate boundaries (the headless CLI loads no Textual; only a demo or training loads the mock)."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "tui"

# (file, module imported inside a function): each keeps a heavy dependency off a path that does not need it.
BOUNDARIES = {
    ("__main__.py", "ravensec.tui.launch"),  # a subcommand never loads Textual
    ("__main__.py", "ravensec.tui.cli.parser"),  # the UI needs no command module (nor aiohttp through them)
    ("__main__.py", "ravensec.tui.cli.run"),  # nor the runner of commands
    # The first frame before aiohttp and the rest of core: loaded once a profile opens (test_import_cost).
    ("app.py", "ravensec.core.workspace"),
    ("app.py", "ravensec.tui.screens.products"),
    ("app.py", "ravensec.tui.screens.expiry"),
    ("app.py", "ravensec.tui.screens.posture"),
    ("cli/commands_train.py", "ravensec.tui.training.launch"),  # training runs on the mock
    ("training/launch.py", "ravensec.tui.training.app"),  # train --check and the list need no Textual
}


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [a.name for a in node.names]


def _function_imports(path: Path) -> set[tuple[str, str]]:
    found = set()
    for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.update((str(path.relative_to(TUI)), name) for name in _imported(node))
    return found


def test_only_the_deliberate_boundaries_import_inside_functions() -> None:
    found = set().union(*(_function_imports(p) for p in TUI.rglob("*.py")))
    assert found == BOUNDARIES


def test_modals_import_no_screens() -> None:
    bad = [
        f"{p.name} imports {name}"
        for p in (TUI / "modals").glob("*.py")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in _imported(node)
        if name.startswith("ravensec.tui.screens")
    ]
    assert bad == []
