"""The mock-only ``GET /ext/v1/state`` over real TLS: the API key is required, and the snapshot carries the
live state and the request journal (which ``request_seen`` goals need over the wire)."""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp

from ravensec.mock.training import load_scenario
from ravensec.mock.training.remote import fetch_snapshot


async def test_state_needs_the_api_key_and_shows_the_journal() -> None:
    sc = load_scenario("cluster-admin-wall")
    async with sc.make_cloud() as cloud:
        ctx = ssl.create_default_context(cafile=str(cloud.ca_path))
        async with aiohttp.ClientSession(trust_env=False) as s:
            async with s.get(cloud.portal_url + "/ext/v1/state", ssl=ctx) as r:
                assert r.status in (401, 403)
            async with s.get(cloud.portal_url + "/ext/v1/state", ssl=ctx,
                             headers={"X-Api-Key": cloud.api_key}) as r:
                assert r.status == 200
                snap = await r.json()
        (product,) = snap["products"]
        assert product["name"] == "Shop" and product["nodes"] == ["A", "B", "C"]
        assert any(c["thumbprint"] == product["operator"] for c in product["certificates"])
        assert any(r["path"] == "/ext/v1/state" and r["status"] in (401, 403) for r in snap["requests"])


async def test_fetch_snapshot_reads_connection_json(tmp_path: Path) -> None:
    state_dir = tmp_path
    sc = load_scenario("close-the-door")
    async with sc.make_cloud(state_dir=state_dir) as cloud:
        snap = await fetch_snapshot(state_dir)
        assert snap["products"][0]["allowed_ips"] == [{"ip": "0.0.0.0/0", "alias": "Allow all"}]
        assert snap["world"] == cloud.state.world_name
