"""``ravensec-mock serve`` in its own process, as the tests that need one start it: waited for by the line it
prints once every listener is up and connection.json is final ("Serving;"), never by polling with sleeps."""

from __future__ import annotations

import subprocess

import pytest


def until_serving(proc: subprocess.Popen[str]) -> str:
    """What ``serve`` printed up to and including its "Serving;" line; fails the test if it exits first."""
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Serving;"):
            return "".join(lines)
    pytest.fail(f"ravensec-mock serve exited before serving: {proc.communicate()}")
