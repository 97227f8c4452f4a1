"""Issue 6.3, concurrency: hundreds of certificate generate/register/edit/delete requests and allow-list
edits in flight at once, spread over every node of the product. The end state must be one some serial
order would give: every chain's last step holds, concurrent writers of one record leave one writer's whole
record (never a mix), no registration is lost, and every node lists exactly the same certificates."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.generate import generate_key, make_client_certificate
from ravensec.mock import MockCloud
from tests.mockserver.helpers import API_KEY, DB, PRODUCT_ID, who

CHAINS = 60  # register -> edit -> (every third) delete, chains interleaved
GENERATED = 8  # server-side generations
SAME_RECORD_EDITS = 40  # concurrent edits of one certificate
ALLOW_LIST_PUTS = 30


def _bundles(n: int) -> list[CertBundle]:
    return [
        make_client_certificate(f"conc-{i}", key_type="ec-p256", key=generate_key("ec-p256", seed=5000 + i))
        for i in range(n)
    ]


def _ssl(cloud: MockCloud, pem: Path | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(cloud.ca_path))
    if pem is not None:
        ctx.load_cert_chain(str(pem))
    return ctx


async def _ok(resp: aiohttp.ClientResponse, *statuses: int) -> bytes:
    body = await resp.read()
    assert resp.status in statuses, f"{resp.method} {resp.url}: {resp.status} {body[:300]!r}"
    return body


def _tp(bundle: CertBundle) -> str:
    from ravensec.core.certs.identity import thumbprint

    return thumbprint(bundle.certificate)


async def _listing(http: aiohttp.ClientSession, url: str) -> dict[str, tuple[Any, ...]]:
    async with http.get(url + "/admin/certificates") as r:
        results = json.loads(await _ok(r, 200))["Results"]
    return {
        d["Thumbprint"]: (d["Name"], d["SecurityClearance"], json.dumps(d["Permissions"], sort_keys=True))
        for d in results
    }


@pytest.mark.parametrize("scale", [1, pytest.param(5, marks=pytest.mark.slow)])
async def test_concurrent_certificate_and_allow_list_writes_serialise(
    cloud: MockCloud, pem_dir: Path, scale: int
) -> None:
    n_chains, n_generated, n_edits, n_puts = (
        x * scale for x in (CHAINS, GENERATED, SAME_RECORD_EDITS, ALLOW_LIST_PUTS)
    )
    nodes = list(cloud.products[PRODUCT_ID].node_urls.values())
    node = itertools.cycle(nodes)
    bundles = _bundles(n_chains)
    target = who("user-read", pem_dir).thumbprint
    op = who("operator", pem_dir)
    connector = aiohttp.TCPConnector(ssl=_ssl(cloud, op.pem), limit=64)
    portal_ssl = _ssl(cloud, None)
    portal_headers = {"X-Api-Key": API_KEY, "User-Agent": "adversarial"}
    allow_sets = [
        [{"ip": "127.0.0.0/8", "alias": "loopback"}, {"ip": f"198.51.100.{i}/32", "alias": f"set-{i}"}]
        for i in range(n_puts)
    ]
    edits = [
        {
            "Thumbprint": target,
            "Name": f"writer-{i}",
            "SecurityClearance": "ValidUser",
            "Permissions": {DB: "ReadWrite" if i % 2 else "Read", f"db-{i}": "Admin"},
        }
        for i in range(n_edits)
    ]

    async with aiohttp.ClientSession(connector=connector) as http:

        async def chain(i: int, b: CertBundle) -> None:
            reg = {
                "Name": f"conc-{i}",
                "Certificate": base64.b64encode(b.cert_der()).decode(),
                "SecurityClearance": "ValidUser",
                "Permissions": {DB: "Read"},
            }
            async with http.put(next(node) + "/admin/certificates", json=reg) as r:
                await _ok(r, 201)
            edit = {**reg, "Thumbprint": _tp(b), "Name": f"edited-{i}", "Permissions": {DB: "ReadWrite"}}
            del edit["Certificate"]
            async with http.post(next(node) + "/admin/certificates/edit", json=edit) as r:
                await _ok(r, 201)
            if i % 3 == 0:
                async with http.delete(next(node) + f"/admin/certificates?thumbprint={_tp(b)}") as r:
                    await _ok(r, 204)

        async def generate(i: int) -> None:
            body = {"Name": f"gen-{i}", "SecurityClearance": "ValidUser", "Permissions": {DB: "Read"}}
            async with http.post(next(node) + "/admin/certificates", json=body) as r:
                await _ok(r, 200)

        async def edit_one(body: dict[str, Any]) -> None:
            async with http.post(next(node) + "/admin/certificates/edit", json=body) as r:
                await _ok(r, 201)

        async def put_ips(rules: list[dict[str, str]]) -> None:
            async with http.put(
                cloud.portal_url + f"/ext/v1/products/{PRODUCT_ID}/allowed-ips",
                json={"allowedIps": rules},
                headers=portal_headers,
                ssl=portal_ssl,
            ) as r:
                await _ok(r, 200)

        before = await _listing(http, nodes[0])
        jobs = [chain(i, b) for i, b in enumerate(bundles)]
        jobs += [generate(i) for i in range(n_generated)]
        jobs += [edit_one(e) for e in edits]
        jobs += [put_ips(s) for s in allow_sets]
        await asyncio.gather(*jobs)

        listings = [await _listing(http, url) for url in nodes]
        async with http.get(
            cloud.portal_url + f"/ext/v1/products/{PRODUCT_ID}/allowed-ips",
            headers=portal_headers,
            ssl=portal_ssl,
        ) as r:
            final_ips = json.loads(await _ok(r, 200))["allowedIps"]

    # Every node answers the same listing.
    assert listings[0] == listings[1] == listings[2]
    final = listings[0]
    # Every chain's last step holds; nothing lost, nothing resurrected.
    for i, b in enumerate(bundles):
        if i % 3 == 0:
            assert _tp(b) not in final, f"conc-{i} was deleted but is listed"
        else:
            assert final[_tp(b)] == ("edited-" + str(i), "ValidUser", json.dumps({DB: "ReadWrite"})), i
    generated = sorted(name for name, *_ in final.values() if name.startswith("gen-"))
    assert generated == sorted(f"gen-{i}" for i in range(n_generated))
    # One writer's whole record, never a mix of two.
    name, _clr, perms = final[target]
    winner = next(e for e in edits if e["Name"] == name)
    assert perms == json.dumps(winner["Permissions"], sort_keys=True)
    # Nothing else changed.
    untouched = {tp: v for tp, v in before.items() if tp != target}
    assert {tp: final[tp] for tp in untouched} == untouched
    expected_count = len(before) + sum(1 for i in range(n_chains) if i % 3) + n_generated
    assert len(final) == expected_count
    # The allow-list is exactly one of the sets written.
    assert final_ips in allow_sets, final_ips
