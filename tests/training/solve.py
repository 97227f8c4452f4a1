"""Honest solutions of every shipped scenario through core.Workspace (and the Cloud API / a node where the
scenario is about them), shared by the engine tests and the --check test."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from ravensec.core.iprules import parse_rule
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.core.workspace import Workspace
from ravensec.mock.training import Scenario
from ravensec.mock.training.scenario import wrong_backup_key

Solver = Callable[[Workspace, Any, Scenario, Path], Awaitable[dict[str, str]]]


async def _thumb(ws: Workspace, pid: str, name: str) -> str:
    return next(c.thumbprint for c in await ws.list_certificates(pid) if c.name == name)


async def leaked(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    pid = cloud.product("Shop").id
    await ws.delete_certificate(pid, await _thumb(ws, pid, "ci-runner"))
    return {}


async def least(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    pid = cloud.product("Shop").id
    await ws.edit_certificate(pid, await _thumb(ws, pid, "analytics"), permissions={"Orders": DatabaseAccess.READ})
    return {}


async def off_cloud(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    pid = cloud.product("Shop").id
    await ws.generate_local_and_register(pid, "billing-service", SecurityClearance.VALID_USER,
                                         {"Billing": DatabaseAccess.READ_WRITE}, dest_dir=tmp)
    return {}


async def close_door(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    pid = cloud.product("Shop").id
    await ws.set_ip_rules(pid, [parse_rule("127.0.0.1/32", "me"), parse_rule("198.51.100.0/24", "office"),
                                parse_rule("203.0.113.7/32", "VPN")])
    return {}


def node_ssl(cloud: Any, pem: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(cloud.ca_path))
    ctx.load_cert_chain(str(pem))
    return ctx


async def wall(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    p = cloud.product("Shop")
    url = p.node_urls["A"] + "/admin/cluster/node?url=https://127.0.0.1:1&tag=D"
    async with aiohttp.ClientSession() as s, s.put(url, ssl=node_ssl(cloud, p.operator_pem)) as r:
        assert r.status == 403, await r.text()
    from ravensec.core.http.cloud_api import CloudApi

    async with CloudApi(cloud.api_url, cloud.api_key, ca_file=cloud.ca_path) as api:
        await api.add_node(p.id)
    return {}


async def expiring(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    soon = await ws.expiring(within_days=30)
    pid = cloud.product("Shop").id
    old = next(c for _, c in soon if c.name == "payments")
    await ws.generate_local_and_register(pid, "payments", old.security_clearance, old.permissions, dest_dir=tmp)
    await ws.delete_certificate(pid, old.thumbprint)
    return {"expiring": str(len(soon))}


async def wrong_cert(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    pid = cloud.product("Warehouse").id
    bundle = sc.handout_certificate("inventory-app")
    await ws.register_certificate(pid, "inventory-app", bundle.cert_pem(), SecurityClearance.VALID_USER,
                                  {"Inventory": DatabaseAccess.READ_WRITE})
    return {}


async def restore(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    import base64

    from ravensec.core.backups import verify_backup

    pid = cloud.product("Playground").id
    last = max((b for b in await ws.list_backups(pid) if b.database == "Orders"), key=lambda b: b.created_at)
    data = await ws.fetch_backup(pid, "Orders", last.file_name)
    good = verify_backup(data, base64.b64encode(cloud.state.account.backup_key).decode())
    bad = verify_backup(data, wrong_backup_key(cloud.state.account.backup_key))
    assert good.ok and not bad.ok
    return {"documents": str(good.documents), "refused": "2"}


async def posture(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    from ravensec.core.audit import audit

    pid = cloud.product("Shop").id
    [before] = await audit(ws)
    await ws.set_ip_rules(pid, [parse_rule("127.0.0.1/32", "me"), parse_rule("198.51.100.0/24", "office")])
    for name in ("web-shop", "order-worker"):
        await ws.generate_local_and_register(pid, name, SecurityClearance.VALID_USER,
                                             {"Orders": DatabaseAccess.READ_WRITE}, dest_dir=tmp)
    await ws.delete_certificate(pid, await _thumb(ws, pid, "shared-app"))
    await ws.edit_certificate(pid, await _thumb(ws, pid, "deployer"), clearance=SecurityClearance.VALID_USER,
                              permissions={"Orders": DatabaseAccess.READ_WRITE})
    await ws.delete_certificate(pid, await _thumb(ws, pid, "old-admin"))
    [after] = await audit(ws)
    assert after.clean, after.findings
    return {"findings": str(len(before.findings))}


# credits-drain: each service's name and database access (all User clearance).
CREDITS_DRAIN_SERVICES: dict[str, dict[str, DatabaseAccess]] = {
    "storefront": {"Catalog": DatabaseAccess.READ, "Orders": DatabaseAccess.READ_WRITE},
    "order-worker": {"Orders": DatabaseAccess.READ_WRITE},
    "payment-gateway": {"Payments": DatabaseAccess.READ_WRITE},
}


async def put_order(cloud: Any) -> tuple[int, Any]:
    """A write to Orders (a route flagged DisableOnCpuCreditsExhaustion) with the Operator certificate."""
    p = cloud.product("Shop")
    url = p.node_urls["A"] + "/databases/Orders/docs?id=orders/2-A"
    body = {"@metadata": {"@collection": "Orders"}, "total": 3.0}
    async with aiohttp.ClientSession(trust_env=False) as s, \
            s.put(url, json=body, ssl=node_ssl(cloud, p.operator_pem)) as r:
        return r.status, await r.json(content_type=None)


async def credits_drain(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> dict[str, str]:
    pid = cloud.product("Shop").id
    for name, perms in CREDITS_DRAIN_SERVICES.items():
        await ws.generate_local_and_register(pid, name, SecurityClearance.VALID_USER, perms, dest_dir=tmp)
    return {}


SOLVERS: dict[str, Solver] = {
    "leaked-certificate": leaked, "least-privilege": least, "off-cloud-generation": off_cloud,
    "close-the-door": close_door, "cluster-admin-wall": wall, "expiring-soon": expiring,
    "wrong-certificate": wrong_cert, "restore-drill": restore, "posture-review": posture,
    "credits-drain": credits_drain,
}
