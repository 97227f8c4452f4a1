"""Fixtures for the core HTTP tests: one throwaway CA per test, written under the test's tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.localserver import Pki, make_pki


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)
