"""The layering is law: core knows no UI and no mock; mockserver knows no UI; tui reaches the network via core."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "core": {"textual", "ravensec.tui", "ravensec.mock", "aiohttp.web"},
    "mockserver": {"ravensec.tui", "textual"},
    # The TUI may start the embedded mock, but talks to every server through core only.
    "tui": {"aiohttp", "requests", "httpx", "urllib.request", "http.client", "socket", "ssl"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            for banned in FORBIDDEN[package]:
                if name == banned or name.startswith(banned + "."):
                    bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_layering(package: str) -> None:
    assert _violations(package) == []


def test_importing_core_loads_no_textual_and_no_mock() -> None:
    code = (
        "import sys, ravensec.core, ravensec.core.models, ravensec.core.errors\n"
        "import importlib, pkgutil\n"
        "for m in pkgutil.walk_packages(ravensec.core.__path__, 'ravensec.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith(('ravensec.tui', 'ravensec.mock'))]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def test_every_package_has_a_docstring() -> None:
    missing = []
    for init in sorted(ROOT.glob("*/**/__init__.py")):
        rel = init.relative_to(ROOT)
        if rel.parts[0] not in ("core", "mockserver", "tui"):
            continue
        if ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) is None:
            missing.append(str(rel))
    assert missing == []
