"""Shared test setup: every test runs with HOME and XDG_* pointing into its own temporary directory,
so that nothing reads or writes the user's files (the ravendb client caches topology under XDG_CACHE_HOME)."""

from __future__ import annotations

from pathlib import Path

import pytest

_ISOLATED = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in _ISOLATED:
        path = home / var.lower()
        path.mkdir(mode=0o700)
        monkeypatch.setenv(var, str(path))
    monkeypatch.delenv("RAVENSEC_CONFIG", raising=False)
    monkeypatch.delenv("RAVENSEC_PROFILE", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return home
