"""Fixtures for the TUI tests: the real mock (in this test's loop, over real TLS) and profiles for each clearance."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ravensec.core.models import SecurityClearance
from ravensec.core.profile import Profile
from ravensec.core.workspace import Workspace
from ravensec.mock import MockCloud


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


async def register_local(profile: Profile, product_id: str, name: str, clearance: SecurityClearance,
                         dest: Path) -> tuple[str, Path]:
    """Register a new certificate through core (as ``profile``); returns its thumbprint and PEM/PFX path."""
    async with await Workspace.open(profile) as ws:
        thumb, paths = await ws.generate_local_and_register(product_id, name, clearance, {}, dest_dir=dest)
    pem = [p for p in paths if p.suffix == ".pem"] or [p for p in paths if p.suffix == ".pfx"]
    assert pem, f"no .pem or .pfx among {paths}"
    return thumb, pem[0]


@pytest.fixture
async def user_profile(cloud: Any, product: Any, admin_profile: Profile, tmp_path: Path) -> Profile:
    _, pem = await register_local(admin_profile, product.id, "a-user", SecurityClearance.VALID_USER, tmp_path / "user")
    base: Profile = cloud.profile(name="user")
    return dataclasses.replace(base, certificates={product.id: pem})
