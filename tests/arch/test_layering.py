"""The layering is law: core knows no UI and no mock; mockserver knows no UI; tui reaches the network via core."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Source directory -> the package it installs as (pyproject.toml [tool.setuptools.package-dir]).
PACKAGE_DIRS = {"core": "ravensec.core", "mockserver": "ravensec.mock", "tui": "ravensec.tui"}

# What of the mock the TUI may import: the runtime, to start a scenario's mock (the demo's runs as a child
# process, `ravensec-mock serve`, and the TUI imports none of it), and the
# pure scenario model and goal evaluator, to run training. Anything else (handlers, state, worlds, TLS) is the
# mock's inside; the TUI talks to any server, the mock included, through core only.
TUI_MAY_IMPORT_FROM_MOCK = {
    "ravensec.mock.MockCloud",  # the runtime's class, re-exported by the package
    "ravensec.mock.runtime",
    "ravensec.mock.training",
    "ravensec.mock.training.scenario",
    "ravensec.mock.training.goals",
}

# Import cycles between sibling sub-packages that are known and being removed. Each one is also an xfail
# (strict) below: when its cycle is gone that test passes, fails as XPASS, and its entry here goes.

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


def _modules() -> Iterator[tuple[str, Path]]:
    """Every module of the three packages: its installed dotted name and its file."""
    for directory, package in PACKAGE_DIRS.items():
        for path in sorted((ROOT / directory).rglob("*.py")):
            parts = path.relative_to(ROOT / directory).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join((package, *parts)), path


def _packages() -> set[str]:
    return {name for name, path in _modules() if path.name == "__init__.py"}


def _imported_names(module: str, path: Path) -> Iterator[str]:
    """Absolute names this module imports, relative imports resolved; ``from X import a`` gives ``X.a``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            source = node.module if not node.level else ".".join(filter(None, (base, node.module)))
            if source:
                yield from (f"{source}.{a.name}" for a in node.names)


def test_tui_imports_only_the_mocks_runtime_and_scenario_model() -> None:
    bad = []
    for module, path in _modules():
        if not module.startswith("ravensec.tui"):
            continue
        for name in _imported_names(module, path):
            if name.startswith("ravensec.mock") and not any(
                name == allowed or name.startswith(allowed + ".") for allowed in TUI_MAY_IMPORT_FROM_MOCK
            ):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert bad == []


def _package_of(name: str, packages: set[str]) -> str:
    while name and name not in packages:
        name = name.rpartition(".")[0]
    return name


def _sibling_edges() -> dict[str, set[str]]:
    """Sub-package -> the sub-packages it imports from, leaving out a package and its ancestors: a
    sub-package using its parent's shared modules (errors, state) is the intended shape, not a cycle."""
    packages = _packages()
    edges: dict[str, set[str]] = {p: set() for p in packages}
    for module, path in _modules():
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for name in _imported_names(module, path):
            there = _package_of(name, packages)
            if there and not (here == there or here.startswith(there + ".") or there.startswith(here + ".")):
                edges[here].add(there)
    return edges


def _cycles(edges: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}
    assert _cycles(edges) == {frozenset({"a.x", "a.y", "a.z"})}


def test_no_import_cycle_between_sub_packages() -> None:
    cycles = _cycles(_sibling_edges())
    assert cycles == set(), [sorted(c) for c in cycles]


def test_pyproject_lists_exactly_the_packages_on_disk() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert setuptools["package-dir"] == {package: d for d, package in PACKAGE_DIRS.items()}
    listed = setuptools["packages"]
    assert listed == sorted(listed), "keep the list sorted"
    assert set(listed) == _packages()
