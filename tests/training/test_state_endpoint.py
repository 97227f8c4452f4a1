"""The mock-only ``GET /ext/v1/state`` over real TLS: the API key is required, and the snapshot carries the
live state and the request journal (which ``request_seen`` goals need over the wire)."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import aiohttp
import pytest

from ravensec.core.errors import AuthError, Unavailable
from ravensec.core.http.mock_ext import fetch_mock_state
from ravensec.mock.training import load_scenario


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
        snap = await fetch_mock_state(state_dir)
        assert snap["products"][0]["allowed_ips"] == [{"ip": "0.0.0.0/0", "alias": "Allow all"}]
        assert snap["world"] == cloud.state.world_name


async def test_a_stopped_mock_is_named_in_words(tmp_path: Path) -> None:
    async with load_scenario("close-the-door").make_cloud(state_dir=tmp_path) as cloud:
        connection = (tmp_path / "connection.json").read_bytes()
        portal_url = cloud.portal_url
    (tmp_path / "connection.json").write_bytes(connection)  # what a killed `serve` leaves behind
    with pytest.raises(Unavailable) as err:
        await fetch_mock_state(tmp_path)
    text = str(err.value)
    assert text.startswith(f"cannot reach the mock at {portal_url}: connection refused.")
    assert "ravensec-mock serve" in text and "SSLContext" not in text


async def test_a_stale_api_key_is_refused_in_words(tmp_path: Path) -> None:
    async with load_scenario("close-the-door").make_cloud(state_dir=tmp_path):
        info = json.loads((tmp_path / "connection.json").read_text())
        info["api_key"] = "not-the-key"
        (tmp_path / "connection.json").write_text(json.dumps(info))
        with pytest.raises(AuthError, match="refused the API key"):
            await fetch_mock_state(tmp_path)
