"""The README's pytest example, verbatim in spirit: it must keep working for the people who copy it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The mock as a test fixture", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README lost its pytest example"
    return match.group(1)


def test_readme_example_is_about_ten_lines() -> None:
    lines = [line for line in _example().splitlines() if line.strip()]
    assert len(lines) <= 12


def test_readme_example_runs(ravendb_cloud: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    namespace: dict[str, object] = {}
    exec(compile(_example(), str(README), "exec"), namespace)
    test = namespace["test_operator_cannot_add_a_node"]
    test(ravendb_cloud, tmp_path, monkeypatch)  # type: ignore[operator]
