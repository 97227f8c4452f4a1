"""Fixtures for the TUI tests: the real mock (in this test's loop, over real TLS) and profiles for each clearance."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ravensec.core.models import SecurityClearance
from ravensec.core.profile import Profile
from ravensec.mock import MockCloud
from tests.tui.helpers import register_local


@pytest.fixture
async def cloud() -> AsyncIterator[Any]:
    async with MockCloud("demo") as c:
        yield c


@pytest.fixture
def product(cloud: Any) -> Any:
    """The first product of the demo world that has nodes (a MockProduct)."""
    return next(p for p in cloud.products.values() if p.node_urls)


@pytest.fixture
def operator_profile(cloud: Any) -> Profile:
    return cloud.profile(name="mock")  # type: ignore[no-any-return]


@pytest.fixture
def admin_profile(cloud: Any, product: Any) -> Profile:
    base: Profile = cloud.profile(name="admin")
    return dataclasses.replace(base, certificates={product.id: Path(product.cluster_admin_pem)})


@pytest.fixture
async def user_profile(cloud: Any, product: Any, admin_profile: Profile, tmp_path: Path) -> Profile:
    _, pem = await register_local(admin_profile, product.id, "a-user", SecurityClearance.VALID_USER, tmp_path / "user")
    base: Profile = cloud.profile(name="user")
    return dataclasses.replace(base, certificates={product.id: pem})
