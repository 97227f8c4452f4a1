"""The posture review against the real mock over TLS: what the demo world shows, a clean world, a User caller."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ravensec.core.audit import Credits, ProductPosture, audit
from ravensec.core.audit.credits import credits_reader
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.core.workspace import Workspace
from ravensec.mock import MockCloud

CLEAN_WORLD = Path(__file__).resolve().parents[2] / "fixtures" / "worlds" / "clean.toml"

# The demo-fixed world's findings: (product, code, the certificate's name or the rule).
DEMO_FINDINGS = {
    ("Playground", "ip-allow-all", "0.0.0.0/0"),
    ("Staging", "cert-expired", "dev-laptop"),
    ("Shop", "cert-expiring-30", "orders-service"),
    ("Shop", "cert-expired", "old-admin"),
    ("Shop", "cert-expiring-60", "analytics"),
    ("Shop", "cert-disabled-long", "intern"),
}


@pytest.fixture
async def demo() -> AsyncIterator[MockCloud]:
    async with MockCloud("demo-fixed") as c:
        yield c


def summary(postures: list[ProductPosture], names: dict[str, str]) -> set[tuple[str, str, str]]:
    return {(p.product.display_name, f.code, names.get(f.subject, f.subject)) for p in postures for f in p.findings}


async def _names(ws: Workspace, postures: list[ProductPosture]) -> dict[str, str]:
    out = {}
    for p in postures:
        out.update({c.thumbprint: c.name for c in await ws.list_certificates(p.product.id)})
    return out


async def test_demo_world_findings(demo: MockCloud) -> None:
    async with await Workspace.open(demo.profile(), read_only=True) as ws:  # the review needs no write
        ws.now = demo.state.clock
        postures = await audit(ws)
        names = await _names(ws, postures)
    assert [p.product.display_name for p in postures] == ["Playground", "Staging", "Shop"]
    assert summary(postures, names) == DEMO_FINDINGS
    assert all(p.not_reviewed == () for p in postures)
    shop = postures[2]
    assert [f.severity.value for f in shop.findings] == ["high", "medium", "low", "low"]


async def test_one_product_with_a_credits_reading(demo: MockCloud) -> None:
    async with await Workspace.open(demo.profile()) as ws:
        ws.now = demo.state.clock
        shop = next(p for p in await ws.list_products() if p.display_name == "Shop")

        async def credits(product_id: str) -> Credits | None:
            return Credits(remaining=10, maximum=288) if product_id == shop.id else None

        [posture] = await audit(ws, [shop], credits=credits)
    assert "credits-low" in {f.code for f in posture.findings}


async def test_the_workspace_reads_credits_for_the_review(demo: MockCloud) -> None:
    demo.product("Staging").set_cpu_credits(remaining=0)  # the cloud drained it
    async with await Workspace.open(demo.profile(), read_only=True) as ws:
        ws.now = demo.state.clock
        reader = credits_reader(ws)
        assert reader is not None
        postures = await audit(ws, credits=reader)
    low = {p.product.display_name for p in postures for f in p.findings if f.code == "credits-low"}
    assert low == {"Staging"}  # the others are burstable too, with their budgets full


async def test_clean_world_is_clean() -> None:
    async with MockCloud(str(CLEAN_WORLD)) as cloud, await Workspace.open(cloud.profile()) as ws:
        ws.now = cloud.state.clock
        postures = await audit(ws)
    assert [p.clean for p in postures] == [True]


async def test_a_user_certificate_gets_the_ip_review_and_is_told_what_it_missed(
    demo: MockCloud, tmp_path: Path
) -> None:
    playground = next(p for p in demo.products.values() if p.name == "Playground")
    admin = dataclasses.replace(demo.profile(), certificates={playground.id: Path(playground.cluster_admin_pem)})
    async with await Workspace.open(admin) as ws:
        _, paths = await ws.generate_local_and_register(playground.id, "reader", SecurityClearance.VALID_USER,
                                                        {"Notes": DatabaseAccess.READ}, dest_dir=tmp_path)
    pem = next(p for p in paths if p.suffix == ".pem")
    user = dataclasses.replace(demo.profile(), certificates={playground.id: pem})
    async with await Workspace.open(user) as ws:
        ws.now = demo.state.clock
        product = next(p for p in await ws.list_products() if p.id == playground.id)
        [posture] = await audit(ws, [product])
    assert [f.code for f in posture.findings] == ["ip-allow-all"]
    [gap] = posture.not_reviewed
    assert gap.startswith("certificates not reviewed") and "Operator" in gap, gap
