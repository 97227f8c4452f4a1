"""Workspace end to end against the full mock (mockserver.MockCloud): real portal, real nodes, real mTLS."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ravensec.core.certs.load import load_bundle_file
from ravensec.core.certs.packages import read_package
from ravensec.core.errors import ReadOnlyError, Unavailable
from ravensec.core.models import DatabaseAccess, IpRule, SecurityClearance
from ravensec.core.workspace import Workspace
from ravensec.mock import MockCloud


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[MockCloud]:
    async with MockCloud("demo", state_dir=tmp_path / "mock") as c:
        yield c


def _product_with_nodes(cloud: MockCloud) -> str:
    for pid, p in cloud.products.items():
        if p.node_urls:
            return pid
    raise AssertionError("the demo world has no product with nodes")


async def test_products_and_whoami(cloud: MockCloud) -> None:
    async with await Workspace.open(cloud.profile()) as ws:
        products = await ws.list_products()
        assert {p.id for p in products} == set(cloud.products)
        pid = _product_with_nodes(cloud)
        me = await ws.whoami(pid)
        operator = load_bundle_file(cloud.products[pid].operator_pem)
    assert me is not None and me.security_clearance is SecurityClearance.OPERATOR
    from ravensec.core.certs.identity import thumbprint

    assert me.thumbprint == thumbprint(operator.certificate)
    assert ws.capabilities.edit_ip_rules and ws.capabilities.portal_url == cloud.portal_url


async def test_certificate_lifecycle(cloud: MockCloud, tmp_path: Path) -> None:
    pid = _product_with_nodes(cloud)
    async with await Workspace.open(cloud.profile()) as ws:
        zipped = await ws.generate_certificate(pid, "gen-1", SecurityClearance.VALID_USER,
                                               {"orders": DatabaseAccess.READ_WRITE})
        generated = read_package(zipped)
        tp, files = await ws.generate_local_and_register(
            pid, "local-1", SecurityClearance.VALID_USER, {"orders": DatabaseAccess.READ}, dest_dir=tmp_path / "out"
        )
        names = {c.thumbprint: c.name for c in await ws.list_certificates(pid)}
        assert names[tp] == "local-1"
        from ravensec.core.certs.identity import thumbprint

        assert names[thumbprint(generated.bundle.certificate)] == "gen-1"
        await ws.edit_certificate(pid, tp, name="local-renamed", permissions={"orders": DatabaseAccess.ADMIN})
        edited = {c.thumbprint: c for c in await ws.list_certificates(pid)}[tp]
        assert edited.name == "local-renamed" and edited.permissions == {"orders": DatabaseAccess.ADMIN}
        await ws.delete_certificate(pid, tp)
        assert tp not in {c.thumbprint for c in await ws.list_certificates(pid)}
    assert {f.suffix for f in files} >= {".pem", ".pfx"}


async def test_ip_rules_round_trip_and_enforcement(cloud: MockCloud) -> None:
    pid = _product_with_nodes(cloud)
    async with await Workspace.open(cloud.profile()) as ws:
        keep_me = [IpRule(ipaddress.ip_network("127.0.0.1/32"), "me"), IpRule(ipaddress.ip_network("203.0.113.0/24"), "office")]
        assert await ws.set_ip_rules(pid, keep_me) == keep_me
        assert await ws.get_ip_rules(pid) == keep_me
        assert await ws.whoami(pid) is not None
        await ws.set_ip_rules(pid, [IpRule(ipaddress.ip_network("203.0.113.0/24"), "office")])
        with pytest.raises(Unavailable) as err:
            await ws.whoami(pid)
    assert "allow-list" in str(err.value)


async def test_read_only_workspace_changes_nothing(cloud: MockCloud) -> None:
    pid = _product_with_nodes(cloud)
    before = len(cloud.journal)
    async with await Workspace.open(cloud.profile(), read_only=True) as ws:
        with pytest.raises(ReadOnlyError):
            await ws.set_ip_rules(pid, [])
        with pytest.raises(ReadOnlyError):
            await ws.generate_certificate(pid, "x", SecurityClearance.VALID_USER, {})
    writes = [e for e in list(cloud.journal)[before:] if e.method != "GET"]
    assert writes == []


async def test_expiring_databases_and_backups(cloud: MockCloud) -> None:
    pid = _product_with_nodes(cloud)
    async with await Workspace.open(cloud.profile()) as ws:
        found = await ws.expiring(within_days=365 * 10)
        assert found, "every certificate expires within ten years"
        assert [c.not_after for _p, c in found] == sorted(c.not_after for _p, c in found)
        assert {p.id for p, _c in found} <= set(cloud.products)
        names = await ws.databases(pid)
        assert all(isinstance(n, str) and n for n in names)
        backups = await ws.list_backups(pid)
        if backups:
            b = backups[0]
            data = await ws.fetch_backup(pid, b.database, b.file_name)
            assert data.startswith(b"RVNBKP1\n")
        await ws.purge_expired(pid)
        now = datetime.now(UTC)
        assert all(c.not_after > now for c in await ws.list_certificates(pid))


async def test_expiring_follows_the_workspace_clock_in_a_fixed_clock_world(tmp_path: Path) -> None:
    from datetime import timedelta

    from ravensec.core.clock import utc_now

    async with MockCloud("demo-fixed", state_dir=tmp_path / "fixed") as cloud:
        world_now = cloud.state.clock
        async with await Workspace.open(cloud.profile(), now=world_now) as ws:
            assert ws.now is world_now
            everything = [
                (p.id, c.thumbprint, c.not_after)
                for p in await ws.list_products() if p.nodes
                for c in await ws.list_certificates(p.id)
            ]
            for days in (0, 30, 60, 365):
                limit = world_now() + timedelta(days=days)
                want = sorted((when, pid, tp) for pid, tp, when in everything if when <= limit)
                got = sorted((c.not_after, p.id, c.thumbprint) for p, c in await ws.expiring(days))
                assert got == want, days
            assert 0 < len(await ws.expiring(60)) < len(everything)  # the world is built around its clock
        async with await Workspace.open(cloud.profile()) as ws:
            assert ws.now is utc_now and abs((ws.now() - datetime.now(UTC)).total_seconds()) < 5
