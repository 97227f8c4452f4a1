"""Cloud API v1 of the mock portal over a real socket: gateway checks, products, metadata, changes,
status transitions, the certificate package."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

from aiohttp import ClientSession

from ravensec.core.certs.packages import read_package
from ravensec.core.models import Product, ProductStatus
from tests.mockserver.portal_helpers import UA, demo_state, portal, product_id

API = "/api/v1"


async def test_gateway_user_agent_then_api_key() -> None:
    async with portal() as (client, state):
        url = client.make_url(f"{API}/products/list")
        async with ClientSession(skip_auto_headers=["User-Agent"]) as s:
            async with s.get(url, headers={"X-Api-Key": sorted(state.account.api_keys)[0]}) as r:
                assert r.status == 403
            async with s.get(url, headers={**UA, "X-Api-Key": "wrong"}) as r:
                assert r.status == 401 and "API key" in (await r.json())["message"]
            async with s.get(url, headers=UA) as r:
                assert r.status == 401


async def test_account_list_and_details() -> None:
    async with portal() as (client, state):
        r = await client.get(f"{API}/account/info")
        assert (await r.json())["domainName"] == "acme"
        items = (await (await client.get(f"{API}/products/list")).json())["items"]
        assert {i["name"] for i in items} == {"Playground", "Staging", "Shop"}
        shop_id = product_id(state, "Shop")
        d = await (await client.get(f"{API}/products/details/{shop_id}")).json()
        assert d["nodeTags"] == ["A", "B", "C"] and d["tier"] == "Production" and d["subdomainName"] == "shop"
        assert d["dns"][0] == "a.shop.acme.ravendb.cloud"  # nodes not listening yet: the cloud's names
        assert "127.0.0.1/32" in d["security"]["allowedIps"]
        p = Product.from_api(d)
        assert p.status == ProductStatus.ACTIVE and p.storage.size == 32
        state.products[shop_id].nodes[0].url = "https://127.0.0.1:4431"
        d = await (await client.get(f"{API}/products/details/{shop_id}")).json()
        assert d["dns"][0] == "127.0.0.1:4431"
        r = await client.get(f"{API}/products/details/nope")
        assert r.status == 404 and "nope" in (await r.json())["message"]
        assert (await client.get(f"{API}/no/such/thing")).status == 404


async def test_metadata() -> None:
    async with portal() as (client, _):
        regions = (await (await client.get(f"{API}/metadata/regions/aws")).json())["regions"]
        assert "us-east-1" in [r["name"] for r in regions]
        assert (await client.get(f"{API}/metadata/regions/oracle")).status == 404
        types = (await (await client.get(f"{API}/metadata/instance-types/aws/us-east-1")).json())["instanceTypes"]
        dev10 = next(t for t in types if t["name"] == "Dev10")
        assert dev10["tier"] == "Development" and dev10["parameters"]["numberOfNodes"] == 1
        ch = await (await client.get(f"{API}/metadata/release-channels")).json()
        assert ch["defaultReleaseChannel"] in [c["name"] for c in ch["releaseChannels"]]


def create_body(**kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "displayName": "New", "cloudProvider": "aws", "instanceTypeName": "Dev10", "region": "us-east-1",
        "releaseChannel": "Stable62", "diskSize": 10, "storageTypeName": "SsdStandard", "tier": "Development",
        "allowedIps": ["127.0.0.1/32"], "subdomainName": "newone",
    }
    body.update(kw)
    return body


async def test_create_validation_and_paid_limit() -> None:
    async with portal() as (client, state):
        r = await client.post(f"{API}/products/create", json=create_body(subdomainName="shop", region="mars"))
        errs = await r.json()
        assert r.status == 400 and errs["subdomainName"] == ["Subdomain is already taken."] and "region" in errs
        r = await client.post(f"{API}/products/create", json=create_body(allowedIps=["1.2.3.4/8"]))
        assert r.status == 400 and "allowedIps" in await r.json()
        r = await client.post(f"{API}/products/create", json=create_body(tier="Production"))
        assert r.status == 400 and "instanceTypeName" in await r.json()
        added: list[str] = []
        state.on_product_added.append(lambda p: added.append(p.id))
        r = await client.post(f"{API}/products/create", json=create_body())
        assert r.status == 202
        pid = (await r.json())["productId"]
        assert added == [pid] and state.products[pid].status == ProductStatus.CREATING
        assert [n.tag for n in state.products[pid].nodes] == ["A"]
        assert state.products[pid].operator_cert.private_key is not None
        r = await client.post(f"{API}/products/create", json=create_body(subdomainName="fourth"))
        assert r.status == 412  # Staging, Shop, New: the 4th paid product is refused
        r = await client.post(f"{API}/products/create", json=create_body(tier="Free", instanceTypeName="Free"))
        assert r.status == 412  # one Free product per account


async def test_transitions_by_time_and_explicitly() -> None:
    async with portal() as (client, state):
        pid = product_id(state, "Staging")
        r = await client.post(f"{API}/products/instance-type", json={"productId": pid, "instanceType": "Dev20"})
        assert r.status == 202
        d = await (await client.get(f"{API}/products/details/{pid}")).json()
        assert d["status"] == "DeployingChanges" and d["instanceType"] == "Dev20"
        r = await client.post(f"{API}/products/storage", json={"productId": pid, "size": 20})
        assert r.status == 409  # busy until Active
        await asyncio.sleep(0.3)
        d = await (await client.get(f"{API}/products/details/{pid}")).json()
        assert d["status"] == "Active"
        state.transition_seconds = 3600
        await client.post(f"{API}/products/terminate/{pid}", json={"hideInPortal": True})
        assert state.products[pid].status == ProductStatus.TERMINATING
        assert state.advance(pid) == ProductStatus.TERMINATED
        items = (await (await client.get(f"{API}/products/list")).json())["items"]
        assert pid not in [i["id"] for i in items]
        assert (await client.get(f"{API}/products/details/{pid}")).status == 404


async def test_terminated_products_stay_listed_unless_hidden() -> None:
    state = demo_state()
    state.transition_seconds = 0
    async with portal(state) as (client, _):
        pid = product_id(state, "Playground")
        assert (await client.post(f"{API}/products/terminate/{pid}", json={})).status == 202
        d = await (await client.get(f"{API}/products/details/{pid}")).json()
        assert d["status"] == "Terminated"
        assert (await client.post(f"{API}/products/terminate/{pid}", json={})).status == 409


async def test_nodes_storage_and_restart() -> None:
    state = demo_state()
    state.transition_seconds = 0
    async with portal(state) as (client, _):
        shop, dev = product_id(state, "Shop"), product_id(state, "Staging")
        r = await client.post(f"{API}/products/additional-node/add", json={"productId": shop})
        assert r.status == 202 and (await r.json())["nodeTag"] == "D"
        assert [n.tag for n in state.products[shop].nodes] == ["A", "B", "C", "D"]
        r = await client.post(f"{API}/products/additional-node/add", json={"productId": dev})
        assert r.status == 400
        r = await client.post(f"{API}/products/additional-node/remove", json={"productId": shop, "nodeTag": "B"})
        assert r.status == 400 and "nodeTag" in await r.json()
        r = await client.post(f"{API}/products/additional-node/remove", json={"productId": shop, "nodeTag": "D"})
        assert r.status == 202 and len(state.products[shop].nodes) == 3
        r = await client.post(f"{API}/products/storage", json={"productId": shop, "size": 64})
        assert r.status == 202 and state.products[shop].storage_size == 64
        r = await client.post(f"{API}/products/storage", json={"productId": shop, "size": 10})
        assert r.status == 400
        r = await client.post(f"{API}/products/restart-node", json={"productId": shop, "nodeTag": "Z"})
        assert r.status == 400
        r = await client.post(f"{API}/products/restart-node", json={"productId": "nope", "nodeTag": "A"})
        assert r.status == 404
        r = await client.post(f"{API}/products/storage", data=b"{nope")
        assert r.status == 400


async def test_certificate_package_holds_the_initial_key_pair() -> None:
    async with portal() as (client, state):
        pid = product_id(state, "Shop")
        r = await client.get(f"{API}/products/security/certificate/{pid}")
        assert r.status == 200 and r.content_type == "application/octet-stream"
        data = await r.read()
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        base = "shop.acme.client.certificate"
        assert f"PEM/{base}.crt" in names and "PASSWORD.TXT" in names
        crt = zipfile.ZipFile(io.BytesIO(data)).read(f"PEM/{base}.crt")
        assert crt.strip() == state.products[pid].operator_cert.cert_pem().strip()
        pkg = read_package(data)
        op = state.products[pid].operator_cert
        assert pkg.layout == "cloud" and pkg.bundle.cert_der() == op.cert_der()
        assert pkg.bundle.key_pem() == op.key_pem()


async def test_rate_limit_when_the_world_asks_for_it() -> None:
    state = demo_state()
    state.rate_limit = True
    async with portal(state) as (client, _):
        assert (await client.get(f"{API}/products/list")).status == 200
        r = await client.get(f"{API}/products/list")
        assert r.status == 429 and int(r.headers["Retry-After"]) >= 1
        assert (await client.get(f"{API}/account/info")).status == 200  # per endpoint
        pid = product_id(state, "Shop")
        assert (await client.get(f"{API}/products/details/{pid}")).status == 200
        assert (await client.get(f"{API}/products/details/other")).status == 429  # same route template


def test_over_https_a_created_product_gets_reachable_nodes(tmp_path: Path) -> None:
    """Through the runtime: the portal over TLS, a product created by the API, its node reached with the
    certificate from its package."""
    import requests

    from ravensec.mock import MockCloud

    with MockCloud("empty") as cloud:
        cloud.state.transition_seconds = 0
        s = requests.Session()
        s.trust_env = False
        s.verify = str(cloud.ca_path)
        s.headers.update({"X-Api-Key": cloud.api_key, "User-Agent": "tests"})
        r = s.post(cloud.api_url + "/products/create", json=create_body(), timeout=10)
        assert r.status_code == 202
        pid = r.json()["productId"]
        d = s.get(f"{cloud.api_url}/products/details/{pid}", timeout=10).json()
        assert d["status"] == "Active" and d["dns"][0].startswith("127.0.0.1:")
        pkg = s.get(f"{cloud.api_url}/products/security/certificate/{pid}", timeout=10).content
        z = zipfile.ZipFile(io.BytesIO(pkg))
        base = "newone.emptyco.client.certificate"
        pem = tmp_path / "op.pem"
        pem.write_bytes(z.read(f"PEM/{base}.crt") + z.read(f"PEM/{base}.key"))
        node = requests.Session()
        node.trust_env = False
        r = node.get(f"https://{d['dns'][0]}/cluster/topology", cert=str(pem), verify=str(cloud.ca_path), timeout=10)
        assert r.status_code == 200, r.text
