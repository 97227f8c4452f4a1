"""Fixtures for the node-side mock tests: a running ``MockCloud`` in a background thread over the small world
of helpers.py, reset before each test, and a directory for the identities' PEM files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ravensec.mock import MockCloud
from tests.mockserver.helpers import build_state


@pytest.fixture(scope="module")
def cloud_module() -> Iterator[MockCloud]:
    with MockCloud(state_factory=build_state) as cloud:
        yield cloud


@pytest.fixture
def cloud(cloud_module: MockCloud) -> Iterator[MockCloud]:
    """The running mock, reset before each test."""
    cloud_module.reset()
    yield cloud_module


@pytest.fixture(scope="module")
def pem_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("identities")
